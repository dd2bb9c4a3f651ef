// The exit codes of the README's table, each produced by the real binary against a real authority: 2 for a
// usage error (ours and commander's, both printed as `dnsplane: ...`), 3 for a guard refusal, 4 for an EMPTY
// endpoint, and PENDING (exit 0) for an endpoint planned but never applied.
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSdkRecordSet } from '../../src/route53/recordset.js';
import { host, startRig, type Rig } from '../enactor/harness.js';
import { runDnsplane } from '../helpers/cli.js';

// Each step spawns the CLI (tsx and the AWS SDK load each time): seconds apiece on two busy cores.
const CLI_TIMEOUT_MS = 120_000;

let rig: Rig;
let common: string[];
const cli = (...args: string[]) =>
  runDnsplane(args, { cwd: rig.dir, env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' } });

beforeAll(async () => {
  rig = await startRig();
  common = ['--plans', rig.store.dir, '--endpoint-url', rig.test.authority.endpoint];
});
afterAll(async () => rig?.close());

describe('exit codes', () => {
  it(
    "2 for usage errors, printed as dnsplane: (commander's too), with nothing done",
    async () => {
      const unknownFlag = await cli('status', '--bogus', ...common);
      expect(unknownFlag.code).toBe(2);
      expect(unknownFlag.stderr).toMatch(/^dnsplane: unknown option '--bogus'/);
      expect(unknownFlag.stderr).not.toMatch(/^error:/m);
      const badValue = await cli('enact', '--id', 'x', '--once', ...common, '--max-change-share', '2');
      expect(badValue.code).toBe(2);
      expect(badValue.stderr).toMatch(/dnsplane: --max-change-share must be a number >= 0 and <= 1/);
      const bareDuration = await cli('status', ...common, '--request-timeout', '5');
      expect(bareDuration.code).toBe(2);
      expect(bareDuration.stderr).toContain('--request-timeout "5" has no unit');
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'status: PENDING before the first apply (exit 0); enact --once: 3 on a guard refusal; status: 4 when an endpoint is EMPTY',
    async () => {
      await rig.writePlan(1, { api: [10, 20], web: [5] });
      const pending = await cli('status', ...common);
      expect(pending.code).toBe(0);
      expect(pending.stdout).toMatch(/^STATE +ENDPOINT/);
      expect(pending.stdout).toMatch(new RegExp(`^PENDING +${host('api').replace(/\./g, '\\.')} A`, 'm'));
      const json = JSON.parse((await cli('status', '--json', ...common)).stdout) as {
        endpoints: Array<{ state: string; reason: string }>;
      };
      expect(json.endpoints.map((row) => row.state)).toEqual(['pending', 'pending']);
      expect(json.endpoints[0].reason).toBe('planned in generation 1, not applied yet');

      // Two addresses behind api, one behind web: a floor of 3 refuses both. --log-level (over the environment's
      // silent) lets the refusals through as error lines and drops the info lines of the pass.
      const refused = await cli(
        'enact',
        '--id',
        'e1',
        '--once',
        ...common,
        '--min-capacity',
        '3',
        '--log-level',
        'error',
        '--log-format',
        'json',
      );
      expect(refused.stdout).toMatch(/REFUSED +api\./);
      expect(refused.code).toBe(3);
      const logged = refused.stderr
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { level: number; msg: string });
      expect(logged.map((line) => line.level)).toEqual([50, 50]);
      expect(logged.every((line) => line.msg.startsWith('refused: '))).toBe(true);

      // At the default log level one pass prints its summary and no info lines (self-check, one per shard).
      const applied = await runDnsplane(['enact', '--id', 'e1', '--once', '--log-format', 'text', ...common], {
        cwd: rig.dir,
        env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', DNSPLANE_LOG_LEVEL: undefined },
      });
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stdout).toMatch(/^generation 1: /m);
      expect(applied.stderr).not.toMatch(/ INFO /);
      const matching = await cli('status', ...common);
      expect(matching.code).toBe(0);
      expect(matching.stdout.match(/^MATCH /gm)).toHaveLength(2);

      // An endpoint added by the next plan is PENDING until an enactor applies it, though its shard has a fence.
      await rig.writePlan(2, { api: [10, 20], web: [5], fresh: [1] });
      const added = await cli('status', ...common);
      expect(added.code, added.stderr).toBe(0);
      expect(added.stdout).toMatch(new RegExp(`^PENDING +${host('fresh').replace(/\./g, '\\.')} A +1 +2 `, 'm'));

      const live = (await rig.view()).endpoints.get(`${host('api')} A`)!;
      await rig.client.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: rig.zoneId,
          ChangeBatch: {
            Changes: live.sets.map((set) => ({ Action: 'DELETE', ResourceRecordSet: toSdkRecordSet(set) })),
          },
        }),
      );
      const empty = await cli('status', ...common);
      expect(empty.code).toBe(4);
      expect(empty.stdout).toMatch(new RegExp(`^EMPTY +${host('api').replace(/\./g, '\\.')} A`, 'm'));
      expect(empty.stderr).toContain(
        `dnsplane: 1 endpoint(s) EMPTY: ${host('api')} A (planned, but no live record sets)`,
      );
    },
    CLI_TIMEOUT_MS,
  );
});
