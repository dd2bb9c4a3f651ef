// The enactor: reads the latest plan, reads what is live, and moves every endpoint to the plan through fenced,
// guarded, batched ChangeResourceRecordSets calls. Several enactors may run at once; the fences make the
// newest generation win and make a delayed enactor's stale batch fail instead of overwriting (October 2025).
import { ChangeResourceRecordSetsCommand, type ChangeResourceRecordSetsCommandOutput, type Route53Client } from '@aws-sdk/client-route-53';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import pMap from 'p-map';
import type { EndpointPlan, Plan } from '../plan/schema.js';
import type { PlanStore } from '../plan/store.js';
import { Route53Caller, type RetryPolicy } from '../route53/caller.js';
import { classifyError, describeError } from '../route53/errors.js';
import { resolveHostedZoneId } from '../route53/listing.js';
import { RateLimiter, RetryBudget, sleep } from '../route53/throttle.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { AuditLog } from './audit.js';
import { ROUTE53_LIMITS, changeCost, packBatches, type BatchLimits } from './batch.js';
import { LaunchQueue, whenLaunched } from './launch.js';
import { PlanCache } from './plan-cache.js';
import { describeChange, setsMatch, toSdkChanges } from './changes.js';
import { endpointKey, sameRecordSet } from '../route53/recordset.js';
import { cleanupPlans } from './cleanup.js';
import { decide, touchedSets, type WorkUnit } from './decide.js';
import { enactorMetrics as metrics, type EnactorEvent } from './events.js';
import { sameFenceValues, type EndpointType } from './fence.js';
import { checkChangeShare, DEFAULT_GUARD, type GuardOptions, type RefusalReason } from './guard.js';
import { readLiveEndpoint, readZoneView, type LiveEndpoint } from './live.js';
import { DEFAULT_FULL_READ_EVERY_MS, ZoneViewCache } from './zone-cache.js';

export interface EnactorOptions {
  /** Written into every fence and audit line. */
  id: string;
  store: PlanStore;
  /** Create it with maxAttempts: 1; the enactor retries on its own budget. */
  client: Route53Client;
  /** Hosted zone name or id; defaults to the plan's zone. */
  zone?: string;
  logger?: Logger;
  guard?: Partial<GuardOptions>;
  /** Shared limiter (several enactors in one process can share one); or requests per second for a private one. */
  limiter?: RateLimiter;
  rateLimit?: number;
  budget?: RetryBudget;
  retry?: Partial<RetryPolicy>;
  limits?: BatchLimits;
  /** Poll interval of run() in ms (default 1000). */
  intervalMs?: number;
  audit?: AuditLog;
  /** When set, runs cleanup with this retention after every run that changed something. */
  cleanupRetention?: number;
  /** Rounds of re-read-and-resend after a rejected batch before giving an endpoint up for this run (default 4). */
  conflictRounds?: number;
  /**
   * Batches in flight at once (default 1). Batches of one round hold disjoint endpoints, so their order does not
   * matter; the rate limiter still spaces the requests. One at a time, a pass would wait out every request's
   * round trip and leave the rate bound unused. Raise it together with a limiter: without one, concurrent
   * batches meet Route53's throttling together and spend the retry budget together.
   */
  concurrency?: number;
  /** Whole-zone reads at least this often (default 30 s); passes between reuse the view (zone-cache.ts). 0 = every pass. */
  fullReadEveryMs?: number;
  /** Asked at the start of every pass; true = the plan store is frozen (plan/freeze.ts): change nothing. */
  frozen?: () => Promise<boolean>;
}

export interface RunSummary {
  generation?: number;
  applied: string[];
  repaired: string[];
  inSync: string[];
  stoodDown: string[];
  refused: Array<{ endpoint: string; reason: RefusalReason; message: string }>;
  failed: Array<{ endpoint: string; error: string }>;
  batches: number;
}

const DEFAULT_CONCURRENCY = 1;

/** An endpoint whose batch was refused: whether it was the batch's only endpoint, and Route53's message. */
interface Rejected {
  unit: WorkUnit;
  alone: boolean;
  error: string;
}

/** Past this many rejected endpoints, one listing of the zone is cheaper than two reads per endpoint. */
const REREAD_ZONE_ABOVE = 4;

export class Enactor extends EventEmitter<{ event: [EnactorEvent] }> {
  readonly id: string;
  readonly caller: Route53Caller;
  /** The caller as a client: every read and write shares the limiter and the retry budget. */
  private readonly client: Route53Client;
  private readonly log: Logger;
  private readonly guard: GuardOptions;
  private zoneId: string | undefined;
  private readonly plans: PlanCache;
  private readonly zoneCache: ZoneViewCache;

  constructor(private readonly options: EnactorOptions) {
    super();
    this.id = options.id;
    this.log = (options.logger ?? createLogger('enactor')).child({ enactor: options.id });
    this.guard = { ...DEFAULT_GUARD, ...options.guard };
    this.plans = new PlanCache(options.store);
    const limiter = options.limiter ?? (options.rateLimit ? new RateLimiter(options.rateLimit) : undefined);
    this.caller = new Route53Caller(options.client, {
      limiter,
      budget: options.budget,
      policy: options.retry,
      onRetry: (operation, error, delayMs) => {
        this.log.warn({ operation, error: describeError(error), delayMs }, 'retrying Route53 call');
        this.emit('event', { type: 'retry', enactor: this.id, operation, error: describeError(error), delayMs });
      },
    });
    this.client = this.caller.asClient();
    this.zoneCache = new ZoneViewCache(options.fullReadEveryMs ?? DEFAULT_FULL_READ_EVERY_MS, (zoneId) => readZoneView(this.client, zoneId));
  }

  /** Polls the plan store every intervalMs and enacts, until the signal aborts. Errors of one pass are logged, not fatal. */
  async run(signal: AbortSignal): Promise<void> {
    // Stopping interrupts rate-limit waits, backoffs and requests in flight. A batch cut off mid-request is
    // safe: it either landed whole or not at all, and the next enactor's fence read tells which.
    this.caller.signal = signal;
    try {
      while (!signal.aborted) {
        try {
          await this.runOnce();
        } catch (error) {
          if (!signal.aborted) this.log.error({ error: describeError(error) }, 'enactor pass failed; trying again next interval');
        }
        await sleep(this.options.intervalMs ?? 1_000, signal).catch(() => undefined);
      }
    } finally {
      this.caller.signal = undefined;
    }
  }

  /** One pass: latest plan, the zone (cached between passes, see zone-cache.ts), decide per endpoint, guard, send fenced batches. */
  async runOnce(): Promise<RunSummary> {
    try {
      return await this.pass();
    } catch (error) {
      this.zoneCache.invalidate();
      throw error;
    } finally {
      // A pass is reported done only once its audit lines are on disk.
      await this.options.audit?.flush();
    }
  }

  private async pass(): Promise<RunSummary> {
    const summary: RunSummary = { applied: [], repaired: [], inSync: [], stoodDown: [], refused: [], failed: [], batches: 0 };
    if (await this.options.frozen?.()) return summary;
    const plan = await this.options.store.latest();
    if (!plan) {
      this.log.info({ store: this.options.store.location }, 'no plan yet');
      return summary;
    }
    summary.generation = plan.generation;
    this.plans.remember(plan);
    const zoneId = await this.hostedZone(plan);
    const { view, cached } = await this.zoneCache.view(zoneId);

    const units: WorkUnit[] = [];
    for (const endpoint of plan.endpoints) {
      const key = endpointKey(endpoint.name, endpoint.type);
      const live = view.endpoints.get(key) ?? { sets: [] };
      const target = await this.targetFor(endpoint, plan, live);
      if (!target) {
        // A newer generation than any plan we can read is live there: not ours to judge.
        summary.stoodDown.push(key);
        continue;
      }
      const unit = this.judge(target.endpoint, target.generation, live, summary);
      if (unit) units.push(unit);
    }

    const changed = units.reduce((sum, unit) => sum + touchedSets(unit), 0);
    const shareRefusal = checkChangeShare(changed, view.contentSets, this.guard);
    if (shareRefusal) {
      for (const unit of units) this.refuse(unit, shareRefusal.reason, shareRefusal.message, summary);
      return summary;
    }
    await this.sendAll(zoneId, units, summary, cached);
    if (this.options.cleanupRetention !== undefined && (summary.applied.length > 0 || summary.repaired.length > 0)) {
      await cleanupPlans({ store: this.options.store, client: this.client, zoneId, retention: this.options.cleanupRetention, logger: this.log });
    }
    return summary;
  }

  /** The generation to hold an endpoint to: the plan's, or the live fence's own when it is ahead of our plan. */
  private async targetFor(endpoint: EndpointPlan, plan: Plan, live: LiveEndpoint): Promise<{ endpoint: EndpointPlan; generation: number } | undefined> {
    const liveGeneration = live.fence?.generation ?? 0;
    if (liveGeneration <= plan.generation) return { endpoint, generation: plan.generation };
    // Someone applied a plan newer than the latest we can read. Never go back; but still repair drift to it.
    const ahead = await this.plans.at(liveGeneration);
    const same = ahead?.endpoints.find((candidate) => candidate.name === endpoint.name && candidate.type === endpoint.type);
    if (!same) {
      this.log.info({ endpoint: endpoint.name, liveGeneration, planned: plan.generation }, 'live fence is ahead of the latest readable plan; leaving endpoint alone');
      return undefined;
    }
    return { endpoint: same, generation: liveGeneration };
  }

  /** decide() plus the bookkeeping of its outcome; returns the unit to send, if any. */
  private judge(endpoint: EndpointPlan, generation: number, live: LiveEndpoint, summary: RunSummary, previous?: WorkUnit): WorkUnit | undefined {
    const key = endpointKey(endpoint.name, endpoint.type);
    const decision = decide({ endpoint, generation, live, writer: this.id, guard: this.guard, previousFence: previous?.live.fence });
    if (live.fence) metrics.liveGeneration.set({ endpoint: key }, live.fence.generation);
    switch (decision.action) {
      case 'in-sync':
        summary.inSync.push(key);
        return undefined;
      case 'stand-down':
        this.standDown(key, generation, decision.liveGeneration, decision.why, summary);
        return undefined;
      case 'refuse':
        this.refuse(decision.unit, decision.refusal.reason, decision.refusal.message, summary);
        return undefined;
      case 'send':
        return decision.unit;
    }
  }

  private standDown(key: string, generation: number, liveGeneration: number, why: string, summary: RunSummary): void {
    summary.stoodDown.push(key);
    metrics.fenceConflicts.inc({ enactor: this.id });
    this.log.info({ endpoint: key, generation, liveGeneration }, `standing down: ${why}`);
    this.emit('event', { type: 'stood-down', enactor: this.id, generation, endpoint: key, liveGeneration, why });
    void this.options.audit?.append({ enactor: this.id, generation, endpoint: key, changes: [], outcome: 'stood-down', detail: why });
  }

  private refuse(unit: WorkUnit, reason: RefusalReason, message: string, summary: RunSummary): void {
    summary.refused.push({ endpoint: unit.key, reason, message });
    metrics.guardRefusals.inc({ enactor: this.id, reason });
    this.log.error({ endpoint: unit.key, generation: unit.generation, reason }, `guard refused: ${message}`);
    this.emit('event', { type: 'refused', enactor: this.id, generation: unit.generation, endpoint: unit.key, reason, message });
    void this.options.audit?.append({ enactor: this.id, generation: unit.generation, endpoint: unit.key, kind: unit.kind, changes: unit.changes.map(describeChange), outcome: 'refused', detail: message });
  }

  /**
   * Sends the units packed into batches. A batch is all-or-nothing, so one endpoint's moved fence fails its
   * neighbours too: after a rejection every endpoint of the batch is re-read and re-decided (those whose fence
   * reached our generation stand down), and the rest are resent one endpoint per request, so that a single
   * conflicting endpoint cannot keep failing the others. When the units were decided on a cached zone view, the
   * first rejection shows the view is stale (another writer is active): the batches not yet sent are not sent
   * but re-decided with the rejected ones on a fresh read, so a stale view costs at most `concurrency` requests.
   */
  private async sendAll(zoneId: string, units: WorkUnit[], summary: RunSummary, fromCachedView: boolean): Promise<void> {
    const limits = this.options.limits ?? ROUTE53_LIMITS;
    const packed = packBatches(units, limits);
    for (const unit of packed.oversized) {
      this.refuse(unit, 'too-large', `${unit.key} needs more than one request's limits for its changes and fence; it cannot be applied atomically`, summary);
    }
    let round: WorkUnit[][] = packed.batches;
    const rounds = this.options.conflictRounds ?? 4;
    const progress = { started: performance.now(), batchesDone: 0, batchesTotal: round.length, endpointsDone: 0, endpointsTotal: units.length - packed.oversized.length };
    for (let attempt = 1; round.length > 0; attempt++) {
      const rejected: Rejected[] = [];
      let viewIsStale = false;
      const launches = new LaunchQueue();
      await pMap(round, async (batch) => {
        const launched = await launches.take();
        if (viewIsStale) {
          launched();
          rejected.push(...batch.map((unit) => ({ unit, alone: false, error: '' })));
          progress.batchesTotal -= 1;
          return;
        }
        const error = await this.sendBatch(zoneId, batch, summary, launched);
        if (error && attempt === 1 && fromCachedView) viewIsStale = true;
        progress.batchesDone += 1;
        if (!error) progress.endpointsDone += batch.length;
        this.emitProgress(summary.generation ?? 0, progress);
        if (!error) return;
        if (attempt < rounds) rejected.push(...batch.map((unit) => ({ unit, alone: batch.length === 1, error })));
        else for (const unit of batch) summary.failed.push({ endpoint: unit.key, error: `still rejected after ${rounds} rounds: ${error}` });
      }, { concurrency: this.options.concurrency ?? DEFAULT_CONCURRENCY });
      const { again, endpointsMoved } = await this.redecide(zoneId, rejected, summary);
      progress.endpointsDone += rejected.length - again.length;
      // When endpoints moved (usually one moved fence failed many), the second round packs again; otherwise,
      // and in later rounds, each endpoint goes alone, so that one that keeps failing cannot hold others back.
      round = attempt === 1 && endpointsMoved ? packBatches(again, limits).batches : again.map((unit) => [unit]);
      progress.batchesTotal += round.length;
    }
  }

  /**
   * Re-reads rejected endpoints (the whole zone in one listing when there are many) and decides each again.
   * An endpoint refused on its own while nothing about it changed is failed at once: its changes themselves are
   * invalid (a CNAME at its name, say), and resending them would only be refused again.
   */
  private async redecide(zoneId: string, rejected: Rejected[], summary: RunSummary): Promise<{ again: WorkUnit[]; endpointsMoved: boolean }> {
    if (rejected.length === 0) return { again: [], endpointsMoved: false };
    const view = rejected.length > REREAD_ZONE_ABOVE ? await readZoneView(this.client, zoneId) : undefined;
    const again: WorkUnit[] = [];
    let endpointsMoved = false;
    for (const { unit, alone, error } of rejected) {
      const fresh = view ? (view.endpoints.get(unit.key) ?? { sets: [] }) : await readLiveEndpoint(this.client, zoneId, unit.endpoint.name, unit.endpoint.type as EndpointType);
      if (fresh.fence && sameRecordSet(fresh.fence.set, unit.newFence)) {
        // Our own fence is live: an earlier attempt landed but its answer was lost, and the retry was rejected.
        const detail = 'an earlier attempt of this batch had been applied (its response was lost); the retry was rejected by our own fence';
        this.log.info({ endpoint: unit.key, generation: unit.generation }, detail);
        void this.options.audit?.append({ enactor: this.id, generation: unit.generation, endpoint: unit.key, kind: unit.kind, changes: unit.changes.map(describeChange), outcome: 'accepted', detail });
        this.recordApplied(unit, summary);
        continue;
      }
      const unchanged = sameFenceValues(fresh.fence, unit.live.fence) && setsMatch(fresh.sets, unit.live.sets);
      if (!unchanged) endpointsMoved = true;
      else if (alone) {
        this.log.error({ endpoint: unit.key, generation: unit.generation, error }, 'batch refused on its own with the endpoint unchanged; not resending it');
        summary.failed.push({ endpoint: unit.key, error: `refused on its own with the endpoint unchanged (its changes are invalid): ${error}` });
        continue;
      }
      const next = this.judge(unit.endpoint, unit.generation, fresh, summary, unit);
      if (next) again.push(next);
    }
    return { again, endpointsMoved };
  }

  private emitProgress(generation: number, progress: { started: number; batchesDone: number; batchesTotal: number; endpointsDone: number; endpointsTotal: number }): void {
    const { started, ...counts } = progress;
    this.emit('event', { type: 'progress', enactor: this.id, generation, ...counts, elapsedMs: Math.round(performance.now() - started) });
  }

  /** Returns undefined when accepted (or failed for good), or the rejection message to re-decide on. */
  private async sendBatch(zoneId: string, batch: WorkUnit[], summary: RunSummary, launched: () => void): Promise<string | undefined> {
    const batchId = randomUUID().slice(0, 8);
    const generation = Math.max(...batch.map((unit) => unit.generation));
    const endpoints = batch.map((unit) => unit.key);
    const changes = batch.flatMap((unit) => unit.changes);
    summary.batches += 1;
    metrics.batchesSent.inc({ enactor: this.id });
    this.emit('event', { type: 'batch-sent', enactor: this.id, generation, batch: batchId, endpoints, changes: changes.length, elements: changeCost(changes).elements });
    const started = performance.now();
    const stopTimer = metrics.batchSeconds.startTimer({ enactor: this.id });
    let outcome: 'accepted' | 'rejected' | 'failed';
    let changeId: string | undefined;
    let error: string | undefined;
    try {
      const output = await this.caller.send<ChangeResourceRecordSetsCommandOutput>(
        'ChangeResourceRecordSets',
        whenLaunched(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: zoneId,
            ChangeBatch: { Comment: `dnsplane ${this.id} gen ${generation}`, Changes: toSdkChanges(changes) },
          }),
          launched,
        ),
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
    for (const unit of batch) {
      void this.options.audit?.append({
        enactor: this.id,
        generation: unit.generation,
        endpoint: unit.key,
        kind: unit.kind,
        changes: unit.changes.map(describeChange),
        outcome,
        changeId,
        durationMs,
        batchEndpoints: batch.length,
        detail: error,
      });
    }
    if (outcome === 'accepted') {
      metrics.batchesAccepted.inc({ enactor: this.id });
      for (const unit of batch) {
        this.zoneCache.accepted(zoneId, unit);
        this.recordApplied(unit, summary);
        this.log.info({ endpoint: unit.key, generation: unit.generation, kind: unit.kind, changeId, durationMs }, unit.kind === 'repair' ? 'repaired endpoint' : 'applied generation');
      }
      this.emit('event', { type: 'batch-accepted', enactor: this.id, generation, batch: batchId, endpoints, changeId, durationMs });
      return undefined;
    }
    // Someone else wrote (rejected), or we cannot tell whether our batch landed (failed): read the zone next pass.
    this.zoneCache.invalidate();
    if (outcome === 'rejected') {
      metrics.batchesRejected.inc({ enactor: this.id });
      this.log.info({ endpoints, generation, error }, 'batch rejected; re-reading its endpoints');
      this.emit('event', { type: 'batch-rejected', enactor: this.id, generation, batch: batchId, endpoints, error: error ?? '', durationMs });
      return error ?? 'rejected';
    }
    metrics.batchesFailed.inc({ enactor: this.id });
    this.log.error({ endpoints, generation, error }, 'batch failed');
    this.emit('event', { type: 'batch-failed', enactor: this.id, generation, batch: batchId, endpoints, error: error ?? '', durationMs });
    for (const key of endpoints) summary.failed.push({ endpoint: key, error: error ?? 'failed' });
    return undefined;
  }

  private recordApplied(unit: WorkUnit, summary: RunSummary): void {
    (unit.kind === 'repair' ? summary.repaired : summary.applied).push(unit.key);
    metrics.generationsApplied.inc({ enactor: this.id, kind: unit.kind });
    metrics.liveGeneration.set({ endpoint: unit.key }, unit.generation);
  }

  private async hostedZone(plan: Plan): Promise<string> {
    this.zoneId ??= await resolveHostedZoneId(this.client, this.options.zone ?? plan.zone);
    return this.zoneId;
  }
}
