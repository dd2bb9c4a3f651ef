// `dnsplane enact --progress` as a user sees it: progress lines on stderr during a pass of several batches;
// and enact's numeric options refused by name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDnsplane } from '../helpers/cli.js';
import { fenceGeneration, startRig, type Rig } from '../enactor/harness.js';

const CLI_TIMEOUT_MS = 90_000;
let rig: Rig;

beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await rig.close();
});

describe('dnsplane enact progress', () => {
  it(
    'prints progress lines to stderr on a pass longer than --progress, up to every batch answered',
    async () => {
      // 250 endpoints × 5 sets and the 64 shard fences created: 1,314 elements, so 2 requests of 1,000.
      const labels = Array.from({ length: 250 }, (_, i) => `p${i}`);
      await rig.writePlan(1, Object.fromEntries(labels.map((label) => [label, [1, 2, 3, 4, 5]])));
      const result = await runDnsplane(
        [
          'enact',
          '--id',
          'cli-progress',
          '--once',
          '--plans',
          rig.store.dir,
          '--endpoint-url',
          rig.test.authority.endpoint,
          '--progress',
          '1ms',
          '--concurrency',
          '2',
          '--audit',
          '',
        ],
        { cwd: rig.dir, env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' } },
      );
      expect(result.stderr).not.toMatch(/dnsplane:/);
      expect(result.stdout.split('\n').slice(0, 3).join('\n')).toMatch(
        /generation 1: 250 applied, 0 repaired, 0 in sync, 0 stood down, 0 refused, 0 failed/,
      );
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/dnsplane enact: generation 1: 2\/2 batches, 250\/250 endpoints in [\d.]+ s\n/);
      const view = await rig.view();
      expect(labels.every((label) => fenceGeneration(view, label) === 1)).toBe(true);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'refuses a --concurrency that is not a positive integer, naming the option',
    async () => {
      const result = await runDnsplane(
        [
          'enact',
          '--id',
          'x',
          '--once',
          '--plans',
          rig.store.dir,
          '--endpoint-url',
          rig.test.authority.endpoint,
          '--concurrency',
          '0',
        ],
        { cwd: rig.dir },
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--concurrency/);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'takes --metrics-port 0 (any free port) as the other long-running commands do, and refuses a port out of range by name',
    async () => {
      // Generation 2 adds m and keeps the rest (dropping 250 endpoints at once is past the change-share guard).
      await rig.writePlan(2, {
        ...Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, [1, 2, 3, 4, 5]])),
        m: [1],
      });
      const args = [
        'enact',
        '--id',
        'cli-metrics',
        '--once',
        '--plans',
        rig.store.dir,
        '--endpoint-url',
        rig.test.authority.endpoint,
        '--audit',
        '',
      ];
      const env = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
      const anyPort = await runDnsplane([...args, '--metrics-port', '0'], { cwd: rig.dir, env });
      expect(anyPort.stderr).not.toMatch(/dnsplane:/);
      expect(anyPort.code).toBe(0);
      const bad = await runDnsplane([...args, '--metrics-port', '70000'], { cwd: rig.dir, env });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('dnsplane: --metrics-port must be an integer >= 0 and <= 65535, got "70000"');
    },
    CLI_TIMEOUT_MS,
  );
});
