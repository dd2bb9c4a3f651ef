// Random interleavings of three enactors, one or two planners and cleanup (fast-check's scheduler orders every
// Route53 and plan-store call), with endpoint removal and re-adding, a non-atomic plan store, torn listings,
// kept zone views, lost responses, throttling, crashes and min capacity 2, against the authority's real
// ZoneStore in process. The enactor (shard fences) keeps every invariant; the same harness catches the legacy
// design emptying an endpoint, and the naive fence policy (moving only the fences of changed shards) writing
// stale content, which proves it can see those failures at all.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALL_INVARIANTS,
  caseArbitraryWith,
  CORE_INVARIANTS,
  interleavingProperty,
  runCase,
  todaysInvariants,
  VELOCITY_BUDGET,
  velocityApplies,
  velocityLimitedPlans,
  type Case,
  type Fault,
} from '../../src/scenario/interleavings.js';

// Seeded so that CI is reproducible; DNSPLANE_FC_SEED explores other seeds (the soak script runs 10,000).
const SEED = Number(process.env.DNSPLANE_FC_SEED ?? 20251020);

describe('randomized interleavings', () => {
  it('the enactor (shard fences): no endpoint ever empty or below min capacity, no fence backwards, no stale write after a removal, no fence naming a deleted plan, one content per generation, records matching the plan their fence names, newest generation live after the calm passes (1,000 cases)', async () => {
    await fc.assert(interleavingProperty('safe', todaysInvariants), { numRuns: 1_000, seed: SEED });
    // Every pass moves all 64 shard fences (~130 changes through the store's validation): on this 3-endpoint zone
    // a case costs more than it did with per-endpoint fences. Generous for a loaded 2-core machine.
  }, 600_000);

  it('the naive variant (only fences of shards whose content changes move) is caught writing stale content (I4)', async () => {
    const simple = caseArbitraryWith({
      atomicStore: fc.constant(true),
      planners: fc.constant(1),
      rollbackTo: fc.constant(null),
      minCapacity: fc.constant(1),
    });
    const stale = await fc.check(interleavingProperty('naive', ['stale', 'content'], simple), {
      numRuns: 1_000,
      seed: SEED,
      endOnFailure: true,
    });
    expect(stale.failed).toBe(true);
    expect(String(stale.errorInstance)).toMatch(/(stale|content): /);
  }, 600_000);

  it('an enactor that skipped generations never takes more than the velocity budget out of an endpoint in one batch (issue 11 case 3, I7)', async () => {
    const planned = caseArbitraryWith({
      plans: velocityLimitedPlans,
      planners: fc.constant(1),
      rollbackTo: fc.constant(null),
      atomicStore: fc.constant(true),
      minCapacity: fc.constant(1),
    });
    await fc.assert(interleavingProperty('safe', ['velocity'], planned), { numRuns: 1_000, seed: SEED });
  }, 600_000);

  it('the velocity-limited plans themselves never take more than the budget out of an endpoint between consecutive generations', () => {
    fc.assert(
      fc.property(velocityLimitedPlans, (plans) => {
        let previous = [
          [1, 1, 1],
          [1, 1, 1],
          [1, 1, 1],
        ];
        for (const plan of plans) {
          plan.forEach((weights, e) => {
            const drop = weights!.reduce((sum, w, i) => sum + Math.max(0, previous[e][i] - w), 0);
            expect(drop).toBeLessThanOrEqual(VELOCITY_BUDGET);
          });
          previous = plan as number[][];
        }
        // So the velocity check applies to them, unless a second planner or a rollback could publish out of turn.
        const c: Case = {
          plans,
          planners: 1,
          rollbackTo: null,
          atomicStore: true,
          passes: [1, 1, 1],
          keepView: false,
          pageSize: null,
          minCapacity: 1,
          faults: ['ok'],
        };
        expect([
          velocityApplies(c),
          velocityApplies({ ...c, planners: 2 }),
          velocityApplies({ ...c, rollbackTo: 1 }),
        ]).toEqual([true, false, false]);
      }),
      { numRuns: 500, seed: SEED },
    );
  });

  it('every invariant this harness knows is one the tests above run (none is left unchecked)', () => {
    const checked = new Set([...CORE_INVARIANTS, 'content', 'identity', 'stale', 'named', 'velocity']);
    expect(ALL_INVARIANTS.filter((invariant) => !checked.has(invariant))).toEqual([]);
  });

  it('legacy design: the same harness finds the empty record within 200 cases', async () => {
    const result = await fc.check(interleavingProperty('legacy', ['empty']), {
      numRuns: 200,
      seed: SEED,
      endOnFailure: true,
    });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toMatch(/empty: \S+ A has no record set/);
  });

  it('legacy design: the convergence check catches it too (a crashed pass leaves endpoints behind for good)', async () => {
    const result = await fc.check(interleavingProperty('legacy', ['converge']), {
      numRuns: 200,
      seed: SEED,
      endOnFailure: true,
    });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toMatch(/converge: /);
  });

  it('a found case replays from its seed and path', async () => {
    const first = await fc.check(interleavingProperty('legacy', ['empty']), {
      numRuns: 200,
      seed: SEED,
      endOnFailure: true,
    });
    expect(first.failed).toBe(true);
    const replay = await fc.check(interleavingProperty('legacy', ['empty']), {
      seed: first.seed,
      path: first.counterexamplePath!,
      endOnFailure: true,
    });
    expect(replay.failed).toBe(true);
    expect(String(replay.errorInstance)).toBe(String(first.errorInstance));
  });

  it('the harness really injects faults: a case with throttling, crashes and lost responses still keeps every core invariant', async () => {
    // One hand-picked case: every third call throttled, every seventh crashes its enactor, every fifth loses its response.
    const faults = Array.from({ length: 21 }, (_, i): Fault =>
      i % 7 === 6 ? 'crash' : i % 3 === 2 ? 'throttle' : i % 5 === 4 ? 'lost' : 'ok',
    );
    const [s] = fc.sample(fc.scheduler(), { numRuns: 1, seed: SEED });
    const c: Case = {
      plans: [
        [[2, 1, 0], [1, 1, 1], null],
        [[0, 3, 1], null, [2, 2, 2]],
        [
          [1, 1, 1],
          [4, 0, 1],
          [1, 0, 1],
        ],
      ],
      planners: 1,
      rollbackTo: null,
      atomicStore: true,
      passes: [3, 3, 3],
      keepView: false,
      pageSize: null,
      minCapacity: 1,
      faults,
    };
    const outcome = await runCase('safe', s, c);
    expect(outcome.violations).toEqual([]);
    expect(outcome.throttled).toBeGreaterThan(0);
    expect(outcome.crashed).toBeGreaterThan(0);
    expect(outcome.lost).toBeGreaterThan(0);
    expect(outcome.commits).toBeGreaterThan(2);
    expect(s.report().some((task) => task.label.includes('ChangeResourceRecordSets'))).toBe(true);
  });

  it('the enactment hint really decides passes: with honest and lying hints some passes wait and some trust, and every invariant holds', async () => {
    const hinted = caseArbitraryWith({ hints: fc.constantFrom('honest', 'lying'), atomicStore: fc.constant(true) });
    const cases = fc.sample(fc.tuple(fc.scheduler(), hinted), { numRuns: 60, seed: SEED });
    let waited = 0;
    let trusted = 0;
    for (const [s, c] of cases) {
      const outcome = await runCase('safe', s, c, todaysInvariants(c));
      expect(outcome.violations).toEqual([]);
      waited += outcome.waited;
      trusted += outcome.trusted;
    }
    expect(waited).toBeGreaterThan(0);
    expect(trusted).toBeGreaterThan(0);
  }, 300_000);

  it('torn listings really span several calls, a second planner and a racing rollback really write', async () => {
    const [c] = fc.sample(
      caseArbitraryWith({ planners: fc.constant(2), atomicStore: fc.constant(true), rollbackTo: fc.constant(1) }),
      { numRuns: 1, seed: SEED },
    );
    const listings = async (pageSize: number | null) => {
      const [s] = fc.sample(fc.scheduler(), { numRuns: 1, seed: SEED });
      const outcome = await runCase('safe', s, { ...c, pageSize, faults: ['ok'], passes: [1, 1, 1] });
      expect(outcome.violations).toEqual([]);
      const labels = s.report().map((task) => task.label);
      expect(labels.some((label) => label.startsWith('planner2 plans.write'))).toBe(true);
      expect(labels.some((label) => label.startsWith('operator plans.write'))).toBe(true);
      return labels.filter((label) => label.endsWith('ListResourceRecordSets')).length;
    };
    expect(await listings(2)).toBeGreaterThan(2 * (await listings(null)));
  });
});
