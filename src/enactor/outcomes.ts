// Every outcome of an enactor pass, recorded in one place: each kind goes to all five sinks (the pass summary, a
// Prometheus metric, the log, an event for observers and the audit file) from one record() call, so that no path
// can report an outcome to some of them and forget the others.
import type { Logger } from '../telemetry/logger.js';
import type { AuditLog } from './audit.js';
import { describeChange } from './changes.js';
import type { ShardUnit } from './decide.js';
import { enactorMetrics as metrics, type EnactorEvent } from './events.js';
import type { RefusalReason } from './guard.js';
import { endpointKey } from '../route53/recordset.js';
import type { RunSummary } from './options.js';

/** One batch as the sinks name it. */
export interface BatchFacts {
  /** Short random id, or 'lost-response' for an earlier attempt found landed by its fence. */
  id: string;
  generation: number;
  /** Endpoints the batch changes. */
  endpoints: string[];
  changeId?: string;
  durationMs: number;
}

export type EndpointOutcome =
  /** Units Route53 accepted in one batch (applied, or repaired), or found landed after a lost response. */
  | { kind: 'landed'; units: ShardUnit[]; batch: BatchFacts; lostResponse?: boolean }
  /** A batch Route53 rejected, or whose fate is unknown (an error, a timeout): the fences are read again. */
  | { kind: 'unsettled'; units: ShardUnit[]; batch: BatchFacts; result: 'rejected' | 'failed'; error: string }
  /** A shard whose fence is newer than the plan: its planned endpoints are left to the newer writer. */
  | {
      kind: 'stood-down';
      shard: number;
      endpoints: string[];
      generation: number;
      liveGeneration: number;
      why: string;
    }
  /** An endpoint (or a whole shard, `shard N`) a safety check refused; `unit` when it was left out of one. */
  | { kind: 'refused'; endpoint: string; generation: number; reason: RefusalReason; message: string; unit?: ShardUnit }
  /** An endpoint whose changes Route53 refuses on their own: left out of its shard (x=), tried alone per pass. */
  | { kind: 'poisoned'; endpoint: string; generation: number; shard: number; error: string; unit?: ShardUnit }
  /** Endpoints whose batch failed for good in this pass (still rejected after the rounds, or its fate unknown). */
  | { kind: 'failed'; endpoints: string[]; generation: number; error: string };

/** The five sinks of one enactor. */
export class OutcomeRecorder {
  constructor(
    private readonly enactor: string,
    private readonly log: Logger,
    private readonly emit: (event: EnactorEvent) => void,
    private readonly audit: AuditLog | undefined,
  ) {}

  record(summary: RunSummary, outcome: EndpointOutcome): void {
    switch (outcome.kind) {
      case 'landed':
        return this.landed(summary, outcome);
      case 'unsettled':
        return this.unsettled(outcome);
      case 'stood-down':
        return this.stoodDown(summary, outcome);
      case 'refused':
        return this.refused(summary, outcome);
      case 'poisoned':
        return this.poisoned(summary, outcome);
      case 'failed':
        return this.failed(summary, outcome);
    }
  }

  private landed(summary: RunSummary, { units, batch, lostResponse }: Extract<EndpointOutcome, { kind: 'landed' }>) {
    if (lostResponse) this.log.info({ shard: units[0]?.shard, generation: batch.generation }, LOST_RESPONSE);
    else metrics.batchesAccepted.inc({ enactor: this.enactor });
    for (const unit of units) {
      metrics.liveGeneration.set({ shard: String(unit.shard) }, unit.generation);
      metrics.generationsApplied.inc({ enactor: this.enactor, kind: unit.kind });
      for (const { endpoint, sets } of unit.adopted)
        this.log.warn(
          { endpoint, sets: sets.map((set) => set.setIdentifier ?? 'simple'), generation: unit.generation },
          'adopted record sets dnsplane did not write (--adopt)',
        );
      const list = unit.kind === 'repair' ? summary.repaired : summary.applied;
      for (const key of unit.kind === 'repair' ? unit.changed : unit.endpoints) list.push(key);
      if (unit.kind === 'apply' && summary.inSync.length > 0) {
        const moved = new Set(unit.endpoints);
        summary.inSync = summary.inSync.filter((key) => !moved.has(key));
      }
      this.log.info(
        { shard: unit.shard, generation: unit.generation, kind: unit.kind, changed: unit.changed.length },
        unit.kind === 'repair' ? 'repaired shard' : 'applied generation to shard',
      );
    }
    const facts = lostResponse
      ? {}
      : { changeId: batch.changeId, durationMs: batch.durationMs, batchEndpoints: units.length };
    this.auditUnits(units, 'accepted', facts, lostResponse ? LOST_RESPONSE : undefined);
    this.emit({
      type: 'batch-accepted',
      enactor: this.enactor,
      generation: batch.generation,
      batch: batch.id,
      endpoints: batch.endpoints,
      ...(lostResponse ? {} : { changeId: batch.changeId }),
      durationMs: batch.durationMs,
    });
  }

  /** Not an endpoint's final outcome (the fences decide it next), but told to every sink but the summary's lists. */
  private unsettled({ units, batch, result, error }: Extract<EndpointOutcome, { kind: 'unsettled' }>) {
    const { generation, endpoints, durationMs } = batch;
    this.auditUnits(units, result, { durationMs, batchEndpoints: units.length }, error);
    if (result === 'rejected') {
      metrics.batchesRejected.inc({ enactor: this.enactor });
      this.log.info({ endpoints, generation, error }, 'batch rejected; re-reading the fences');
    } else {
      metrics.batchesFailed.inc({ enactor: this.enactor });
      this.log.error({ endpoints, generation, error }, 'batch failed; the fences will tell whether it landed');
    }
    const type = result === 'rejected' ? 'batch-rejected' : 'batch-failed';
    this.emit({ type, enactor: this.enactor, generation, batch: batch.id, endpoints, error, durationMs });
  }

  private stoodDown(summary: RunSummary, outcome: Extract<EndpointOutcome, { kind: 'stood-down' }>) {
    const { shard, endpoints, generation, liveGeneration, why } = outcome;
    metrics.fenceConflicts.inc({ enactor: this.enactor });
    metrics.liveGeneration.set({ shard: String(shard) }, liveGeneration);
    this.log.info({ shard, generation, liveGeneration }, `standing down: ${why}`);
    // A shard without planned endpoints has nothing of ours to report (the pass is still not in sync).
    for (const endpoint of endpoints) {
      summary.stoodDown.push(endpoint);
      this.emit({ type: 'stood-down', enactor: this.enactor, generation, endpoint, liveGeneration, why });
      void this.audit?.append({
        enactor: this.enactor,
        generation,
        endpoint,
        changes: [],
        outcome: 'stood-down',
        detail: why,
      });
    }
  }

  private refused(summary: RunSummary, outcome: Extract<EndpointOutcome, { kind: 'refused' }>) {
    const { endpoint, generation, reason, message, unit } = outcome;
    summary.refused.push({ endpoint, reason, message });
    metrics.guardRefusals.inc({ enactor: this.enactor, reason });
    this.log.error({ endpoint, generation, reason }, `refused: ${message}`);
    this.emit({ type: 'refused', enactor: this.enactor, generation, endpoint, reason, message });
    const changes = unit
      ? unit.recordChanges
          .filter((change) => endpointKey(change.set.name, change.set.type) === endpoint)
          .map(describeChange)
      : [];
    void this.audit?.append({
      enactor: this.enactor,
      generation,
      endpoint,
      kind: unit?.kind,
      changes,
      outcome: 'refused',
      detail: message,
    });
  }

  private poisoned(summary: RunSummary, outcome: Extract<EndpointOutcome, { kind: 'poisoned' }>) {
    const { endpoint, generation, shard, error, unit } = outcome;
    if (!summary.poisoned.includes(endpoint)) summary.poisoned.push(endpoint);
    summary.failed.push({
      endpoint,
      error: `poisoned: its changes are refused on their own, so it is left out of its shard: ${error}`,
    });
    metrics.endpointPoisoned.set({ endpoint }, 1);
    const detail = `POISONED: Route53 refuses this endpoint's changes with the endpoint exactly as assumed; it is left out of shard ${shard} (x= in the fence) and tried alone once per pass: ${error}`;
    this.log.error({ endpoint, shard, generation, error }, 'endpoint poisoned');
    this.emit({ type: 'refused', enactor: this.enactor, generation, endpoint, reason: 'poisoned', message: detail });
    void this.audit?.append({
      enactor: this.enactor,
      generation,
      endpoint,
      kind: unit?.kind,
      changes: [],
      outcome: 'rejected',
      detail,
    });
  }

  private failed(summary: RunSummary, { endpoints, generation, error }: Extract<EndpointOutcome, { kind: 'failed' }>) {
    for (const endpoint of endpoints) {
      summary.failed.push({ endpoint, error });
      metrics.endpointsFailed.inc({ enactor: this.enactor });
      this.log.error({ endpoint, generation, error }, 'endpoint not enacted in this pass');
      this.emit({ type: 'endpoint-failed', enactor: this.enactor, generation, endpoint, error });
      void this.audit?.append({
        enactor: this.enactor,
        generation,
        endpoint,
        changes: [],
        outcome: 'failed',
        detail: error,
      });
    }
  }

  /** Audit lines of units with one outcome: one per changed endpoint, with its own changes and its shard's fence swap. */
  private auditUnits(
    units: ShardUnit[],
    outcome: 'accepted' | 'rejected' | 'failed',
    batch: { changeId?: string; durationMs?: number; batchEndpoints?: number },
    detail?: string,
  ): void {
    const audit = this.audit;
    if (!audit || units.length === 0) return;
    const base = { enactor: this.enactor, outcome, ...batch, detail };
    // Fence-only swaps change no endpoint: the batch events and the log record them, the audit does not. An
    // adoption is audited even when the adopted sets already matched the plan (the fence claims them all the same).
    for (const unit of units) {
      for (const endpoint of new Set([...unit.changed, ...unit.adopted.map((entry) => entry.endpoint)])) {
        const changes = unit.changes.filter(
          (change) => change.set.type === 'TXT' || endpointKey(change.set.name, change.set.type) === endpoint,
        );
        const adopted = unit.adopted.find((entry) => entry.endpoint === endpoint);
        const adoption =
          adopted &&
          `adopt: record sets dnsplane did not write, taken over by --adopt: ${adopted.sets.map((set) => set.setIdentifier ?? 'simple').join(', ')}`;
        void audit.append({
          ...base,
          generation: unit.generation,
          kind: unit.kind,
          endpoint,
          changes: changes.map(describeChange),
          detail: [base.detail, adoption].filter(Boolean).join('; ') || undefined,
        });
      }
    }
  }
}

const LOST_RESPONSE = 'an earlier attempt of this batch had been applied (its response was lost)';
