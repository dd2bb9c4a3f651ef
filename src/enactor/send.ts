// Sending (the enactor's third step): units packed into ChangeResourceRecordSets batches within Route53's limits
// (oversized units become chains), sent in launch order with a bounded concurrency, each outcome recorded; the
// units of batches that were not accepted go to the conflict handling (conflict.ts) and come back re-decided.
import { randomUUID } from 'node:crypto';
import pMap from 'p-map';
import type { Route53Caller } from '../route53/caller.js';
import { changeCost, ROUTE53_LIMITS, type RequestLimits } from '../route53/change-batch.js';
import { classifyError, describeError } from '../route53/errors.js';
import type { Logger } from '../telemetry/logger.js';
import { packRound, startChain, type ChainCursor } from './chain.js';
import { toSdkChanges } from './changes.js';
import type { ShardUnit } from './decide.js';
import type { EnactorOptions, PassContext } from './options.js';
import { enactorMetrics as metrics, type EnactorEvent } from './events.js';
import { tooLarge, type RefusalReason } from './guard.js';
import { LaunchQueue } from './launch.js';
import type { BatchFacts, OutcomeRecorder } from './outcomes.js';
import type { PlanCache } from './plan-cache.js';
import { parseShardFence } from './shard-fence.js';

const DEFAULT_CONCURRENCY = 1;

/** A unit whose batch was not accepted, for the conflict handling to settle. */
export interface UnsettledUnit {
  unit: ShardUnit;
  /** rejected: Route53 refused the batch; unknown: it may or may not have landed (lost response, timeout). */
  result: 'rejected' | 'unknown';
  alone: boolean;
  error: string;
}

/** What the sender uses of its enactor. */
export interface SenderParts {
  id: string;
  options: EnactorOptions;
  caller: Route53Caller;
  plans: PlanCache;
  log: Logger;
  outcomes: OutcomeRecorder;
  emit(event: EnactorEvent): void;
  refuse(
    generation: number,
    endpoint: string,
    reason: RefusalReason,
    message: string,
    summary: PassContext['summary'],
    unit?: ShardUnit,
  ): void;
  /** The conflict handling: settles the units of batches that were not accepted (conflict.ts). */
  resolve(
    pass: PassContext,
    unsettled: UnsettledUnit[],
    lastRound: boolean,
  ): Promise<{ units: ShardUnit[]; alone: Set<ShardUnit>; landed: ShardUnit[] }>;
}

export class BatchSender {
  constructor(private readonly parts: SenderParts) {}

  /**
   * Sends the units packed into batches (a unit is never split). After a rejection or an unknown outcome the
   * fences alone are read again (one request): a unit whose fence is now ours landed (lost response); a shard
   * whose fence moved is decided again; an endpoint Route53's message names is read again (after the fences)
   * and, when it is exactly as assumed, excluded as poisoned. Never a whole-zone read because of a conflict.
   */
  async sendAll(pass: PassContext, units: ShardUnit[]): Promise<void> {
    if (this.parts.options.dryRun) return;
    const limits = this.parts.options.limits ?? ROUTE53_LIMITS;
    const rounds = this.parts.options.conflictRounds ?? 4;
    const progress = {
      started: performance.now(),
      batchesDone: 0,
      batchesTotal: 0,
      endpointsDone: 0,
      endpointsTotal: units.reduce((sum, unit) => sum + unit.endpoints.length, 0),
    };
    let alone = new Set<ShardUnit>();
    /** Chains (chain.ts): the chain a sent segment belongs to, continued once that segment is accepted. */
    let continues = new Map<ShardUnit, ChainCursor>();
    let chains: ChainCursor[] = [];
    const following = (landed: ShardUnit[]) => landed.flatMap((unit) => continues.get(unit) ?? []);
    for (let round = 1; units.length > 0 || chains.length > 0;) {
      // Whole units first-fit; oversized ones start chains, whose segments fill the room the batches leave.
      const { fitting, started } = await this.chainOversized(pass, units, limits);
      const packed = packRound(fitting, [...chains, ...started], limits);
      continues = packed.continues;
      // A unit whose last rejection nothing explained goes alone: one that keeps failing cannot hold the others back.
      const batches = packed.batches.flatMap((batch) => {
        const together = batch.filter((unit) => !alone.has(unit));
        return [
          ...(together.length > 0 ? [together] : []),
          ...batch.filter((unit) => alone.has(unit)).map((unit) => [unit]),
        ];
      });
      progress.batchesTotal += batches.length;
      const unsettled: UnsettledUnit[] = [];
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
            unsettled.push(
              ...batch.map((unit) => ({ unit, result: result.result, alone: batch.length === 1, error: result.error })),
            );
        },
        { concurrency: this.parts.options.concurrency ?? DEFAULT_CONCURRENCY },
      );
      if (unsettled.length === 0) {
        units = [];
        chains = following(accepted);
        alone = new Set();
        continue;
      }
      const redone = await this.parts.resolve(pass, unsettled, round >= rounds);
      round += 1;
      chains = following([...accepted, ...redone.landed]);
      units = redone.units;
      alone = redone.alone;
    }
  }

  /**
   * Units that do not fit one request become chains of fenced units (chain.ts): a segment per round, each once
   * the one before it is accepted, cut to the room the round's requests leave. A unit that cannot be chained
   * (one endpoint's changes alone exceed a request) is refused too-large, saying which endpoint and by how much.
   */
  private async chainOversized(
    pass: PassContext,
    units: ShardUnit[],
    limits: RequestLimits,
  ): Promise<{ fitting: ShardUnit[]; started: ChainCursor[] }> {
    const fitting: ShardUnit[] = [];
    const started: ChainCursor[] = [];
    for (const unit of units) {
      const cost = changeCost(unit.changes);
      if (cost.elements <= limits.elements && cost.chars <= limits.chars) {
        fitting.push(unit);
        continue;
      }
      const target = await this.parts.plans.at(unit.generation);
      const chain = target ? startChain(unit, target, pass.zone, this.parts.id, limits) : undefined;
      if (chain?.ok) {
        this.parts.log.info(
          { shard: unit.shard, generation: unit.generation, elements: cost.elements },
          "shard's unit exceeds one request: sending it as a chain of fenced units",
        );
        started.push(chain.cursor);
        continue;
      }
      const why = chain
        ? `endpoint ${chain.endpoint}'s changes alone take ${chain.elements} elements and ${chain.chars} value characters, more than one request carries beside the shard's fence swap (${limits.elements} elements, ${limits.chars} characters); an endpoint's changes are never split`
        : `plan ${unit.generation} is no longer stored, so the shard's unit cannot be chained`;
      const { reason, message } = tooLarge(unit.shard, why);
      for (const endpoint of unit.changed.length > 0 ? unit.changed : [`shard ${unit.shard}`])
        this.parts.refuse(unit.generation, endpoint, reason, message, pass.summary, unit);
    }
    return { fitting, started };
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
    this.parts.emit({
      type: 'progress',
      enactor: this.parts.id,
      generation,
      ...counts,
      elapsedMs: Math.round(performance.now() - started),
    });
  }

  /** Returns undefined when accepted, or what went wrong. */
  async sendBatch(
    pass: PassContext,
    batch: ShardUnit[],
    launched: () => void,
  ): Promise<{ result: 'rejected' | 'unknown'; error: string } | undefined> {
    const batchId = randomUUID().slice(0, 8);
    const generation = Math.max(...batch.map((unit) => unit.generation));
    const endpoints = batch.flatMap((unit) => unit.changed);
    const changes = batch.flatMap((unit) => unit.changes);
    pass.summary.batches += 1;
    metrics.batchesSent.inc({ enactor: this.parts.id });
    this.parts.emit({
      type: 'batch-sent',
      enactor: this.parts.id,
      generation,
      batch: batchId,
      endpoints,
      changes: changes.length,
      elements: changeCost(changes).elements,
    });
    const started = performance.now();
    const stopTimer = metrics.batchSeconds.startTimer({ enactor: this.parts.id });
    let outcome: 'accepted' | 'rejected' | 'failed';
    let changeId: string | undefined;
    let error: string | undefined;
    try {
      const output = await this.parts.caller.changeResourceRecordSets(
        {
          HostedZoneId: pass.zoneId,
          ChangeBatch: { Comment: `dnsplane ${this.parts.id} gen ${generation}`, Changes: toSdkChanges(changes) },
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
    this.parts.outcomes.record(pass.summary, {
      kind: 'unsettled',
      units: batch,
      batch: facts,
      result: outcome,
      error: message,
    });
    return { result: outcome === 'rejected' ? 'rejected' : 'unknown', error: message };
  }

  /** Accepted units: each shard now holds exactly what its unit wrote, and its fence is the one the unit wrote. */
  landed(pass: PassContext, units: ShardUnit[], batch: BatchFacts, lostResponse: boolean): void {
    for (const unit of units) pass.final.set(unit.shard, parseShardFence(unit.shard, unit.newFence));
    this.parts.outcomes.record(pass.summary, { kind: 'landed', units, batch, lostResponse });
  }
}
