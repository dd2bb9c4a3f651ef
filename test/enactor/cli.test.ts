// enact, status, rollback and cleanup as a user runs them, against a real authority.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FilePlanStore } from '../../src/plan/file-store.js';
import { writeProbeStatus } from '../../src/probe/status-file.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDnsplane } from '../helpers/cli.js';
import { fenceGeneration, liveWeights, startRig, ZONE, type Rig } from './harness.js';

// Each step spawns the CLI (tsx and the AWS SDK load each time): seconds apiece on two busy cores.
const CLI_TIMEOUT_MS = 90_000;

let rig: Rig;
let common: string[];
const cli = (...args: string[]) =>
  runDnsplane(args, { cwd: rig.dir, env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' } });

beforeAll(async () => {
  rig = await startRig();
  common = ['--plans', rig.store.dir, '--endpoint-url', rig.test.authority.endpoint];
});
afterAll(async () => {
  await rig.close();
});

describe('enactor CLI', () => {
  it(
    'enact --once applies, status shows it, rollback republishes, cleanup keeps what is live',
    async () => {
      await rig.writePlan(1, { api: [10, 20] });
      await rig.writePlan(2, { api: [30, 40] });

      const enact = await cli('enact', '--id', 'cli-1', '--once', ...common, '--audit', 'audit.jsonl');
      expect(enact.stderr).not.toMatch(/dnsplane:/);
      expect(enact).toMatchObject({ code: 0 });
      expect(enact.stdout).toMatch(/generation 2: 1 applied/);
      // One line for api (the other 63 shards' fence-only swaps change no endpoint).
      const audit = (await readFile(`${rig.dir}/audit.jsonl`, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(audit.map((line) => `${line.endpoint} ${line.outcome}`)).toEqual([`api.${ZONE} A accepted`]);

      const status = await cli('status', '--json', ...common);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout).endpoints).toEqual([
        expect.objectContaining({
          endpoint: `api.${ZONE} A`,
          liveGeneration: 2,
          plannedGeneration: 2,
          liveMatchesFence: true,
          liveMatchesLatest: true,
          fenceWriter: 'cli-1',
          probe: null,
        }),
      ]);
      // With a probe status file (as `dnsplane probe` writes it), status shows the probe's last word too.
      const at = new Date().toISOString();
      const probed = {
        endpoint: `api.${ZONE} A`,
        path: 'resolver' as const,
        server: '127.0.0.1:53',
        result: 'answered' as const,
        values: ['10.0.0.1'],
        at,
        observations: 3,
        availability: 1,
      };
      await writeProbeStatus(path.join(rig.dir, 'probe.json'), {
        version: 1,
        updatedAt: at,
        intervalMs: 500,
        endpoints: [probed],
      });
      const table = await cli('status', ...common, '--probe-status', 'probe.json');
      expect(table.stdout).toMatch(
        new RegExp(`api\\.${ZONE.replace(/\./g, '\\.')} A +2 +2 +yes +yes +2 +cli-1 +resolver:answered`),
      );

      expect(table.stderr).not.toContain('may be old');
      // A probe that stopped leaves its last word behind: status says the file is old instead of passing it off as now.
      const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
      await writeProbeStatus(path.join(rig.dir, 'old-probe.json'), {
        version: 1,
        updatedAt: hourAgo,
        intervalMs: 500,
        endpoints: [{ ...probed, at: hourAgo }],
      });
      const old = await cli('status', ...common, '--probe-status', 'old-probe.json');
      expect(old.code).toBe(0);
      expect(old.stderr).toMatch(
        /note: the probe results shown may be old: old-probe\.json was last written 36\d\d s ago .*is `dnsplane probe` still running/,
      );

      // 70 -> 30 units at the default 25%: a chain of three generations (17 units a step at most).
      const back = await cli('rollback', '--to', '1', '--plans', rig.store.dir, '--by', 'tester');
      expect(back.stdout).toContain(
        "rolled back to the content of generation 1 in 3 step(s) (at most 25% of an endpoint's weight removed per step): generations 3..5",
      );
      // From 2 straight to 5 would take 57% of api's weight: the first pass walks to 4 (48%), the next to 5.
      expect(await cli('enact', '--id', 'cli-2', '--once', ...common)).toMatchObject({ code: 0 });
      expect(fenceGeneration(await rig.view(), 'api')).toBe(4);
      expect(await cli('enact', '--id', 'cli-2', '--once', ...common)).toMatchObject({ code: 0 });
      const view = await rig.view();
      expect([fenceGeneration(view, 'api'), liveWeights(view, 'api')]).toEqual([5, [10, 20]]);

      const keepAll = await cli('cleanup', '--retention', '5', ...common);
      expect(keepAll.stdout).toContain(
        'nothing to delete: --retention 5 keeps every generation up to the lowest live one',
      );
      const cleanup = await cli('cleanup', '--retention', '0', '--json', ...common);
      expect(JSON.parse(cleanup.stdout)).toMatchObject({ live: [5], deleted: [1, 2, 3, 4], kept: [5] });
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'rollback --to is a velocity-limited chain of normal plans (1020 -> 255 in three generations); --force is one step, said out loud',
    async () => {
      await rig.writePlan(6, { api: [255] });
      await rig.writePlan(7, { api: [255, 255, 255, 255] });
      const chain = await cli('rollback', '--to', '6', '--plans', rig.store.dir);
      expect(chain.code).toBe(0);
      expect(chain.stdout.trim().split('\n')).toEqual([
        `published generation 8 (step 1 of 3); velocity limit held back api.${ZONE} A`,
        `published generation 9 (step 2 of 3); velocity limit held back api.${ZONE} A`,
        'published generation 10 (step 3 of 3): the content of generation 6',
        expect.stringMatching(
          /^rolled back to the content of generation 6 in 3 step\(s\) \(at most 25% .*\): generations 8\.\.10 in file:/,
        ),
      ]);
      const served = async (generation: number) =>
        (await rig.store.read(generation))!.endpoints[0].sets.map((set) => set.weight);
      expect([await served(8), await served(9), await served(10)]).toEqual([
        [255, 170, 170, 170],
        [255, 85, 85, 85],
        [255],
      ]);
      const half = await cli('rollback', '--to', '7', '--plans', rig.store.dir, '--max-drop-share', '0.5');
      expect(half.stdout).toContain('published generation 11 (step 1 of 1): the content of generation 7');
      const forced = await cli('rollback', '--to', '6', '--plans', rig.store.dir, '--force');
      expect(forced.stdout).toContain(
        '--force: one step straight to the content of generation 6, with no velocity limit',
      );
      expect(forced.stdout).toContain(
        'rolled back to the content of generation 6 in 1 step(s) (forced, no velocity limit): generations 12..12',
      );
      // The enactor walks (I7): 5 -> 11 is within its velocity limit, 5 -> 12 is not; 11 -> 12, the forced step, is
      // the next stored generation, which it always takes.
      expect(await cli('enact', '--id', 'cli-3', '--once', ...common)).toMatchObject({ code: 0 });
      expect(fenceGeneration(await rig.view(), 'api')).toBe(11);
      expect(await cli('enact', '--id', 'cli-3', '--once', ...common)).toMatchObject({ code: 0 });
      const view = await rig.view();
      expect([fenceGeneration(view, 'api'), liveWeights(view, 'api')]).toEqual([12, [255]]);
      // A store restored behind the zone (only plan 6 in it): with --endpoint-url the chain is numbered above the live fence 12.
      const restored = new FilePlanStore(path.join(rig.dir, 'restored-plans'));
      await restored.write((await rig.store.read(6))!);
      const above = await cli(
        'rollback',
        '--to',
        '6',
        '--plans',
        restored.dir,
        '--endpoint-url',
        rig.test.authority.endpoint,
      );
      expect(above.stdout).toContain('published generation 13 (step 1 of 1): the content of generation 6');
      const bad = await cli('rollback', '--to', '6', '--plans', rig.store.dir, '--max-drop-share', '0');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('dnsplane: --max-drop-share must be a number >= 0.01 and <= 1, got "0"');
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'refuses bad options with a message naming them',
    async () => {
      const result = await cli('enact', '--id', 'x', '--once', ...common, '--max-change-share', '2');
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/dnsplane: --max-change-share must be a number >= 0 and <= 1/);
    },
    CLI_TIMEOUT_MS,
  );
});
