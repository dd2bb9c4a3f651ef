// What happened during a race, in time order: plan generations, each enactor's writes, rejections and
// stand-downs, cleanup, the live generation of each endpoint as the zone committed it, and every probe
// observation. The table and the chart are both drawn from this one list.
import type { Enactor } from '../enactor/enactor.js';
import type { ProbeResult } from '../probe/classify.js';
import type { Probe } from '../probe/probe.js';
import type { LegacyEnactor } from './legacy-enactor.js';

export type TimelineKind =
  | 'step' // the scenario's own narration
  | 'plan' // the planner wrote a generation
  | 'write' // a write was accepted
  | 'reject' // a write was rejected (fence moved) or failed
  | 'stand-down' // an enactor saw a newer fence and gave up its stale write
  | 'fault' // injected latency, throttling, a held write
  | 'cleanup' // a plan generation was deleted
  | 'records-removed' // the legacy cleanup removed an endpoint's records
  | 'error' // an enactor pass failed (e.g. the legacy consistency check)
  | 'zone' // the zone committed: the endpoint's live generation and record-set count
  | 'probe'; // one probe observation

export interface TimelineEntry {
  /** Milliseconds since the race started. */
  at: number;
  kind: TimelineKind;
  /** Who: planner, enactor-a, probe, zone, ... */
  actor: string;
  generation?: number;
  endpoint?: string;
  detail?: string;
  /** Probe entries: the classification and the path (authority or resolver). */
  result?: ProbeResult;
  path?: string;
  /** Zone entries: how many address record sets the endpoint has. */
  sets?: number;
}

export class Timeline {
  private readonly list: TimelineEntry[] = [];
  private readonly listeners = new Set<(entry: TimelineEntry) => void>();

  constructor(readonly startedAt = Date.now()) {}

  add(entry: Omit<TimelineEntry, 'at'>, at = Date.now()): void {
    const added = { at: at - this.startedAt, ...entry };
    this.list.push(added);
    for (const listener of this.listeners) listener(added);
  }

  /** Calls back with every entry as it is added (the live dashboard follows plan writes this way); returns an unsubscribe. */
  onEntry(listener: (entry: TimelineEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** In time order (entries are added as they happen; probe entries carry their own send time). */
  entries(): TimelineEntry[] {
    return [...this.list].sort((a, b) => a.at - b.at);
  }

  /** Records every probe observation. */
  watchProbe(probe: Probe): void {
    probe.on('observation', (o) =>
      this.add(
        {
          kind: 'probe',
          actor: 'probe',
          endpoint: o.endpoint,
          result: o.result,
          path: o.path,
          generation: o.generation,
          detail: o.values.join(' ') || o.rcode,
        },
        o.at,
      ),
    );
  }

  /** Records the safe enactor's events. */
  watchEnactor(actor: string, enactor: Enactor): void {
    enactor.on('event', (event) => {
      switch (event.type) {
        case 'batch-accepted':
          return this.add({
            kind: 'write',
            actor,
            generation: event.generation,
            detail: `fenced batch accepted: ${event.endpoints.join(', ')}`,
          });
        case 'batch-rejected':
          return this.add({
            kind: 'reject',
            actor,
            generation: event.generation,
            detail: `fenced batch rejected: ${event.error}`,
          });
        case 'batch-failed':
          return this.add({
            kind: 'reject',
            actor,
            generation: event.generation,
            detail: `batch failed: ${event.error}`,
          });
        case 'stood-down':
          return this.add({
            kind: 'stand-down',
            actor,
            generation: event.generation,
            endpoint: event.endpoint,
            detail: event.why,
          });
        case 'refused':
          return this.add({
            kind: 'reject',
            actor,
            generation: event.generation,
            endpoint: event.endpoint,
            detail: `guard refused: ${event.message}`,
          });
        case 'retry':
          return this.add({
            kind: 'fault',
            actor,
            detail: `retry ${event.operation} in ${event.delayMs} ms after ${event.error}`,
          });
        default:
          return undefined;
      }
    });
  }

  /** Records the legacy enactor's events. */
  watchLegacy(actor: string, enactor: LegacyEnactor): void {
    enactor.on('event', (event) => {
      switch (event.type) {
        case 'checked':
          return this.add({
            kind: 'step',
            actor,
            generation: event.generation,
            detail: `checked once: plan ${event.generation} ${event.newer ? 'is newer than' : 'is not newer than'} applied ${event.applied}`,
          });
        case 'write-accepted':
          return this.add({
            kind: 'write',
            actor,
            generation: event.generation,
            endpoint: event.endpoint,
            detail: 'plain UPSERT accepted (no fence)',
          });
        case 'write-failed':
          return this.add({
            kind: 'reject',
            actor,
            generation: event.generation,
            endpoint: event.endpoint,
            detail: event.error,
          });
        case 'inconsistent':
          return this.add({ kind: 'error', actor, generation: event.generation, detail: event.message });
        case 'records-removed':
          return this.add({
            kind: 'records-removed',
            actor,
            generation: event.generation,
            endpoint: event.endpoint,
            detail: `active plan ${event.generation} deleted: removed ${event.sets} record set(s)`,
          });
        default:
          return undefined;
      }
    });
  }
}

/**
 * The timeline as a text table. Probe observations are many (one per endpoint, path and round), so only
 * changes of result per endpoint and path are printed, with how many identical rounds were folded in.
 */
export function formatTimeline(entries: readonly TimelineEntry[]): string {
  const rows: string[][] = [['t+ms', 'actor', 'event', 'gen', 'endpoint', 'detail']];
  const lastProbe = new Map<string, string>();
  for (const entry of entries) {
    if (entry.kind === 'probe') {
      const key = `${entry.endpoint}|${entry.path}`;
      if (lastProbe.get(key) === entry.result) continue;
      lastProbe.set(key, entry.result ?? '');
      rows.push([
        String(entry.at),
        `probe/${entry.path}`,
        entry.result ?? '',
        entry.generation === undefined ? '' : String(entry.generation),
        entry.endpoint ?? '',
        entry.detail ?? '',
      ]);
      continue;
    }
    const detail = entry.kind === 'zone' ? `${entry.sets} record set(s) live` : (entry.detail ?? '');
    rows.push([
      String(entry.at),
      entry.actor,
      entry.kind,
      entry.generation === undefined ? '' : String(entry.generation),
      entry.endpoint ?? '',
      detail,
    ]);
  }
  const widths = rows[0].map((_, column) => Math.min(40, Math.max(...rows.map((row) => row[column].length))));
  return rows
    .map((row) =>
      row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  '),
    )
    .join('\n');
}
