// The enactor (protocol v2): reads the latest plan and the 64 shard fences (one request), decides per shard,
// and moves every shard to the plan through fenced, guarded, packed ChangeResourceRecordSets calls. A shard's
// unit swaps its fence and carries every record change of the shard, so a fence always names exactly the
// content its shard holds (I3), and every generation moves every shard fence (I4): a delayed batch of an older
// generation then fails on any shard, whether or not the newer plans changed it. Several enactors may run at
// once; the fences make the newest generation win and a stale batch fail instead of overwriting (October 2025).
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import pMap from 'p-map';
import type { Plan } from '../plan/schema.js';
import type { PlanStore } from '../plan/store.js';
import { Route53Caller, type RetryPolicy } from '../route53/caller.js';
import { classifyError, describeError } from '../route53/errors.js';
import { changeCost, ROUTE53_LIMITS, type RequestLimits } from '../route53/change-batch.js';
import { resolveHostedZoneId } from '../route53/listing.js';
import type { Route53Port } from '../route53/port.js';
import { endpointKey, normalizeName } from '../route53/recordset.js';
import { RateLimiter, RetryBudget, sleep } from '../route53/throttle.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { AuditLog } from './audit.js';
import { packBatches } from './batch.js';
import { chainUnit } from './chain.js';
import { toSdkChanges } from './changes.js';
import { cleanupPlans } from './cleanup.js';
import { decideShard, namedInError, type ShardUnit } from './decide.js';
import { enactorMetrics as metrics, type EnactorEvent } from './events.js';
import {
  DEFAULT_GUARD,
  generationConflict,
  guardPass,
  tooLarge,
  type GuardOptions,
  type Refusal,
  type RefusalReason,
} from './guard.js';
import { DEFAULT_HINT_TIMEOUT_MS, HintKeeper } from './hints.js';
import { LaunchQueue } from './launch.js';
import { OutcomeRecorder, type BatchFacts } from './outcomes.js';
import { PlanCache } from './plan-cache.js';
import { readShardFences, sameShardFence, shardPlan, parseShardFence, SHARDS, type ShardFence } from './shard-fence.js';
import { ShardReader, type ShardState, type Tweaks } from './shard-state.js';

export interface EnactorOptions {
  /** Written into every fence and audit line. */
  id: string;
  store: PlanStore;
  /**
   * Route53. A Route53Caller is used as it is (its limiter and retry budget shared with whoever else holds it, as
   * the CLI's commands do); any other port (an SDK client through sdkPort, created with maxAttempts: 1) gets a
   * caller of its own, with `limiter` or `rateLimit`, `budget` and `retry` below.
   */
  client: Route53Port;
  /** Hosted zone name or id; defaults to the plan's zone. */
  zone?: string;
  logger?: Logger;
  guard?: Partial<GuardOptions>;
  /** Shared limiter (several enactors in one process can share one); or requests per second for a private one. */
  limiter?: RateLimiter;
  rateLimit?: number;
  budget?: RetryBudget;
  retry?: Partial<RetryPolicy>;
  limits?: RequestLimits;
  /** Poll interval of run() in ms (default 1000). */
  intervalMs?: number;
  audit?: AuditLog;
  /** When set, runs cleanup with this retention after every run that changed something. */
  cleanupRetention?: number;
  /** Rounds of re-read-and-resend after a rejected batch (default 4). */
  conflictRounds?: number;
  /** Batches in flight at once (default 1); the rate limiter still spaces the requests. */
  concurrency?: number;
  /**
   * Drift sweep interval (default 10 s; 0 = every pass): the fences, then ONE page of records (rotating through
   * the zone) checked against the plans the fences name, drift repaired with a fenced batch. Between sweeps an
   * enactor that saw every shard in sync with an unchanged plan reads nothing but the plan store.
   */
  verifyEveryMs?: number;
  /**
   * 'every-shard' (the protocol): every generation moves every shard fence. 'changed-shards-only' moves only the
   * fences of shards whose content changes: UNSAFE (a delayed batch of an older generation lands on a shard the
   * newer plans left alone); kept only so that a test shows the counterexample.
   */
  fenceMoves?: 'every-shard' | 'changed-shards-only';
  /** Asked at the start of every pass; true = the plan store is frozen (plan/freeze.ts): change nothing. */
  frozen?: () => Promise<boolean>;
  /**
   * Preview (`enact --dry-run`): the pass reads the fences and every record of the zone, decides exactly as a
   * writing pass does, and returns the units it would send (summary.preview) instead of sending them.
   */
  dryRun?: boolean;
  /**
   * The deployment's owner id (default 'default': fences keep their original names). Deployments with different
   * ids keep separate shard fences in one zone and never change each other's sets (ownership, shard-state.ts).
   */
  ownerId?: string;
  /**
   * run() consults the enactment hint in the plan store (hints.ts) unless this is false: one enactor claims a
   * generation and the others wait instead of sending copies the fences reject. runOnce() never does (a
   * one-off pass always reads the fences) unless asked to.
   */
  hints?: boolean;
  /** A claim whose beat has not moved for this long is abandoned (default 10 s). */
  hintTimeoutMs?: number;
}

export interface RunSummary {
  generation?: number;
  applied: string[];
  repaired: string[];
  inSync: string[];
  stoodDown: string[];
  refused: Array<{ endpoint: string; reason: RefusalReason; message: string }>;
  failed: Array<{ endpoint: string; error: string }>;
  /** Endpoints excluded from their shard because Route53 refuses their changes on their own (x= in the fence). */
  poisoned: string[];
  batches: number;
  /** Dry run: the units this pass would send, in order (none is sent). */
  preview?: ShardUnit[];
  /** The change-share refusal of the whole pass, if any (its units are not sent). */
  passRefusal?: { reason: RefusalReason; message: string };
  /** Every stored plan is below the live fences: the plan store is behind the zone (nothing can be applied). */
  storeBehind?: StoreBehindZone;
  /** The enactment hint decided this pass: wait (another enactor holds the claim) or trust (it says enacted). */
  hint?: { action: 'wait' | 'trust'; enactor: string };
}

export interface StoreBehindZone {
  highestPlan: number;
  highestFence: number;
}

/** What an operator reads when every stored plan is below the live fences, and what to run. */
export function describeStoreBehindZone({ highestPlan, highestFence }: StoreBehindZone): string {
  return `plan store is behind the zone: highest plan ${highestPlan}, live fences at ${highestFence}; run \`dnsplane plan --write\` (it numbers from the live fences) or point --plans at the right store`;
}

export const DEFAULT_VERIFY_EVERY_MS = 10_000;
const DEFAULT_CONCURRENCY = 1;

interface Outcome {
  unit: ShardUnit;
  /** rejected: Route53 refused the batch; unknown: it may or may not have landed (lost response, timeout). */
  result: 'rejected' | 'unknown';
  alone: boolean;
  error: string;
}

export class Enactor extends EventEmitter<{ event: [EnactorEvent] }> {
  readonly id: string;
  readonly caller: Route53Caller;
  private readonly log: Logger;
  private readonly guard: GuardOptions;
  private zoneId: string | undefined;
  private readonly plans: PlanCache;
  private readonly reader: ShardReader;
  /** Where every outcome of a pass goes: summary, metric, log, event and audit, from one call. */
  private readonly outcomes: OutcomeRecorder;
  /** Set after a pass that left every shard at the plan with matching digests: the next passes read nothing. */
  private steady: { plan: Plan; keys: string[] } | undefined;
  private nextSweepAt = 0;
  /** The store-behind warning is logged once while the condition lasts. */
  private warnedBehind = false;
  private readonly hints: HintKeeper;

  constructor(private readonly options: EnactorOptions) {
    super();
    this.id = options.id;
    this.log = (options.logger ?? createLogger('enactor')).child({ enactor: options.id });
    this.guard = { ...DEFAULT_GUARD, ...options.guard };
    this.plans = new PlanCache(options.store);
    const limiter = options.limiter ?? (options.rateLimit ? new RateLimiter(options.rateLimit) : undefined);
    this.caller =
      options.client instanceof Route53Caller
        ? options.client
        : new Route53Caller(options.client, { limiter, budget: options.budget, policy: options.retry });
    this.caller.onRetry((operation, error, delayMs) => {
      this.log.warn({ operation, error: describeError(error), delayMs }, 'retrying Route53 call');
      this.emit('event', { type: 'retry', enactor: this.id, operation, error: describeError(error), delayMs });
    });
    this.outcomes = new OutcomeRecorder(this.id, this.log, (event) => this.emit('event', event), options.audit);
    this.reader = new ShardReader(this.caller, this.plans, this.guard.policy);
    this.hints = new HintKeeper(options.store, options.id, options.hintTimeoutMs ?? DEFAULT_HINT_TIMEOUT_MS, this.log);
    // The first sweep comes one interval after start: a starting enactor reads the fences anyway, and a drift
    // the fences cannot show waits at most one interval (0: every pass sweeps).
    this.nextSweepAt = performance.now() + (options.verifyEveryMs ?? DEFAULT_VERIFY_EVERY_MS);
  }

  /**
   * Polls the plan store every intervalMs and enacts, until the signal aborts. Errors of one pass are logged, not
   * fatal. afterPass is called after each pass that completed (readiness: the first one).
   */
  async run(signal: AbortSignal, afterPass?: (summary: RunSummary) => void): Promise<void> {
    // Stopping interrupts rate-limit waits, backoffs and requests in flight. A batch cut off mid-request is
    // safe: it either landed whole or not at all, and the next fence read tells which.
    this.caller.signal = signal;
    try {
      while (!signal.aborted) {
        try {
          const summary = await this.runOnce({ hints: this.options.hints !== false });
          afterPass?.(summary);
        } catch (error) {
          if (!signal.aborted)
            this.log.error({ error: describeError(error) }, 'enactor pass failed; trying again next interval');
        }
        await sleep(this.options.intervalMs ?? 1_000, signal).catch(() => undefined);
      }
    } finally {
      this.caller.signal = undefined;
    }
  }

  /**
   * One pass: latest plan, the shard fences, decide per shard, guard, send fenced batches. With `hints`, the
   * enactment hint may make the pass wait for another enactor or trust that the plan is enacted (hints.ts).
   */
  async runOnce(options: { hints?: boolean } = {}): Promise<RunSummary> {
    try {
      return await this.pass(options.hints ?? false);
    } catch (error) {
      this.steady = undefined;
      await this.hints.after(false);
      throw error;
    } finally {
      // A pass is reported done only once its audit lines are on disk.
      await this.options.audit?.flush();
    }
  }

  private async pass(useHints: boolean): Promise<RunSummary> {
    const summary: RunSummary = {
      applied: [],
      repaired: [],
      inSync: [],
      stoodDown: [],
      refused: [],
      failed: [],
      poisoned: [],
      batches: 0,
    };
    if (await this.options.frozen?.()) return summary;
    const plan = await this.options.store.latest();
    if (!plan) {
      this.log.info({ store: this.options.store.location }, 'no plan yet');
      return summary;
    }
    summary.generation = plan.generation;
    this.plans.remember(plan);
    const dryRun = this.options.dryRun === true;
    const now = performance.now();
    const sweep = dryRun || now >= this.nextSweepAt;
    if (!sweep && this.steady?.plan === plan) {
      // Steady state: the last pass saw every fence at this plan; drift waits for the next sweep.
      summary.inSync.push(...this.steady.keys);
      return summary;
    }
    this.steady = undefined;
    if (useHints) {
      const verdict = await this.hints.before(plan, sweep);
      const keys = () => plan.endpoints.map((endpoint) => endpointKey(endpoint.name, endpoint.type));
      if (verdict.action === 'wait') {
        summary.hint = { action: 'wait', enactor: verdict.holder };
        return summary;
      }
      if (verdict.action === 'trust') {
        // Not verified here: the next drift sweep reads the fences whatever the hint says.
        summary.hint = { action: 'trust', enactor: verdict.enactor };
        this.steady = { plan, keys: keys() };
        summary.inSync.push(...this.steady.keys);
        return summary;
      }
    }
    if (sweep) this.nextSweepAt = now + (this.options.verifyEveryMs ?? DEFAULT_VERIFY_EVERY_MS);
    const zoneId = await this.hostedZone(plan);
    const zone = normalizeName(plan.zone);
    const pass: PassContext = { plan, zone, zoneId, summary, final: new Map(), excludedNow: new Set() };

    // Fences strictly before any record read (a record read first could certify content a later batch replaced).
    const fences = await readShardFences(this.caller, zoneId, zone, this.options.ownerId);
    for (const [shard, fence] of fences) pass.final.set(shard, fence);
    this.checkStoreBehind(plan, fences, summary);
    // A preview reads every record (the whole sweep at once); a writing pass one sweep page at a time.
    const drift = dryRun
      ? await this.reader.sweepAll(zoneId, fences)
      : sweep
        ? await this.reader.sweepPage(zoneId, fences)
        : new Map<number, Tweaks>();
    let units = await this.decide(pass, fences, [...fences.keys()], drift);

    const share = this.shareRefusal(units, pass);
    if (dryRun) summary.preview = [...units];
    if (share) {
      summary.passRefusal = share;
      for (const unit of units)
        for (const endpoint of unit.changed)
          this.refuse(unit.generation, endpoint, share.reason, share.message, summary, unit);
      units = [];
    }
    await this.sendAll(pass, units);
    await this.retryExcluded(pass);

    const full = shardPlan(plan).digests;
    const inSync = [...pass.final].every(
      ([shard, fence]) =>
        fence && fence.generation === plan.generation && fence.digest === full[shard] && fence.excluded.length === 0,
    );
    const clean =
      inSync && summary.refused.length === 0 && summary.failed.length === 0 && summary.stoodDown.length === 0;
    if (clean) {
      this.steady = { plan, keys: plan.endpoints.map((endpoint) => endpointKey(endpoint.name, endpoint.type)) };
    }
    if (!dryRun) await this.hints.after(clean);
    if (
      !dryRun &&
      this.options.cleanupRetention !== undefined &&
      (summary.applied.length > 0 || summary.repaired.length > 0)
    ) {
      await cleanupPlans({
        store: this.options.store,
        client: this.caller,
        zoneId,
        zone,
        retention: this.options.cleanupRetention,
        logger: this.log,
        ownerId: this.options.ownerId,
      });
    }
    return summary;
  }

  /** Every stored plan below the live fences: say so (once while it lasts) with what to run. */
  private checkStoreBehind(plan: Plan, fences: Map<number, ShardFence | undefined>, summary: RunSummary): void {
    const highestFence = Math.max(0, ...[...fences.values()].map((fence) => fence?.generation ?? 0));
    if (highestFence <= plan.generation) {
      this.warnedBehind = false;
      return;
    }
    summary.storeBehind = { highestPlan: plan.generation, highestFence };
    if (!this.warnedBehind) this.log.warn({ ...summary.storeBehind }, describeStoreBehindZone(summary.storeBehind));
    this.warnedBehind = true;
  }

  /**
   * Decides the given shards on the fences given: stand down, in sync, generation conflict, or a unit. Live
   * content comes from the plan a fence names when its digest matches (no read), else from reads that follow
   * the fence read (shard-state.ts).
   */
  private async decide(
    pass: PassContext,
    fences: Map<number, ShardFence | undefined>,
    shards: number[],
    tweaks: Map<number, Tweaks>,
  ): Promise<ShardUnit[]> {
    const { plan, summary } = pass;
    const P = plan.generation;
    const sharded = shardPlan(plan);
    const work: number[] = [];
    // A shard is re-read only for a tweak that says something (an endpoint read again, one excluded): a shard
    // redone merely because its fence moved is decided on the new fence like any other. Without this, a loser
    // whose copy was rejected sent the winner's generation again as a fence-only "repair" of every shard.
    const tweaked = (shard: number) => {
      const tweak = tweaks.get(shard);
      return tweak !== undefined && (tweak.overrides.size > 0 || tweak.exclude.size > 0);
    };
    for (const shard of shards) {
      const fence = fences.get(shard);
      const planned = [...sharded.content[shard].keys()];
      if (fence && fence.generation > P) {
        this.standDown(
          shard,
          planned,
          P,
          fence.generation,
          `the shard's fence is at generation ${fence.generation}, newer than ${P}`,
          summary,
        );
        continue;
      }
      if (fence && fence.generation === P && !tweaked(shard)) {
        if (fence.digest !== this.digestOf(plan, shard, fence.excluded)) {
          this.conflict(shard, planned, fence, summary);
          continue;
        }
        summary.inSync.push(...planned.filter((key) => !fence.excluded.includes(key)));
        continue;
      }
      if (fence && fence.generation === P && fence.digest !== this.digestOf(plan, shard, fence.excluded)) {
        this.conflict(shard, planned, fence, summary);
        continue;
      }
      if (
        this.options.fenceMoves === 'changed-shards-only' &&
        fence &&
        fence.generation > 0 &&
        fence.generation < P &&
        !tweaked(shard)
      ) {
        // The naive variant: a shard whose content the newer plan does not change keeps its old fence. UNSAFE.
        const older = await this.plans.at(fence.generation);
        if (
          older &&
          fence.digest === this.digestOf(older, shard, fence.excluded) &&
          this.digestOf(older, shard, fence.excluded) === this.digestOf(plan, shard, fence.excluded)
        ) {
          summary.inSync.push(...planned);
          continue;
        }
      }
      work.push(shard);
    }
    if (work.length === 0) return [];
    const states = await this.reader.states(pass.zoneId, plan, fences, work, tweaks);
    const units: ShardUnit[] = [];
    for (const shard of work) {
      const state = states.get(shard)!;
      const unit = await this.decideOne(pass, shard, fences.get(shard), state);
      if (unit) units.push(unit);
    }
    return units;
  }

  private digestOf(plan: Plan, shard: number, excluded: readonly string[]): string {
    return excluded.length === 0 ? shardPlan(plan).digests[shard] : this.reader.digest(plan, shard, excluded);
  }

  private async decideOne(
    pass: PassContext,
    shard: number,
    fence: ShardFence | undefined,
    state: ShardState,
  ): Promise<ShardUnit | undefined> {
    const { plan, summary } = pass;
    const planned = [...shardPlan(plan).content[shard].keys()];
    if (state.v1Ahead !== undefined) {
      this.standDown(
        shard,
        planned,
        plan.generation,
        state.v1Ahead,
        `a per-endpoint (v1) fence in the shard is at generation ${state.v1Ahead}, newer than ${plan.generation}`,
        summary,
      );
      return undefined;
    }
    const live = fence?.generation ?? 0;
    const input = {
      shard,
      zone: pass.zone,
      writer: this.id,
      guard: this.guard,
      fence,
      live: state.live,
      unknown: state.unknown,
      v1Fences: state.v1Fences,
      owner: this.options.ownerId,
      foreign: state.foreign,
    };
    // A repair stays at the fence's own generation; an apply walks down from the plan when velocity demands it.
    const targets = [plan];
    let decision = decideShard({ ...input, targets });
    if (
      decision.action === 'refuse' &&
      live < plan.generation &&
      decision.refused.every((entry) => entry.refusal.reason === 'velocity')
    ) {
      // Walk: the newest stored plan whose step stays within the limit; the next stored generation always does
      // (the planner judged that one step with its own velocity control), so skipping generations is what binds.
      for (let generation = plan.generation - 1; generation > live; generation--) {
        const older = await this.plans.at(generation);
        if (older) targets.push(older);
      }
      decision = decideShard({ ...input, targets, lastIsNextStep: true });
    }
    if (decision.action === 'refuse') {
      for (const { endpoint, refusal } of decision.refused)
        this.refuse(plan.generation, endpoint, refusal.reason, refusal.message, summary);
      return undefined;
    }
    for (const { endpoint, refusal } of decision.refused) {
      this.refuse(decision.unit.generation, endpoint, refusal.reason, refusal.message, summary, decision.unit);
      pass.excludedNow.add(endpoint);
    }
    if (decision.unit.generation < plan.generation) {
      this.log.warn(
        { shard, from: live, to: decision.unit.generation, planned: plan.generation },
        'velocity: stepping through a stored plan instead of jumping to the latest',
      );
    }
    for (const key of state.poisoned) pass.excludedNow.add(key);
    return decision.unit;
  }

  /** The per-pass guard over the units about to be sent (the shards no unit moves count with the plan's content). */
  private shareRefusal(units: ShardUnit[], pass: PassContext): Refusal | undefined {
    const moving = new Set(units.map((unit) => unit.shard));
    const sharded = shardPlan(pass.plan);
    let untouched = 0;
    for (let shard = 0; shard < SHARDS; shard++) {
      if (moving.has(shard)) continue;
      for (const sets of sharded.content[shard].values()) untouched += sets.length;
    }
    return guardPass(units, untouched, this.guard);
  }

  private standDown(
    shard: number,
    planned: string[],
    generation: number,
    liveGeneration: number,
    why: string,
    summary: RunSummary,
  ): void {
    this.outcomes.record(summary, { kind: 'stood-down', shard, endpoints: planned, generation, liveGeneration, why });
  }

  /** I6: the live fence has our generation with other content: two plans were stored under one generation. */
  private conflict(shard: number, planned: string[], fence: ShardFence, summary: RunSummary): void {
    const { reason, message } = generationConflict(shard, fence);
    metrics.generationConflicts.inc({ enactor: this.id }); // per shard; each endpoint's refusal is recorded below
    for (const key of planned.length > 0 ? planned : [`shard ${shard}`])
      this.refuse(fence.generation, key, reason, message, summary);
  }

  private refuse(
    generation: number,
    endpoint: string,
    reason: RefusalReason,
    message: string,
    summary: RunSummary,
    unit?: ShardUnit,
  ): void {
    this.outcomes.record(summary, { kind: 'refused', endpoint, generation, reason, message, unit });
  }

  /**
   * Sends the units packed into batches (a unit is never split). After a rejection or an unknown outcome the
   * fences alone are read again (one request): a unit whose fence is now ours landed (lost response); a shard
   * whose fence moved is decided again; an endpoint Route53's message names is read again (after the fences)
   * and, when it is exactly as assumed, excluded as poisoned. Never a whole-zone read because of a conflict.
   */
  private async sendAll(pass: PassContext, units: ShardUnit[]): Promise<void> {
    if (this.options.dryRun) return;
    const limits = this.options.limits ?? ROUTE53_LIMITS;
    const rounds = this.options.conflictRounds ?? 4;
    const progress = {
      started: performance.now(),
      batchesDone: 0,
      batchesTotal: 0,
      endpointsDone: 0,
      endpointsTotal: units.reduce((sum, unit) => sum + unit.endpoints.length, 0),
    };
    let alone = new Set<ShardUnit>();
    /** Chains (chain.ts): the segment to send once a segment is accepted. */
    const successor = new Map<ShardUnit, ShardUnit>();
    const following = (landed: ShardUnit[]) => landed.flatMap((unit) => successor.get(unit) ?? []);
    for (let round = 1; units.length > 0;) {
      // Every unit now fits one request: the oversized ones became chains or were refused.
      const packed = packBatches(await this.chainOversized(pass, units, limits, successor), limits);
      // A unit whose last rejection nothing explained goes alone: one that keeps failing cannot hold the others back.
      const batches = packed.batches.flatMap((batch) => {
        const together = batch.filter((unit) => !alone.has(unit));
        return [
          ...(together.length > 0 ? [together] : []),
          ...batch.filter((unit) => alone.has(unit)).map((unit) => [unit]),
        ];
      });
      progress.batchesTotal += batches.length;
      const outcomes: Outcome[] = [];
      const accepted: ShardUnit[] = [];
      const launches = new LaunchQueue();
      await pMap(
        batches,
        async (batch) => {
          const launched = await launches.take();
          const result = await this.sendBatch(pass, batch, launched);
          progress.batchesDone += 1;
          if (!result) {
            progress.endpointsDone += batch.reduce((sum, unit) => sum + unit.endpoints.length, 0);
            accepted.push(...batch);
          }
          this.emitProgress(pass.plan.generation, progress);
          if (result)
            outcomes.push(
              ...batch.map((unit) => ({ unit, result: result.result, alone: batch.length === 1, error: result.error })),
            );
        },
        { concurrency: this.options.concurrency ?? DEFAULT_CONCURRENCY },
      );
      if (outcomes.length === 0) {
        units = following(accepted);
        alone = new Set();
        continue;
      }
      const redone = await this.afterConflict(pass, outcomes, round >= rounds);
      round += 1;
      units = [...following([...accepted, ...redone.landed]), ...redone.units];
      alone = redone.alone;
    }
  }

  /**
   * Units that do not fit one request become chains of fenced units (chain.ts); the chain's head is sent now,
   * each later segment once the one before it is accepted. A unit that cannot be chained (one endpoint's
   * changes alone exceed a request) is refused too-large, saying which endpoint and by how much.
   */
  private async chainOversized(
    pass: PassContext,
    units: ShardUnit[],
    limits: RequestLimits,
    successor: Map<ShardUnit, ShardUnit>,
  ): Promise<ShardUnit[]> {
    const ready: ShardUnit[] = [];
    for (const unit of units) {
      const cost = changeCost(unit.changes);
      if (cost.elements <= limits.elements && cost.chars <= limits.chars) {
        ready.push(unit);
        continue;
      }
      const target = await this.plans.at(unit.generation);
      const chain = target ? chainUnit(unit, target, pass.zone, this.id, limits) : undefined;
      if (chain?.ok) {
        const { segments } = chain;
        for (let i = 1; i < segments.length; i++) successor.set(segments[i - 1]!, segments[i]!);
        this.log.info(
          { shard: unit.shard, generation: unit.generation, segments: segments.length, elements: cost.elements },
          "shard's unit exceeds one request: sending it as a chain of fenced units",
        );
        ready.push(segments[0]!);
        continue;
      }
      const why = chain
        ? `endpoint ${chain.endpoint}'s changes alone take ${chain.elements} elements and ${chain.chars} value characters, more than one request carries beside the shard's fence swap (${limits.elements} elements, ${limits.chars} characters); an endpoint's changes are never split`
        : `plan ${unit.generation} is no longer stored, so the shard's unit cannot be chained`;
      const { reason, message } = tooLarge(unit.shard, why);
      for (const endpoint of unit.changed.length > 0 ? unit.changed : [`shard ${unit.shard}`])
        this.refuse(unit.generation, endpoint, reason, message, pass.summary, unit);
    }
    return ready;
  }

  private async afterConflict(
    pass: PassContext,
    outcomes: Outcome[],
    lastRound: boolean,
  ): Promise<{ units: ShardUnit[]; alone: Set<ShardUnit>; landed: ShardUnit[] }> {
    const fences = await readShardFences(this.caller, pass.zoneId, pass.zone, this.options.ownerId);
    const redo = new Map<number, Tweaks>();
    const unexplained = new Set<number>();
    const landed: ShardUnit[] = [];
    for (const { unit, result, alone, error } of outcomes) {
      const fence = fences.get(unit.shard);
      pass.final.set(unit.shard, fence);
      if (fence && sameShardFence(fence, { set: unit.newFence })) {
        const batch = { id: 'lost-response', generation: unit.generation, endpoints: unit.changed, durationMs: 0 };
        this.landed(pass, [unit], batch, true);
        landed.push(unit);
        continue;
      }
      if (result === 'unknown' || lastRound) {
        this.outcomes.record(pass.summary, {
          kind: 'failed',
          endpoints: unit.endpoints.length > 0 ? unit.endpoints : [`shard ${unit.shard}`],
          generation: unit.generation,
          error:
            lastRound && result === 'rejected'
              ? `still rejected after ${this.options.conflictRounds ?? 4} rounds: ${error}`
              : error,
        });
        continue;
      }
      const tweaks: Tweaks = redo.get(unit.shard) ?? { overrides: new Map(), exclude: new Set() };
      redo.set(unit.shard, tweaks);
      if (!sameShardFence(fence, unit.liveFence)) continue; // the fence moved: decide the shard again on the new one
      const named = await this.reader.namedEndpoints(pass.zoneId, unit, error);
      for (const { key, sets, asAssumed } of named) {
        if (asAssumed) {
          // Route53 refuses this endpoint's changes though it is exactly as assumed: its changes are invalid.
          tweaks.exclude.add(key);
          pass.excludedNow.add(key);
          const { generation, shard } = unit;
          this.outcomes.record(pass.summary, { kind: 'poisoned', endpoint: key, generation, shard, error, unit });
        } else {
          tweaks.overrides.set(key, sets);
        }
      }
      if (named.length === 0 && alone) {
        redo.delete(unit.shard);
        this.outcomes.record(pass.summary, {
          kind: 'failed',
          endpoints: unit.endpoints,
          generation: unit.generation,
          error: `refused on its own with its fence unchanged, naming nothing of the shard: ${error}`,
        });
      } else if (named.length === 0 && !namesAnother(error, outcomes, unit)) {
        unexplained.add(unit.shard);
      }
    }
    const units = redo.size === 0 ? [] : await this.decide(pass, fences, [...redo.keys()], redo);
    return { units, alone: new Set(units.filter((unit) => unexplained.has(unit.shard))), landed };
  }

  /**
   * Endpoints the shard fences leave out (x=): each is tried ALONE, once per pass (one request), on the fence as
   * this pass left it, unless it was found poisoned in this very pass.
   */
  private async retryExcluded(pass: PassContext): Promise<void> {
    for (const [shard, fence] of [...pass.final]) {
      if (!fence || fence.excluded.length === 0 || fence.generation > pass.plan.generation) continue;
      const plan = await this.plans.at(fence.generation);
      if (!plan || fence.digest !== this.digestOf(plan, shard, fence.excluded)) continue;
      for (const key of fence.excluded) {
        if (pass.excludedNow.has(key)) continue;
        const current = pass.final.get(shard)!;
        const state = await this.reader.alone(pass.zoneId, plan, current, key);
        const decision = decideShard({
          shard,
          zone: pass.zone,
          writer: this.id,
          guard: this.guard,
          fence: current,
          live: state.live,
          unknown: state.unknown,
          targets: [plan],
          owner: this.options.ownerId,
          foreign: state.foreign,
        });
        if (decision.action === 'refuse' || decision.unit.excluded.includes(key)) {
          const refused = decision.refused.find((entry) => entry.endpoint === key);
          if (refused) this.refuse(plan.generation, key, refused.refusal.reason, refused.refusal.message, pass.summary);
          continue;
        }
        if (this.options.dryRun) {
          pass.summary.preview?.push(decision.unit);
          continue;
        }
        const result = await this.sendBatch(pass, [decision.unit], () => undefined);
        if (!result) {
          metrics.endpointPoisoned.set({ endpoint: key }, 0);
          continue;
        }
        const { generation } = decision.unit;
        this.outcomes.record(pass.summary, { kind: 'poisoned', endpoint: key, generation, shard, error: result.error });
      }
    }
  }

  private emitProgress(
    generation: number,
    progress: {
      started: number;
      batchesDone: number;
      batchesTotal: number;
      endpointsDone: number;
      endpointsTotal: number;
    },
  ): void {
    const { started, ...counts } = progress;
    this.emit('event', {
      type: 'progress',
      enactor: this.id,
      generation,
      ...counts,
      elapsedMs: Math.round(performance.now() - started),
    });
  }

  /** Returns undefined when accepted, or what went wrong. */
  private async sendBatch(
    pass: PassContext,
    batch: ShardUnit[],
    launched: () => void,
  ): Promise<{ result: 'rejected' | 'unknown'; error: string } | undefined> {
    const batchId = randomUUID().slice(0, 8);
    const generation = Math.max(...batch.map((unit) => unit.generation));
    const endpoints = batch.flatMap((unit) => unit.changed);
    const changes = batch.flatMap((unit) => unit.changes);
    pass.summary.batches += 1;
    metrics.batchesSent.inc({ enactor: this.id });
    this.emit('event', {
      type: 'batch-sent',
      enactor: this.id,
      generation,
      batch: batchId,
      endpoints,
      changes: changes.length,
      elements: changeCost(changes).elements,
    });
    const started = performance.now();
    const stopTimer = metrics.batchSeconds.startTimer({ enactor: this.id });
    let outcome: 'accepted' | 'rejected' | 'failed';
    let changeId: string | undefined;
    let error: string | undefined;
    try {
      const output = await this.caller.changeResourceRecordSets(
        {
          HostedZoneId: pass.zoneId,
          ChangeBatch: { Comment: `dnsplane ${this.id} gen ${generation}`, Changes: toSdkChanges(changes) },
        },
        { onLaunched: launched },
      );
      outcome = 'accepted';
      changeId = output.ChangeInfo?.Id?.replace(/^\/?change\//, '');
    } catch (caught) {
      outcome = classifyError(caught) === 'rejected' ? 'rejected' : 'failed';
      error = describeError(caught);
    }
    launched(); // a request that never reached HTTP (its wait for the rate limiter aborted, say) must not hold others
    stopTimer();
    const durationMs = Math.round(performance.now() - started);
    const facts = { id: batchId, generation, endpoints, changeId, durationMs };
    if (outcome === 'accepted') {
      this.landed(pass, batch, facts, false);
      return undefined;
    }
    const message = error ?? outcome;
    this.outcomes.record(pass.summary, {
      kind: 'unsettled',
      units: batch,
      batch: facts,
      result: outcome,
      error: message,
    });
    return { result: outcome === 'rejected' ? 'rejected' : 'unknown', error: message };
  }

  /** Accepted units: each shard now holds exactly what its unit wrote, and its fence is the one the unit wrote. */
  private landed(pass: PassContext, units: ShardUnit[], batch: BatchFacts, lostResponse: boolean): void {
    for (const unit of units) pass.final.set(unit.shard, parseShardFence(unit.shard, unit.newFence));
    this.outcomes.record(pass.summary, { kind: 'landed', units, batch, lostResponse });
  }

  private async hostedZone(plan: Plan): Promise<string> {
    this.zoneId ??= await resolveHostedZoneId(this.caller, this.options.zone ?? plan.zone);
    return this.zoneId;
  }
}

/** Whether a rejection names a record (fence or endpoint) of another unit of the same request: then this unit was innocent. */
function namesAnother(error: string, outcomes: Outcome[], unit: ShardUnit): boolean {
  const names = new Set(namedInError(error).map((named) => named.name));
  const namesOf = (other: ShardUnit) => [
    other.newFence.name,
    ...[...other.live.keys(), ...other.endpoints].map((key) => key.slice(0, key.indexOf(' '))),
  ];
  return outcomes.some(
    (other) => other.unit !== unit && other.error === error && namesOf(other.unit).some((name) => names.has(name)),
  );
}

/** What one pass carries between its steps. */
export interface PassContext {
  plan: Plan;
  zone: string;
  zoneId: string;
  summary: RunSummary;
  /** Each shard's fence as this pass last knows it (read, or written by an accepted unit). */
  final: Map<number, ShardFence | undefined>;
  /** Endpoints excluded in this pass (refused by the guard, found poisoned): not tried alone again before the next. */
  excludedNow: Set<string>;
}
