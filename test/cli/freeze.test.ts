// freeze / thaw / rollback --freeze as an operator runs them, against a real authority and a file plan store:
// while frozen no plan is written and no record changes; a pinned rollback is applied but cannot be planned over.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fenceGeneration, liveWeights, startRig, type Rig } from '../enactor/harness.js';
import { runDnsplane } from '../helpers/cli.js';

const CLI_TIMEOUT_MS = 180_000;
const root = path.resolve(import.meta.dirname, '../..');

let rig: Rig;
let plans: string[];
let common: string[];
const cli = (...args: string[]) =>
  runDnsplane(args, { cwd: rig.dir, env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' } });

beforeAll(async () => {
  rig = await startRig();
  plans = ['--plans', rig.store.dir];
  common = [...plans, '--endpoint-url', rig.test.authority.endpoint];
});
afterAll(async () => rig?.close());

describe('freeze', () => {
  it('an enactor asked at the start of its pass changes nothing while frozen; without the hook it would have', async () => {
    await rig.writePlan(1, { api: [10, 20] });
    const frozen = rig.enactor('hooked', { frozen: async () => true });
    expect(await frozen.runOnce()).toMatchObject({ applied: [], batches: 0 });
    expect(fenceGeneration(await rig.view(), 'api')).toBeUndefined();
    // The same enactor without the hook: the counterexample the hook exists for.
    expect((await rig.enactor('unhooked').runOnce()).applied).toHaveLength(1);
    expect(fenceGeneration(await rig.view(), 'api')).toBe(1);
  });

  it(
    'freeze stops enact, plan --write, rollback and cleanup; status shows it; thaw resumes; rollback --freeze pins',
    async () => {
      await rig.writePlan(2, { api: [30, 40] });
      const frozen = await cli('freeze', '--reason', 'incident 42', '--by', 'ops', ...plans);
      expect(frozen.code, frozen.stderr).toBe(0);
      expect(frozen.stdout).toContain('FROZEN since');

      const enact = await cli('enact', '--id', 'e1', '--once', ...common);
      expect(enact.code).toBe(0);
      expect(enact.stdout).toMatch(/is FROZEN since \S+ by ops: incident 42; nothing written/);
      expect(fenceGeneration(await rig.view(), 'api')).toBe(1);

      const status = await cli('status', ...common);
      expect(status.stdout).toMatch(/is FROZEN since \S+ by ops: incident 42\n/);
      expect(JSON.parse((await cli('status', '--json', ...common)).stdout).freeze).toMatchObject({
        reason: 'incident 42',
        author: 'ops',
      });

      const plan = await cli('plan', '--write', '--fleet', path.join(root, 'examples/fleet.json'), ...plans);
      expect(plan.code).toBe(1);
      expect(plan.stderr).toContain('dnsplane: plan --write: the plan store');
      expect(plan.stderr).toContain('run `dnsplane thaw` first');
      expect((await cli('rollback', '--to', '1', ...plans)).stderr).toContain('dnsplane: rollback: the plan store');
      expect((await cli('cleanup', '--retention', '0', ...common)).stderr).toContain(
        'dnsplane: cleanup: the plan store',
      );
      expect(await rig.store.list()).toEqual([1, 2]);

      const thaw = await cli('thaw', ...plans);
      expect(thaw.stdout).toMatch(/^thawed .* \(was FROZEN since \S+ by ops: incident 42\)/);
      expect((await cli('thaw', ...plans)).stdout).toContain('is not frozen; nothing to do');
      expect((await cli('enact', '--id', 'e1', '--once', ...common)).stdout).toMatch(/generation 2: 1 applied/);

      // A pinned rollback: published and applied, but no planner may write over it.
      const rollback = await cli('rollback', '--to', '1', '--force', '--freeze', '--by', 'ops', ...plans);
      expect(rollback.code, rollback.stderr).toBe(0);
      expect(rollback.stdout).toContain("rollback to generation 1's content pinned");
      expect((await cli('plan', '--write', '--fleet', path.join(root, 'examples/fleet.json'), ...plans)).code).toBe(1);
      expect((await cli('enact', '--id', 'e1', '--once', ...common)).stdout).toMatch(/generation 3: 1 applied/);
      const view = await rig.view();
      expect([fenceGeneration(view, 'api'), liveWeights(view, 'api')]).toEqual([3, [10, 20]]);
      expect((await cli('thaw', ...plans)).stdout).toContain('thawed');
    },
    CLI_TIMEOUT_MS,
  );
});
