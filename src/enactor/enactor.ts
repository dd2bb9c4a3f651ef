// The enactor (protocol v2): reads the latest plan and the 64 shard fences (one request), decides per shard,
// and moves every shard to the plan through fenced, guarded, packed ChangeResourceRecordSets calls. A shard's
// unit swaps its fence and carries every record change of the shard, so a fence always names exactly the
// content its shard holds (I3), and every generation moves every shard fence (I4): a delayed batch of an older
// generation then fails on any shard, whether or not the newer plans changed it. Several enactors may run at
// once; the fences make the newest generation win and a stale batch fail instead of overwriting (October 2025).
import { EventEmitter } from 'node:events';
import type { Plan } from '../plan/schema.js';
import { Route53Caller } from '../route53/caller.js';
import { describeError } from '../route53/errors.js';
import { resolveHostedZoneId } from '../route53/listing.js';
import { endpointKey, normalizeName } from '../route53/recordset.js';
import { RateLimiter, sleep } from '../route53/throttle.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { cleanupPlans } from './cleanup.js';
import { decideShard, type ShardUnit } from './decide.js';
import { enactorMetrics as metrics, type EnactorEvent } from './events.js';
import {
  DEFAULT_GUARD,
  generationConflict,
  guardPass,
  type GuardOptions,
  type Refusal,
  type RefusalReason,
} from './guard.js';
import { DEFAULT_HINT_TIMEOUT_MS, HintKeeper } from './hints.js';
import { ConflictHandling } from './conflict.js';
import { OutcomeRecorder } from './outcomes.js';
import {
  DEFAULT_VERIFY_EVERY_MS,
  describeStoreBehindZone,
  type EnactorOptions,
  type PassContext,
  type RunSummary,
} from './options.js';
import { BatchSender } from './send.js';
import { PlanCache } from './plan-cache.js';
import { readShardFences, shardPlan, SHARDS, type ShardFence } from './shard-fence.js';
import { ShardReader, type ShardState, type Tweaks } from './shard-state.js';

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
  private readonly sender: BatchSender;
  private readonly conflicts: ConflictHandling;
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
    const emit = (event: EnactorEvent) => this.emit('event', event);
    this.outcomes = new OutcomeRecorder(this.id, this.log, emit, options.audit);
    this.reader = new ShardReader(this.caller, this.plans, this.guard.policy);
    this.conflicts = new ConflictHandling({
      options,
      caller: this.caller,
      reader: this.reader,
      outcomes: this.outcomes,
      decide: (pass, fences, shards, tweaks) => this.decide(pass, fences, shards, tweaks),
      landed: (pass, units, batch, lostResponse) => this.sender.landed(pass, units, batch, lostResponse),
    });
    this.sender = new BatchSender({
      id: this.id,
      options,
      caller: this.caller,
      plans: this.plans,
      log: this.log,
      outcomes: this.outcomes,
      emit,
      refuse: (...refusal) => this.refuse(...refusal),
      resolve: (pass, unsettled, lastRound) => this.conflicts.afterConflict(pass, unsettled, lastRound),
    });
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
    await this.sender.sendAll(pass, units);
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
        const result = await this.sender.sendBatch(pass, [decision.unit], () => undefined);
        if (!result) {
          metrics.endpointPoisoned.set({ endpoint: key }, 0);
          continue;
        }
        const { generation } = decision.unit;
        this.outcomes.record(pass.summary, { kind: 'poisoned', endpoint: key, generation, shard, error: result.error });
      }
    }
  }

  private async hostedZone(plan: Plan): Promise<string> {
    this.zoneId ??= await resolveHostedZoneId(this.caller, this.options.zone ?? plan.zone);
    return this.zoneId;
  }
}

// The Enactor's own types live in options.ts (the sending and the conflict handling share them); they are
// re-exported here so that a module importing the Enactor finds them beside it.
export {
  DEFAULT_VERIFY_EVERY_MS,
  describeStoreBehindZone,
  type EnactorOptions,
  type PassContext,
  type RunSummary,
  type StoreBehindZone,
} from './options.js';
