// Randomized interleavings of three enactors, a planner and cleanup, ordered by fast-check's scheduler, against
// the authority's real ZoneStore in process. Every Route53 call and every plan-store call is a scheduling
// point, so the scheduler can delay any actor past any other; a fault plan adds throttling (Route53's
// "Rate exceeded", no retries left) and crashes (the enactor dies at that call, often between its read and
// its write, and is restarted fresh for its next pass).
//
// Invariants, checked after every commit of the zone:
//   empty     no endpoint ever has no address record set;
//   fence     no endpoint's fence generation ever goes backwards;
//   converge  after the chaos, a calm period (one pass per generation at most: velocity control may walk
//             through the stored plans) brings every endpoint to the newest generation.
// The safe design must keep all three in every case; the legacy design must be caught breaking `empty`.
import fc from 'fast-check';
import { Route53Error } from '../authority/store/errors.js';
import { ZoneStore } from '../authority/store/zone-store.js';
import { Enactor } from '../enactor/enactor.js';
import type { Plan } from '../plan/schema.js';
import type { PlanStore } from '../plan/store.js';
import { createLogger } from '../telemetry/logger.js';
import { LegacyEnactor } from './legacy-enactor.js';
import { MemoryPlanStore } from './memory-plan-store.js';
import { storeClient } from './store-client.js';
import { convergedTo, endpointStates } from './zone-state.js';

export type Design = 'safe' | 'legacy';
export type Invariant = 'empty' | 'fence' | 'converge';
export const INVARIANTS: readonly Invariant[] = ['empty', 'fence', 'converge'];

const ZONE = 'interleave.test.';
const ENDPOINTS = ['api', 'web', 'auth'].map((label) => `${label}.${ZONE}`);
const SETS_PER_ENDPOINT = 3;
/** Cleanup keeps one generation below the lowest live one (safe) or below the one just applied (legacy). */
const RETENTION = 1;
const silent = createLogger('interleavings', 'silent');

export type Fault = 'ok' | 'throttle' | 'crash';

export interface Case {
  /** Generations 2.. as the planner writes them: per endpoint, the weight of each set (at least one > 0). */
  plans: number[][][];
  /** Passes of each of the three enactors (each pass is a fresh enactor: a restart). */
  passes: number[];
  /** Applied to the calls in the order the scheduler lets them through, cyclically. */
  faults: Fault[];
}

const weights = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: SETS_PER_ENDPOINT, maxLength: SETS_PER_ENDPOINT }).map((w) => (w.some((x) => x > 0) ? w : [1, ...w.slice(1)]));

export const caseArbitrary: fc.Arbitrary<Case> = fc.record({
  plans: fc.array(fc.array(weights, { minLength: ENDPOINTS.length, maxLength: ENDPOINTS.length }), { minLength: 2, maxLength: 6 }),
  passes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 3 }),
  faults: fc.array(fc.constantFrom<Fault>('ok', 'ok', 'ok', 'ok', 'ok', 'throttle', 'crash'), { minLength: 1, maxLength: 40 }),
});

export function planOf(generation: number, endpointWeights: number[][]): Plan {
  return {
    generation,
    createdAt: new Date(0).toISOString(),
    createdBy: 'interleavings',
    zone: ZONE,
    endpoints: ENDPOINTS.map((name, e) => ({
      name,
      type: 'A' as const,
      ttl: 30,
      sets: endpointWeights[e]!.map((weight, i) => ({ setIdentifier: `lb-${i}`, weight, values: [`10.0.${e}.${i + 1}`] })),
    })),
  };
}

type AnyEnactor = Pick<Enactor | LegacyEnactor, 'runOnce'>;

function makeEnactor(design: Design, id: string, client: ReturnType<typeof storeClient>, store: PlanStore, zoneId: string): AnyEnactor {
  // No retries inside a pass: a throttled call fails the batch (or the pass), and the next pass tries again.
  // This keeps timers out of the run, so the scheduler alone decides the order and a seed replays exactly.
  if (design === 'legacy') return new LegacyEnactor({ id, client, store, zoneId, retry: { retries: 0 }, cleanupRetention: RETENTION });
  return new Enactor({ id, client, store, zone: zoneId, logger: silent, retry: { retries: 0 }, cleanupRetention: RETENTION });
}

class EnactorCrashed extends Error {
  constructor(actor: string) {
    super(`${actor} crashed`);
    this.name = 'EnactorCrashed';
  }
}

/** A plan store whose every call is a scheduling point. */
function scheduledPlans(store: PlanStore, s: fc.Scheduler, actor: string): PlanStore {
  const tick = (op: string) => s.schedule(Promise.resolve(), `${actor} plans.${op}`);
  return {
    location: store.location,
    write: async (plan) => (await tick('write'), store.write(plan)),
    read: async (generation) => (await tick('read'), store.read(generation)),
    latest: async () => (await tick('latest'), store.latest()),
    list: async () => (await tick('list'), store.list()),
    delete: async (generation, guard) => (await tick('delete'), store.delete(generation, guard)),
  };
}

export interface CaseOutcome {
  /** The broken invariants; empty when all held. */
  violations: string[];
  /** Faults injected, and zone commits watched. */
  throttled: number;
  crashed: number;
  commits: number;
}

export async function runCase(design: Design, s: fc.Scheduler, c: Case, check: readonly Invariant[] = INVARIANTS): Promise<CaseOutcome> {
  const zones = new ZoneStore();
  const zoneId = zones.createHostedZone({ name: ZONE, callerReference: 'interleavings' }).zone.id;
  const plans = new MemoryPlanStore();
  await plans.write(planOf(1, ENDPOINTS.map(() => [1, 1, 1])));
  const direct = storeClient(zones);
  await makeEnactor(design, 'setup', direct, plans, zoneId).runOnce();

  const violations: string[] = [];
  const highest = new Map<string, number>();
  let commits = 0;
  const watch = () => {
    commits += 1;
    const states = endpointStates(zones.snapshots().find((zone) => zone.zone.id === zoneId)?.recordSets ?? []);
    for (const endpoint of ENDPOINTS) {
      const state = states.get(`${endpoint} A`);
      if (check.includes('empty') && (!state || state.sets.length === 0)) violations.push(`empty: ${endpoint} has no record set after commit ${commits}`);
      if (check.includes('fence') && state?.fence !== undefined) {
        const before = highest.get(endpoint) ?? 0;
        if (state.fence < before) violations.push(`fence: ${endpoint} went back from ${before} to ${state.fence} at commit ${commits}`);
        highest.set(endpoint, Math.max(before, state.fence));
      }
    }
  };
  watch();
  const unsubscribe = zones.onCommit(watch);
  let throttled = 0;
  let crashes = 0;
  try {
    let call = 0;
    const faulty = (actor: string) => {
      let crashed = false; // this enactor, until its next pass restarts it
      return storeClient(zones, {
        async before(operation) {
          await s.schedule(Promise.resolve(), `${actor} ${operation}`);
          if (crashed) throw new EnactorCrashed(actor);
          const fault = c.faults[call++ % c.faults.length];
          if (fault === 'throttle') {
            throttled += 1;
            throw new Route53Error('Throttling', 'Rate exceeded');
          }
          if (fault === 'crash') {
            crashes += 1;
            crashed = true;
            throw new EnactorCrashed(actor);
          }
        },
      });
    };
    const planner = (async () => {
      const store = scheduledPlans(plans, s, 'planner');
      for (const [i, endpointWeights] of c.plans.entries()) await store.write(planOf(i + 2, endpointWeights));
    })();
    const enactors = c.passes.map(async (passes, e) => {
      const id = `e${e + 1}`;
      for (let pass = 0; pass < passes; pass++) {
        await makeEnactor(design, id, faulty(id), scheduledPlans(plans, s, id), zoneId).runOnce().catch(() => undefined);
      }
    });
    await s.waitFor(Promise.all([planner, ...enactors]));

    if (check.includes('converge')) {
      const latest = (await plans.latest())!;
      // Calm passes: velocity control may walk through the stored plans in between, one step per pass, so the
      // calm period is at most one pass per generation written.
      const zoneNow = () => endpointStates(zones.snapshots().find((zone) => zone.zone.id === zoneId)?.recordSets ?? []);
      for (let pass = 0; pass <= c.plans.length && !convergedTo(zoneNow(), latest); pass++) {
        await makeEnactor(design, 'calm', direct, plans, zoneId).runOnce().catch((error: Error) => violations.push(`converge: the calm pass failed: ${error.message}`));
      }
      const states = zoneNow();
      if (!convergedTo(states, latest)) {
        const where = ENDPOINTS.map((endpoint) => `${endpoint}@${states.get(`${endpoint} A`)?.generation ?? 'none'}`).join(' ');
        violations.push(`converge: not every endpoint is at generation ${latest.generation} after the calm passes (${where})`);
      }
    }
  } finally {
    unsubscribe();
  }
  return { violations, throttled, crashed: crashes, commits };
}

/** The property: the design keeps the chosen invariants under every interleaving. */
export function interleavingProperty(design: Design, check: readonly Invariant[] = INVARIANTS) {
  return fc.asyncProperty(fc.scheduler(), caseArbitrary, async (s, c) => {
    const { violations } = await runCase(design, s, c, check);
    if (violations.length > 0) throw new Error(`${design} design broke ${violations.length} invariant check(s):\n  ${violations.slice(0, 5).join('\n  ')}`);
  });
}
