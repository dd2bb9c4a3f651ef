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
import { normalizeName } from '../route53/recordset.js';
import { RateLimiter, sleep } from '../route53/throttle.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { cleanupPlans } from './cleanup.js';
import { decideShard, type ShardUnit } from './decide.js';
import { enactorMetrics as metrics, type EnactorEvent } from './events.js';
import { DEFAULT_GUARD, guardPass, type GuardOptions, type Refusal } from './guard.js';
import { highestLiveFence } from './highest-fence.js';
import { DEFAULT_HINT_TIMEOUT_MS, HintKeeper } from './hints.js';
import { ConflictHandling } from './conflict.js';
import { OutcomeRecorder } from './outcomes.js';
import {
  DEFAULT_VERIFY_EVERY_MS,
  describeStoreBehindZone,
  type EnactorOptions,
  type PassContext,
  type RunSummary,
  type StoreBehindZone,
} from './options.js';
import { BatchSender } from './send.js';
import { ShardDecider } from './shard-decider.js';
import { PlanCache } from './plan-cache.js';
import { readShardFences, shardPlan, SHARDS, type ShardFence } from './shard-fence.js';
import { ShardReader, type Tweaks } from './shard-state.js';

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
  /** Per shard, from the fences: stand down, in sync, conflict, or the unit that moves it. */
  private readonly decider: ShardDecider;
  /** Set after a pass that left every shard at the plan with matching digests: the next passes read nothing. */
  private steady: { plan: Plan; keys: string[] } | undefined;
  private nextSweepAt = 0;
  /** The plan the previous pass read. */
  private lastPlan: Plan | undefined;
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
    const { plans, reader, outcomes, log, guard } = this;
    this.decider = new ShardDecider({ id: this.id, options, guard, plans, reader, outcomes, log });
    this.conflicts = new ConflictHandling({
      options,
      caller: this.caller,
      reader: this.reader,
      outcomes: this.outcomes,
      decide: (pass, fences, shards, tweaks) => this.decider.decide(pass, fences, shards, tweaks),
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
      refuse: (...refusal) => this.decider.refuse(...refusal),
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
      // A wiped or new store beside a live zone: no plan to stand down on, but the same news and advice.
      if (this.options.zone !== undefined) {
        this.zoneId ??= await resolveHostedZoneId(this.caller, this.options.zone);
        const highestFence = await highestLiveFence(this.caller, this.zoneId, this.options.ownerId);
        this.noteStoreBehind(highestFence > 0 ? { highestPlan: 0, highestFence } : undefined, summary);
      }
      return summary;
    }
    summary.generation = plan.generation;
    this.plans.remember(plan);
    const dryRun = this.options.dryRun === true;
    const now = performance.now();
    // A due drift sweep waits one pass when a new plan has just arrived: a sweep page compares records with
    // every shard of the fences' plan (reading all of it), which would come before sending the new generation.
    const newPlan = this.lastPlan !== undefined && this.lastPlan !== plan;
    this.lastPlan = plan;
    const sweep = dryRun || (now >= this.nextSweepAt && !newPlan);
    if (!sweep && this.steady?.plan === plan) {
      // Steady state: the last pass saw every fence at this plan; drift waits for the next sweep.
      summary.inSync.push(...this.steady.keys);
      return summary;
    }
    this.steady = undefined;
    if (useHints) {
      const verdict = await this.hints.before(plan, sweep);
      const keys = () => shardPlan(plan).keys.flat();
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
    let units = await this.decider.decide(pass, fences, [...fences.keys()], drift);

    const share = this.shareRefusal(units, pass);
    if (dryRun) summary.preview = [...units];
    if (share) {
      summary.passRefusal = share;
      for (const unit of units)
        for (const endpoint of unit.changed)
          this.decider.refuse(unit.generation, endpoint, share.reason, share.message, summary, unit);
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
      this.steady = { plan, keys: shardPlan(plan).keys.flat() };
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
    this.noteStoreBehind(
      highestFence > plan.generation ? { highestPlan: plan.generation, highestFence } : undefined,
      summary,
    );
  }

  private noteStoreBehind(behind: StoreBehindZone | undefined, summary: RunSummary): void {
    if (!behind) {
      this.warnedBehind = false;
      return;
    }
    summary.storeBehind = behind;
    if (!this.warnedBehind) this.log.warn({ ...behind }, describeStoreBehindZone(behind));
    this.warnedBehind = true;
  }

  /** The per-pass guard over the units about to be sent (the shards no unit moves count with the plan's content). */
  private shareRefusal(units: ShardUnit[], pass: PassContext): Refusal | undefined {
    const moving = new Set(units.map((unit) => unit.shard));
    const sharded = shardPlan(pass.plan);
    let untouched = 0;
    for (let shard = 0; shard < SHARDS; shard++) if (!moving.has(shard)) untouched += sharded.sets[shard];
    return guardPass(units, untouched, this.guard);
  }

  /**
   * Endpoints the shard fences leave out (x=): each is tried ALONE, once per pass (one request), on the fence as
   * this pass left it, unless it was found poisoned in this very pass.
   */
  private async retryExcluded(pass: PassContext): Promise<void> {
    for (const [shard, fence] of [...pass.final]) {
      if (!fence || fence.excluded.length === 0 || fence.generation > pass.plan.generation) continue;
      const plan = await this.plans.at(fence.generation);
      if (!plan || fence.digest !== this.decider.digestOf(plan, shard, fence.excluded)) continue;
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
          if (refused)
            this.decider.refuse(plan.generation, key, refused.refusal.reason, refused.refusal.message, pass.summary);
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
