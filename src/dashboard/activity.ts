// Enactor activity in one shape, whichever way it arrives: events of a fenced enactor, events of the legacy
// enactor (the race), or lines of the audit log written by a separately running `dnsplane enact`. From the
// activity come the audit tail, the enactor table and the chart's conflict and generation marks.
import type { AuditEntry } from '../enactor/audit.js';
import type { EnactorEvent } from '../enactor/events.js';
import { RingBuffer } from '../probe/health.js';
import type { LegacyEvent } from '../scenario/legacy-enactor.js';
import type { Activity, ActivityKind, EnactorRow, EnactorSource, MarkKind, TimelineMark } from './model.js';

export type AnyEnactorEvent = EnactorEvent | LegacyEvent;

/** One enactor event as activity; undefined for events that are only progress reports. */
export function activityOfEvent(event: AnyEnactorEvent, at = Date.now()): Activity | undefined {
  const base = { at, enactor: event.enactor };
  switch (event.type) {
    case 'batch-sent':
      return {
        ...base,
        kind: 'sent',
        generation: event.generation,
        endpoints: event.endpoints,
        detail: `${event.changes} changes`,
      };
    case 'batch-accepted':
      return {
        ...base,
        kind: 'applied',
        generation: event.generation,
        endpoints: event.endpoints,
        detail: event.changeId ? `change ${event.changeId}` : undefined,
      };
    case 'batch-rejected':
      return {
        ...base,
        kind: 'fence-rejected',
        generation: event.generation,
        endpoints: event.endpoints,
        detail: event.error,
      };
    case 'batch-failed':
      return { ...base, kind: 'failed', generation: event.generation, endpoints: event.endpoints, detail: event.error };
    case 'endpoint-failed':
      return {
        ...base,
        kind: 'failed',
        generation: event.generation,
        endpoints: [event.endpoint],
        detail: event.error,
      };
    case 'refused':
      return {
        ...base,
        kind: 'guard-refused',
        generation: event.generation,
        endpoints: [event.endpoint],
        detail: `${event.reason}: ${event.message}`,
      };
    case 'stood-down':
      return {
        ...base,
        kind: 'stood-down',
        generation: event.generation,
        endpoints: [event.endpoint],
        detail: `fence at ${event.liveGeneration}: ${event.why}`,
      };
    case 'retry':
      return {
        ...base,
        kind: 'retry',
        endpoints: [],
        detail: `${event.operation}: ${event.error} (next in ${event.delayMs} ms)`,
      };
    case 'progress':
      return undefined;
    // The legacy enactor of the race.
    case 'checked':
      return {
        ...base,
        kind: 'checked',
        generation: event.generation,
        endpoints: [],
        detail: `applied ${event.applied}, plan ${event.generation} ${event.newer ? 'is newer' : 'is not newer'}`,
      };
    case 'write-sent':
      return {
        ...base,
        kind: 'sent',
        generation: event.generation,
        endpoints: [event.endpoint],
        detail: 'plain UPSERT, no fence',
      };
    case 'write-accepted':
      return { ...base, kind: 'applied', generation: event.generation, endpoints: [event.endpoint] };
    case 'write-failed':
      return {
        ...base,
        kind: 'failed',
        generation: event.generation,
        endpoints: [event.endpoint],
        detail: event.error,
      };
    case 'inconsistent':
      return { ...base, kind: 'inconsistent', generation: event.generation, endpoints: [], detail: event.message };
    case 'plan-deleted':
      return {
        ...base,
        kind: 'plan-deleted',
        generation: event.generation,
        endpoints: [],
        detail: `cleanup deleted plan ${event.generation}`,
      };
    case 'records-removed':
      return {
        ...base,
        kind: 'records-removed',
        generation: event.generation,
        endpoints: [event.endpoint],
        detail: `cleanup removed ${event.sets} record sets`,
      };
  }
}

const AUDIT_KINDS: Record<AuditEntry['outcome'], ActivityKind> = {
  accepted: 'applied',
  rejected: 'fence-rejected',
  failed: 'failed',
  refused: 'guard-refused',
  'stood-down': 'stood-down',
};

/** One audit line as activity. */
export function activityOfAudit(entry: AuditEntry): Activity {
  const at = Date.parse(entry.time);
  if (!Number.isFinite(at) || typeof entry.enactor !== 'string' || !(entry.outcome in AUDIT_KINDS))
    throw new Error('not an audit entry');
  return {
    at,
    enactor: entry.enactor,
    kind: AUDIT_KINDS[entry.outcome],
    generation: entry.generation,
    endpoints: [entry.endpoint],
    detail: entry.detail ?? (entry.changes?.length > 0 ? entry.changes.join('; ') : undefined),
  };
}

const UNMARKED: ReadonlySet<ActivityKind> = new Set(['sent', 'retry', 'checked']);

/** The chart marks writes that landed, fence conflicts, guard refusals, failures and the legacy cleanup. */
export function markOf(activity: Activity): TimelineMark | undefined {
  if (UNMARKED.has(activity.kind)) return undefined;
  return {
    at: activity.at,
    kind: activity.kind as MarkKind,
    generation: activity.generation,
    enactor: activity.enactor,
    endpoints: activity.endpoints,
    detail: activity.detail,
  };
}

/** A bounded log of activity, and per enactor its latest state, last apply and counts. */
export class ActivityBook {
  private readonly log: RingBuffer<Activity>;
  private readonly enactors = new Map<string, EnactorRow & { state: ActivityKind; lastActivityAt: number }>();

  constructor(capacity = 5_000) {
    this.log = new RingBuffer(capacity);
  }

  record(activity: Activity): void {
    this.log.push(activity);
    let row = this.enactors.get(activity.enactor);
    if (!row)
      this.enactors.set(
        activity.enactor,
        (row = {
          id: activity.enactor,
          state: activity.kind,
          lastActivityAt: activity.at,
          lastApply: null,
          counts: {},
          knownFrom: ['activity'],
        }),
      );
    row.counts[activity.kind] = (row.counts[activity.kind] ?? 0) + 1;
    // A retry says the enactor is still working on its batch: it does not replace the state it is in.
    if (activity.kind !== 'retry') row.state = activity.kind;
    row.lastActivityAt = activity.at;
    if (activity.kind === 'applied') {
      const sameBatch =
        row.lastApply && row.lastApply.at === activity.at && row.lastApply.generation === activity.generation;
      row.lastApply = {
        at: activity.at,
        generation: activity.generation,
        endpoints: sameBatch ? [...row.lastApply!.endpoints, ...activity.endpoints] : [...activity.endpoints],
      };
    }
  }

  /** Oldest first. */
  all(): Activity[] {
    return this.log.toArray();
  }

  tail(limit: number): Activity[] {
    const all = this.log.toArray();
    return limit >= all.length ? all : all.slice(all.length - limit);
  }

  since(at: number): Activity[] {
    return this.log.toArray().filter((activity) => activity.at > at);
  }

  /**
   * A row per enactor with activity, and per enactor known otherwise (`known`: from the run manifest, or as a
   * fence writer) that has none yet: a running enactor with nothing to report is still shown.
   */
  enactorRows(known: ReadonlyArray<{ id: string; from: EnactorSource }> = []): EnactorRow[] {
    const rows = new Map<string, EnactorRow>();
    for (const row of this.enactors.values())
      rows.set(row.id, {
        ...row,
        counts: { ...row.counts },
        lastApply: row.lastApply && { ...row.lastApply },
        knownFrom: [...row.knownFrom],
      });
    for (const { id, from } of known) {
      const row = rows.get(id);
      if (!row) rows.set(id, { id, state: null, lastActivityAt: null, lastApply: null, counts: {}, knownFrom: [from] });
      else if (!row.knownFrom.includes(from)) row.knownFrom.push(from);
    }
    return [...rows.values()].sort((a, b) => a.id.localeCompare(b.id));
  }
}
