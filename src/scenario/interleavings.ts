// Randomized interleavings of three enactors, one or two planners and cleanup, ordered by fast-check's
// scheduler, against the authority's real ZoneStore in process. Every Route53 call and every plan-store call
// is a scheduling point, so the scheduler can delay any actor past any other. A case also chooses:
//   - plans that remove endpoints and add them back (an endpoint absent from a generation);
//   - one or two planners, each numbering its plans latest + 1 (a lost race is retried once, then dropped);
//   - an operator's rollback to generation 1 or 2 racing them (a velocity-limited chain, enactor/rollback.ts,
//     which stops when another writer publishes mid-chain);
//   - an atomic plan store, or one that ignores If-None-Match (moto): two planners can both write one
//     generation, the second silently replacing the first;
//   - torn listings: ListResourceRecordSets serves a few sets per page, so a zone read spans several calls
//     and writes land between them;
//   - enactors that keep their instance (and cached zone view) across passes until they crash, or restart
//     every pass;
//   - min capacity 1 or 2 (plans then keep at least two serving sets);
//   - the enactment hint (enactor/hints.ts): not used, used honestly, or with a liar writing "enacted" and an
//     abandoned claim for the latest plan at moments the scheduler picks (claims never time out here, so a
//     crashed holder stalls the others: the hint may only delay, and the calm passes, which read the fences,
//     must still converge);
//   - a fault plan over the calls in the order the scheduler lets them through: throttling (Route53's "Rate
//     exceeded", no retries left), crashes (the enactor dies at that call, often between its read and its
//     write, and is restarted fresh for its next pass) and lost responses (the call takes effect, the caller
//     sees a timeout).
// The invariants are in interleaving-checks.ts. Today's design keeps CORE_INVARIANTS in every case; the others
// are the holes of issue 11, which the tests show this harness finding.
import fc from 'fast-check';
import { Route53Error } from '../authority/store/errors.js';
import { ZoneStore } from '../authority/store/zone-store.js';
import { Enactor } from '../enactor/enactor.js';
import type { RunSummary } from '../enactor/options.js';
import { planDigest } from '../enactor/hints.js';
import { rollback } from '../enactor/rollback.js';
import type { Plan } from '../plan/schema.js';
import { dropBudget, limitedStep } from '../plan/weights.js';
import { PlanExistsError, type PlanStore } from '../plan/store.js';
import { OPERATION_NAMES } from '../route53/port.js';
import { endpointKey } from '../route53/recordset.js';
import { createLogger } from '../telemetry/logger.js';
import { InvariantWatch, type Invariant } from './interleaving-checks.js';
import { LegacyEnactor } from './legacy-enactor.js';
import { MemoryPlanStore } from './memory-plan-store.js';
import { storePort } from './store-client.js';
import { convergedTo, endpointStandings } from './zone-state.js';

export type { Invariant } from './interleaving-checks.js';
/** safe: the enactor; naive: the enactor moving only the fences of shards whose content changes (unsafe, I4); legacy: October 2025. */
export type Design = 'safe' | 'naive' | 'legacy';
/** What today's enactor keeps under every generated case. */
export const CORE_INVARIANTS: readonly Invariant[] = ['empty', 'capacity', 'fence', 'converge'];
/** Everything issue 11 asks for (today's enactor breaks some of them: see the tests). */
export const ALL_INVARIANTS: readonly Invariant[] = [
  ...CORE_INVARIANTS,
  'stale',
  'named',
  'content',
  'identity',
  'velocity',
];

const ZONE = 'interleave.test.';
const ENDPOINTS = ['api', 'web', 'auth'].map((label) => `${label}.${ZONE}`);
const KEYS = ENDPOINTS.map((name) => endpointKey(name, 'A'));
const SETS_PER_ENDPOINT = 3;
/** Cleanup keeps one generation below the lowest live one (safe) or below the one just applied (legacy). */
const RETENTION = 1;
const silent = createLogger('interleavings', 'silent');

export type Fault = 'ok' | 'throttle' | 'crash' | 'lost';

export interface Case {
  /** Generations as the planners write them: per endpoint, the weight of each set, or null (not in the plan). */
  plans: Array<Array<number[] | null>>;
  /** Plans are dealt to the planners in turn. */
  planners: 1 | 2;
  /** An operator's `rollback --to G` racing the planners, or null. */
  rollbackTo: 1 | 2 | null;
  /** false: the plan store ignores If-None-Match (a second write of a generation replaces the first). */
  atomicStore: boolean;
  /** Passes of each of the three enactors. */
  passes: number[];
  /** Enactors keep their instance, and so their cached zone view, across passes (until they crash). */
  keepView: boolean;
  /** Record sets per listing page (torn listings); null: Route53's default, one page for this zone. */
  pageSize: number | null;
  minCapacity: 1 | 2;
  /** Applied to the calls in the order the scheduler lets them through, cyclically. */
  faults: Fault[];
  /** The enactment hint: none (runOnce without it), honest, or also a liar's hints (default none). */
  hints?: 'none' | 'honest' | 'lying';
}

/** Per endpoint weights with at least `serving` sets above 0 (one address per set). */
const weights = (serving: number) =>
  fc
    .array(fc.integer({ min: 0, max: 5 }), { minLength: SETS_PER_ENDPOINT, maxLength: SETS_PER_ENDPOINT })
    .map((w) => w.map((x, i) => (i < serving && w.filter((y) => y > 0).length < serving && x === 0 ? 1 : x)));

const planSpec = (serving: number) =>
  fc
    .array(fc.option(weights(serving), { freq: 4, nil: null }), {
      minLength: ENDPOINTS.length,
      maxLength: ENDPOINTS.length,
    })
    .map((endpoints) =>
      endpoints.some((e) => e !== null) ? endpoints : [Array(SETS_PER_ENDPOINT).fill(1), ...endpoints.slice(1)],
    );

const randomPlans = (serving: number) => fc.array(planSpec(serving), { minLength: 2, maxLength: 6 });

/** Each set's full weight (the largest a plan gives it) and the planner's velocity share: the budget per generation. */
const FULL_WEIGHT = 5;
const VELOCITY_SHARE = 0.25;
export const VELOCITY_BUDGET = dropBudget(
  Array.from({ length: SETS_PER_ENDPOINT }, () => ({ full: FULL_WEIGHT })),
  VELOCITY_SHARE,
);

/**
 * Plans as a velocity-limited planner writes them (weights.ts's limitedStep, from the setup plan on): each
 * generation takes at most VELOCITY_BUDGET units out of an endpoint. For one planner, no removal: consecutive
 * generations are then consecutive steps.
 */
export const velocityLimitedPlans: fc.Arbitrary<Case['plans']> = fc
  .array(fc.array(weights(1), { minLength: ENDPOINTS.length, maxLength: ENDPOINTS.length }), {
    minLength: 2,
    maxLength: 6,
  })
  .map((targets) => {
    let previous = ENDPOINTS.map(() => Array<number>(SETS_PER_ENDPOINT).fill(1));
    return targets.map((target) => {
      previous = previous.map((weightsBefore, e) => {
        const units = weightsBefore.map((weight, i) => ({
          id: `lb-${i}`,
          values: [],
          full: FULL_WEIGHT,
          previous: weight,
          target: target[e][i],
        }));
        return limitedStep(units, VELOCITY_BUDGET).weights;
      });
      return previous;
    });
  });

/**
 * Whether a case's plans reach the zone as consecutive velocity-limited steps, so that the velocity invariant
 * means something: one planner (two can publish out of turn), no racing rollback (the planner steps from its
 * own last plan, not the rollback's), no removal (a re-added endpoint is new to the planner), every step
 * within the budget.
 */
export function velocityApplies(c: Case): boolean {
  if (c.planners !== 1 || c.rollbackTo !== null) return false;
  let previous: number[][] = ENDPOINTS.map(() => Array<number>(SETS_PER_ENDPOINT).fill(1));
  for (const spec of c.plans) {
    if (spec.some((weights) => weights === null)) return false;
    const next = spec as number[][];
    if (
      next.some(
        (weights, e) => weights.reduce((drop, w, i) => drop + Math.max(0, previous[e][i] - w), 0) > VELOCITY_BUDGET,
      )
    )
      return false;
    previous = next;
  }
  return true;
}

export type CaseOverrides = { [K in keyof Case]?: fc.Arbitrary<Case[K]> };

/** Cases with every dimension drawn at random, or fixed by `overrides` (a test aiming at one hole). */
export function caseArbitraryWith(overrides: CaseOverrides = {}): fc.Arbitrary<Case> {
  return (overrides.minCapacity ?? fc.constantFrom<1 | 2>(1, 1, 2)).chain((minCapacity) =>
    fc.record<Case>({
      // Velocity-limited plans keep one serving set at least, so they are drawn only at min capacity 1.
      plans:
        overrides.plans ??
        (minCapacity === 1 ? fc.oneof(randomPlans(minCapacity), velocityLimitedPlans) : randomPlans(minCapacity)),
      planners: overrides.planners ?? fc.constantFrom<1 | 2>(1, 2),
      rollbackTo: overrides.rollbackTo ?? fc.constantFrom<1 | 2 | null>(null, null, 1, 2),
      atomicStore: overrides.atomicStore ?? fc.constantFrom(true, true, true, false),
      passes: overrides.passes ?? fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 3 }),
      keepView: overrides.keepView ?? fc.boolean(),
      pageSize: overrides.pageSize ?? fc.constantFrom<number | null>(null, null, 2, 3, 5),
      minCapacity: fc.constant(minCapacity),
      faults:
        overrides.faults ??
        fc.array(fc.constantFrom<Fault>('ok', 'ok', 'ok', 'ok', 'ok', 'throttle', 'crash', 'lost'), {
          minLength: 1,
          maxLength: 40,
        }),
      hints: overrides.hints ?? fc.constantFrom<NonNullable<Case['hints']>>('none', 'honest', 'lying'),
    }),
  );
}

export const caseArbitrary: fc.Arbitrary<Case> = caseArbitraryWith();

export function planOf(generation: number, endpointWeights: Array<number[] | null>, createdBy = 'interleavings'): Plan {
  return {
    generation,
    createdAt: new Date(0).toISOString(),
    createdBy,
    zone: ZONE,
    endpoints: ENDPOINTS.flatMap((name, e) => {
      const w = endpointWeights[e];
      if (!w) return [];
      return [
        {
          name,
          type: 'A' as const,
          ttl: 30,
          sets: w.map((weight, i) => ({ setIdentifier: `lb-${i}`, weight, values: [`10.0.${e}.${i + 1}`] })),
        },
      ];
    }),
  };
}

type AnyEnactor = Pick<Enactor | LegacyEnactor, 'runOnce'>;

function makeEnactor(
  design: Design,
  id: string,
  client: ReturnType<typeof storePort>,
  store: PlanStore,
  zoneId: string,
  minCapacity: number,
): AnyEnactor {
  // No retries inside a pass: a throttled call fails the batch (or the pass), and the next pass tries again.
  // This keeps timers out of the run, so the scheduler alone decides the order and a seed replays exactly.
  if (design === 'legacy')
    return new LegacyEnactor({ id, client, store, zoneId, retry: { retries: 0 }, cleanupRetention: RETENTION });
  const fenceMoves = design === 'naive' ? 'changed-shards-only' : 'every-shard';
  return new Enactor({
    id,
    client,
    store,
    zone: zoneId,
    logger: silent,
    retry: { retries: 0 },
    cleanupRetention: RETENTION,
    guard: { minCapacity, maxDropShare: VELOCITY_SHARE },
    fenceMoves,
    hintTimeoutMs: Number.POSITIVE_INFINITY,
  });
}

class EnactorCrashed extends Error {
  constructor(actor: string) {
    super(`${actor} crashed`);
    this.name = 'EnactorCrashed';
  }
}

/** The caller's view of a call whose response was lost: a timeout (retryable), although the call took effect. */
function lostResponse(operation: string): Error {
  return Object.assign(new Error(`${operation}: the response was lost (the request took effect)`), {
    name: 'TimeoutError',
  });
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
    ...(store.readHint && store.writeHint
      ? {
          readHint: async () => (await tick('readHint'), store.readHint!()),
          writeHint: async (hint) => (await tick('writeHint'), store.writeHint!(hint)),
        }
      : {}),
  };
}

export interface CaseOutcome {
  /** The broken invariants; empty when all held. */
  violations: string[];
  /** Faults injected, and zone commits watched. */
  throttled: number;
  crashed: number;
  lost: number;
  commits: number;
  /** Enactor passes the enactment hint decided: waited for another's claim, or trusted its "enacted". */
  waited: number;
  trusted: number;
}

export async function runCase(
  design: Design,
  s: fc.Scheduler,
  c: Case,
  invariants: readonly Invariant[] = CORE_INVARIANTS,
): Promise<CaseOutcome> {
  const check = invariants.filter((invariant) => invariant !== 'velocity' || velocityApplies(c));
  const zones = new ZoneStore();
  const zoneId = zones.createHostedZone({ name: ZONE, callerReference: 'interleavings' }).zone.id;
  const zoneSets = () => zones.snapshots().find((zone) => zone.zone.id === zoneId)?.recordSets ?? [];
  let watch: InvariantWatch | undefined;
  const plans = new MemoryPlanStore({
    atomic: c.atomicStore,
    onWrite: (plan) => watch?.planWritten(plan),
    onDelete: () => watch?.planDeleted(),
  });
  watch = new InvariantWatch({
    endpoints: KEYS,
    minCapacity: c.minCapacity,
    check,
    stored: (generation) => plans.has(generation),
    velocityBudget: VELOCITY_BUDGET,
  });
  await plans.write(
    planOf(
      1,
      ENDPOINTS.map(() => [1, 1, 1]),
      'setup',
    ),
  );
  const direct = storePort(zones);
  await makeEnactor(design, 'setup', direct, plans, zoneId, c.minCapacity).runOnce();

  const counts = { throttled: 0, crashed: 0, lost: 0, waited: 0, trusted: 0 };
  watch.observe(zoneSets());
  const unsubscribe = zones.onCommit(() => watch.observe(zoneSets()));
  try {
    let call = 0;
    /** A client for one enactor instance: once it crashed, every later call of that instance fails too. */
    const faulty = (actor: string) => {
      let crashed = false;
      const pending = new WeakMap<object, Fault>();
      const client = storePort(zones, {
        ...(c.pageSize !== null ? { pageSize: c.pageSize } : {}),
        async before(request) {
          const operation = OPERATION_NAMES[request.method];
          await s.schedule(Promise.resolve(), `${actor} ${operation}`);
          if (crashed) throw new EnactorCrashed(actor);
          const fault = c.faults[call++ % c.faults.length];
          if (fault === 'throttle') {
            counts.throttled += 1;
            throw new Route53Error('Throttling', 'Rate exceeded');
          }
          if (fault === 'crash') {
            counts.crashed += 1;
            crashed = true;
            throw new EnactorCrashed(actor);
          }
          if (fault === 'lost') pending.set(request.input, fault);
        },
        async after(request) {
          if (pending.get(request.input) !== 'lost') return;
          counts.lost += 1;
          throw lostResponse(OPERATION_NAMES[request.method]);
        },
      });
      return { client, crashed: () => crashed };
    };
    const planners = Array.from({ length: c.planners }, async (_, k) => {
      const id = `planner${k + 1}`;
      const store = scheduledPlans(plans, s, id);
      for (const [i, spec] of c.plans.entries()) {
        if (i % c.planners !== k) continue;
        // As the Planner does: latest + 1, and after a lost race one replan on top of the winner.
        for (let attempt = 0; attempt < 2; attempt++) {
          const latest = await store.latest();
          const written = await store.write(planOf((latest?.generation ?? 0) + 1, spec, id)).then(
            () => true,
            (error: unknown) => {
              if (error instanceof PlanExistsError) return false;
              throw error;
            },
          );
          if (written) break;
        }
      }
    });
    const operator = (async () => {
      if (c.rollbackTo === null) return;
      // Fails on its own when cleanup deleted the target, or stops when a planner publishes mid-chain: both
      // are the operator's to see, not the zone's problem.
      await rollback(scheduledPlans(plans, s, 'operator'), c.rollbackTo, {
        by: 'operator',
        maxDropShare: VELOCITY_SHARE,
      }).catch(() => undefined);
    })();
    const liar = (async () => {
      if (c.hints !== 'lying') return;
      const store = scheduledPlans(plans, s, 'liar');
      for (const [enactor, state] of [
        ['liar', 'enacted'],
        ['ghost', 'enacting'],
      ] as const) {
        const latest = (await store.latest())!;
        await store.writeHint!({
          generation: latest.generation,
          digest: planDigest(latest),
          enactor,
          state,
          beat: 1,
          at: new Date(0).toISOString(),
        });
      }
    })();
    const enactors = c.passes.map(async (passes, e) => {
      const id = `e${e + 1}`;
      let instance: { enactor: AnyEnactor; crashed: () => boolean } | undefined;
      for (let pass = 0; pass < passes; pass++) {
        if (!instance || !c.keepView || instance.crashed()) {
          const { client, crashed } = faulty(id);
          instance = {
            enactor: makeEnactor(design, id, client, scheduledPlans(plans, s, id), zoneId, c.minCapacity),
            crashed,
          };
        }
        const summary = await instance.enactor
          .runOnce({ hints: (c.hints ?? 'none') !== 'none' })
          .catch(() => undefined);
        const hint = summary && 'hint' in summary ? (summary.hint as RunSummary['hint']) : undefined;
        if (hint?.action === 'wait') counts.waited += 1;
        if (hint?.action === 'trust') counts.trusted += 1;
      }
    });
    await s.waitFor(Promise.all([...planners, operator, liar, ...enactors]));

    if (check.includes('converge')) {
      const latest = (await plans.latest())!;
      // Calm passes: velocity control may walk through the stored plans in between, one step per pass, so the
      // calm period is at most one pass per generation written (and one more).
      for (
        let pass = 0;
        pass <= c.plans.length + 1 && (pass === 0 || !convergedTo(endpointStandings(zoneSets()), latest));
        pass++
      ) {
        await makeEnactor(design, 'calm', direct, plans, zoneId, c.minCapacity)
          .runOnce()
          .catch((error: Error) => watch.violations.push(`converge: the calm pass failed: ${error.message}`));
      }
      const states = endpointStandings(zoneSets());
      if (!convergedTo(states, latest)) {
        const where = KEYS.map((key) => `${key}@${states.get(key)?.generation ?? 'none'}`).join(' ');
        watch.violations.push(
          `converge: not every endpoint of generation ${latest.generation} is at it after the calm passes (${where})`,
        );
      }
    }
  } finally {
    unsubscribe();
  }
  return { violations: watch.violations, ...counts, commits: watch.commits };
}

/**
 * What the enactor (shard fences, protocol v2) keeps: every invariant on an atomic plan store. On a non-atomic
 * one two plans can share a generation (issue 11 case 4): enactors then stand down on the conflict instead of
 * repairing back and forth (identity holds), so the zone need not converge to whichever of the two latest()
 * returns, and "the content of the plan its fence names" has two meanings.
 */
export function todaysInvariants(c: Case): readonly Invariant[] {
  return c.atomicStore
    ? ALL_INVARIANTS
    : ALL_INVARIANTS.filter((invariant) => invariant !== 'converge' && invariant !== 'content');
}

/** The property: the design keeps the chosen invariants (fixed, or chosen per case) under every interleaving. */
export function interleavingProperty(
  design: Design,
  check: readonly Invariant[] | ((c: Case) => readonly Invariant[]) = CORE_INVARIANTS,
  cases: fc.Arbitrary<Case> = caseArbitrary,
) {
  return fc.asyncProperty(fc.scheduler(), cases, async (s, c) => {
    const { violations } = await runCase(design, s, c, typeof check === 'function' ? check(c) : check);
    if (violations.length > 0)
      throw new Error(
        `${design} design broke ${violations.length} invariant check(s):\n  ${violations.slice(0, 5).join('\n  ')}`,
      );
  });
}
