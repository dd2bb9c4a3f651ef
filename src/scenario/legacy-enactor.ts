// The LEGACY enactor: the design that failed in October 2025, reproduced on purpose so that the race can be
// shown and the safe design compared with it under the same timing. Do not use it for anything else.
//
// What it does, as the seeds describe it:
//   1. reads the latest plan and checks ONCE, before starting, that it is newer than the plan applied;
//   2. applies it endpoint by endpoint with plain UPSERTs and no fence, recording "plan G applied" in a
//      marker record per endpoint, so a write that was delayed lands whatever happened meanwhile (sets that
//      leave the plan are not removed: the plans of this reproduction keep their set identifiers);
//   3. after applying, cleans up plans "many generations older" than the one it just applied, without
//      asking which plans are live (it passes an empty live set to PlanStore.delete), and removes the records
//      of any endpoint whose active plan it deleted;
//   4. before applying, checks that every endpoint's active plan still exists; once cleanup has deleted an
//      active plan, that check fails forever and no legacy enactor applies anything again.
import type { Route53Port } from '../route53/port.js';
import { EventEmitter } from 'node:events';
import type { Change } from '../enactor/changes.js';
import { desiredSets, toSdkChanges } from '../enactor/changes.js';
import type { EndpointPlan, Plan } from '../plan/schema.js';
import type { PlanStore } from '../plan/store.js';
import { Route53Caller, type RetryPolicy } from '../route53/caller.js';
import { describeError } from '../route53/errors.js';
import { listRecordSets } from '../route53/paging.js';
import { endpointKey, normalizeName, type RecordSet } from '../route53/recordset.js';

const MARKER = /^_legacy-plan-(a|aaaa)\.(.+)$/;
const MARKER_VALUE = /\bplan=(\d+)\b/;

export function markerName(endpointName: string, type: string): string {
  return `_legacy-plan-${type.toLowerCase()}.${normalizeName(endpointName)}`;
}

export type LegacyEvent =
  | { type: 'checked'; enactor: string; generation: number; applied: number; newer: boolean }
  | { type: 'write-sent' | 'write-accepted'; enactor: string; generation: number; endpoint: string }
  | { type: 'write-failed'; enactor: string; generation: number; endpoint: string; error: string }
  | { type: 'inconsistent'; enactor: string; generation: number; message: string }
  | { type: 'plan-deleted'; enactor: string; generation: number }
  | { type: 'records-removed'; enactor: string; generation: number; endpoint: string; sets: number };

/** The state after cleanup deleted an active plan: the legacy enactors refuse to go on, as in the seeds. */
export class LegacyInconsistentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LegacyInconsistentError';
  }
}

export interface LegacyEnactorOptions {
  id: string;
  store: PlanStore;
  /** Created with maxAttempts: 1; retries are the caller's (the same jittered retries as the safe enactor). */
  client: Route53Port;
  zoneId: string;
  /** After applying generation G, delete plans older than G - retention. Off when undefined. */
  cleanupRetention?: number;
  retry?: Partial<RetryPolicy>;
}

export interface LegacyEndpoint {
  key: string;
  name: string;
  type: string;
  sets: RecordSet[];
  /** The plan generation the marker says is applied (0: none). */
  applied: number;
}

/** Groups a zone listing per endpoint with its legacy marker. */
export function groupLegacy(sets: readonly RecordSet[]): Map<string, LegacyEndpoint> {
  const endpoints = new Map<string, LegacyEndpoint>();
  const slot = (name: string, type: string) => {
    const key = endpointKey(name, type);
    let entry = endpoints.get(key);
    if (!entry) endpoints.set(key, (entry = { key, name, type, sets: [], applied: 0 }));
    return entry;
  };
  for (const set of sets) {
    const marker = set.type === 'TXT' ? MARKER.exec(set.name) : null;
    if (marker) {
      const generation = Number(MARKER_VALUE.exec(set.values.join(' '))?.[1] ?? 0);
      slot(marker[2], marker[1].toUpperCase()).applied = generation;
    } else if (set.type === 'A' || set.type === 'AAAA') {
      slot(set.name, set.type).sets.push(set);
    }
  }
  return endpoints;
}

/** Reads the zone grouped per endpoint with its legacy marker. */
export async function readLegacyZone(client: Route53Port, zoneId: string): Promise<Map<string, LegacyEndpoint>> {
  return groupLegacy(await listRecordSets(client, zoneId));
}

export class LegacyEnactor extends EventEmitter<{ event: [LegacyEvent] }> {
  readonly id: string;
  private readonly caller: Route53Caller;

  constructor(private readonly options: LegacyEnactorOptions) {
    super();
    this.id = options.id;
    this.caller = new Route53Caller(options.client, { policy: options.retry });
  }

  /** One pass. Throws LegacyInconsistentError once an active plan has been deleted. */
  async runOnce(): Promise<{ generation?: number; applied: string[] }> {
    const plan = await this.options.store.latest();
    if (!plan) return { applied: [] };
    const zone = await readLegacyZone(this.caller, this.options.zoneId);
    await this.checkConsistency(zone, plan.generation);
    // The check that is done once, up front, and never again: by the time the writes land it may be stale.
    const applied = Math.max(0, ...[...zone.values()].map((endpoint) => endpoint.applied));
    const newer = plan.generation > applied;
    this.emit('event', { type: 'checked', enactor: this.id, generation: plan.generation, applied, newer });
    if (!newer) return { generation: plan.generation, applied: [] };

    const done: string[] = [];
    for (const endpoint of plan.endpoints) {
      await this.applyEndpoint(plan, endpoint);
      done.push(endpointKey(endpoint.name, endpoint.type));
    }
    if (this.options.cleanupRetention !== undefined) {
      await legacyCleanup({
        ...this.options,
        client: this.caller,
        newest: plan.generation,
        retention: this.options.cleanupRetention,
        emit: (event) => this.emit('event', event),
      });
    }
    return { generation: plan.generation, applied: done };
  }

  private async checkConsistency(zone: Map<string, LegacyEndpoint>, generation: number): Promise<void> {
    for (const endpoint of zone.values()) {
      if (endpoint.applied === 0 || (await this.options.store.read(endpoint.applied))) continue;
      const message = `${endpoint.key} is on plan ${endpoint.applied}, which no longer exists; state is inconsistent, refusing to apply`;
      this.emit('event', { type: 'inconsistent', enactor: this.id, generation, message });
      throw new LegacyInconsistentError(message);
    }
  }

  /** Plain UPSERTs of the planned sets and the marker, one request per endpoint. No fence, no re-check. */
  private async applyEndpoint(plan: Plan, endpoint: EndpointPlan): Promise<void> {
    const key = endpointKey(endpoint.name, endpoint.type);
    const changes: Change[] = [
      ...desiredSets(endpoint).map((set): Change => ({ action: 'UPSERT', set })),
      {
        action: 'UPSERT',
        set: {
          name: markerName(endpoint.name, endpoint.type),
          type: 'TXT',
          ttl: 60,
          values: [`"plan=${plan.generation} writer=${this.id}"`],
        },
      },
    ];
    this.emit('event', { type: 'write-sent', enactor: this.id, generation: plan.generation, endpoint: key });
    try {
      await this.caller.changeResourceRecordSets({
        HostedZoneId: this.options.zoneId,
        ChangeBatch: { Comment: `legacy ${this.id} plan ${plan.generation}`, Changes: toSdkChanges(changes) },
      });
    } catch (error) {
      this.emit('event', {
        type: 'write-failed',
        enactor: this.id,
        generation: plan.generation,
        endpoint: key,
        error: describeError(error),
      });
      throw error;
    }
    this.emit('event', { type: 'write-accepted', enactor: this.id, generation: plan.generation, endpoint: key });
  }
}

export interface LegacyCleanupOptions {
  id: string;
  store: PlanStore;
  client: Route53Port;
  zoneId: string;
  /** The generation just applied. */
  newest: number;
  retention: number;
  emit?: (event: LegacyEvent) => void;
}

/**
 * The October 2025 cleanup: deletes every plan older than newest - retention without asking what is live
 * (the store is told nothing is), then removes the records of endpoints whose active plan was deleted.
 */
export async function legacyCleanup(options: LegacyCleanupOptions): Promise<number[]> {
  const deleted: number[] = [];
  const nothingIsLive = new Set<number>(); // the bug: the live set is never read
  for (const generation of await options.store.list()) {
    if (generation >= options.newest - options.retention) continue;
    await options.store.delete(generation, { live: nothingIsLive });
    deleted.push(generation);
    options.emit?.({ type: 'plan-deleted', enactor: options.id, generation });
    await removeRecordsOfPlan(options, generation);
  }
  return deleted;
}

/** "Active plan deleted, so its records go": every endpoint whose marker names the plan loses its records. */
async function removeRecordsOfPlan(options: LegacyCleanupOptions, generation: number): Promise<void> {
  const zone = await readLegacyZone(options.client, options.zoneId);
  for (const endpoint of zone.values()) {
    if (endpoint.applied !== generation || endpoint.sets.length === 0) continue;
    const changes: Change[] = endpoint.sets.map((set) => ({ action: 'DELETE', set }));
    await options.client.changeResourceRecordSets({
      HostedZoneId: options.zoneId,
      ChangeBatch: { Comment: `legacy cleanup of plan ${generation}`, Changes: toSdkChanges(changes) },
    });
    options.emit?.({
      type: 'records-removed',
      enactor: options.id,
      generation,
      endpoint: endpoint.key,
      sets: endpoint.sets.length,
    });
  }
}
