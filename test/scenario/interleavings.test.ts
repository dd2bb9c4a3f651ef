// Random interleavings of three enactors, the planner and cleanup (fast-check's scheduler orders every Route53
// and plan-store call), with throttling and crashes between read and write, against the authority's real
// ZoneStore in process. The safe design keeps every invariant in every case; the same harness catches the
// legacy design emptying an endpoint, which proves it can see the failure at all.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { caseArbitrary, interleavingProperty, runCase, type Fault } from '../../src/scenario/interleavings.js';

// Seeded so that CI is reproducible; DNSPLANE_FC_SEED explores other seeds (the soak script runs 10,000).
const SEED = Number(process.env.DNSPLANE_FC_SEED ?? 20251020);

describe('randomized interleavings', () => {
  it('safe design: no endpoint ever empty, no fence backwards, newest generation live everywhere (1,000 cases)', async () => {
    await fc.assert(interleavingProperty('safe'), { numRuns: 1_000, seed: SEED });
    // Every pass moves all 64 shard fences (one request, ~130 changes through the store's validation): on this
    // 3-endpoint zone a case costs ~2.5x what per-endpoint fences did. Generous for a loaded 2-core machine.
  }, 480_000);

  it('legacy design: the same harness finds the empty record within 200 cases', async () => {
    const result = await fc.check(interleavingProperty('legacy', ['empty']), { numRuns: 200, seed: SEED, endOnFailure: true });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toMatch(/empty: \S+ has no record set/);
  });

  it('legacy design: the convergence check catches it too (a crashed pass leaves endpoints behind for good)', async () => {
    const result = await fc.check(interleavingProperty('legacy', ['converge']), { numRuns: 200, seed: SEED, endOnFailure: true });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toMatch(/converge: /);
  });

  it('a found case replays from its seed and path', async () => {
    const first = await fc.check(interleavingProperty('legacy', ['empty']), { numRuns: 200, seed: SEED, endOnFailure: true });
    expect(first.failed).toBe(true);
    const replay = await fc.check(interleavingProperty('legacy', ['empty']), { seed: first.seed, path: first.counterexamplePath!, endOnFailure: true });
    expect(replay.failed).toBe(true);
    expect(String(replay.errorInstance)).toBe(String(first.errorInstance));
  });

  it('the harness really injects faults: a case with throttling and crashes still keeps every invariant', async () => {
    // One hand-picked case: every third call throttled, every seventh crashes its enactor.
    const faults = Array.from({ length: 21 }, (_, i): Fault => (i % 7 === 6 ? 'crash' : i % 3 === 2 ? 'throttle' : 'ok'));
    const [s] = fc.sample(fc.scheduler(), { numRuns: 1, seed: SEED });
    const [c] = fc.sample(caseArbitrary, { numRuns: 1, seed: SEED });
    const outcome = await runCase('safe', s!, { ...c!, faults, passes: [3, 3, 3] });
    expect(outcome.violations).toEqual([]);
    expect(outcome.throttled).toBeGreaterThan(0);
    expect(outcome.crashed).toBeGreaterThan(0);
    expect(outcome.commits).toBeGreaterThan(2);
    expect(s!.report().some((task) => task.label.includes('ChangeResourceRecordSets'))).toBe(true);
  });
});
