// Cleanup of old plan generations. In October 2025 a cleanup deleted the plan that had just become live. Here
// the live generations are read from the fences at cleanup time, only generations below the lowest of them
// (minus a retention) are candidates, and every delete passes the live set to the store, which refuses a live
// generation on its own. Fences only move forward, so a fence moving during cleanup can only make the
// computed bound more conservative, never less.
//
// The bound is the lowest fence of the endpoints the newest plan still has. An endpoint dropped from the plans
// keeps its last fence forever (enactors leave it alone), so counting it would stop cleanup for good; its
// exact generation stays protected as live all the same, and no enactor reads any plan below the newest one
// for an endpoint the newest plan does not have.
import type { PlanStore } from '../plan/store.js';
import type { Route53Client } from '@aws-sdk/client-route-53';
import { endpointKey } from '../route53/recordset.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { counter } from '../telemetry/metrics.js';
import { readZoneView, type ZoneView } from './live.js';

const deletedTotal = counter('dnsplane_cleanup_plans_deleted_total', 'Plan generations deleted by cleanup');

export interface CleanupOptions {
  store: PlanStore;
  /** Plain or rate-limited (Route53Caller.asClient()). */
  client: Route53Client;
  zoneId: string;
  /** Generations kept below the lowest live one (default 2), for rollback. */
  retention?: number;
  dryRun?: boolean;
  logger?: Logger;
}

export interface CleanupResult {
  /** Generations that some fence points at, read at cleanup time. */
  live: number[];
  /** Everything below this is deleted (undefined: nothing is live yet, so nothing is deleted). */
  deleteBelow?: number;
  deleted: number[];
  kept: number[];
}

export async function cleanupPlans(options: CleanupOptions): Promise<CleanupResult> {
  const log = options.logger ?? createLogger('cleanup');
  const retention = options.retention ?? 2;
  if (!Number.isInteger(retention) || retention < 0) throw new Error(`cleanup retention must be a non-negative integer, got ${retention}`);
  const view = await readZoneView(options.client, options.zoneId);
  const live = new Set<number>();
  for (const endpoint of view.endpoints.values()) {
    if (endpoint.fence && endpoint.fence.generation > 0) live.add(endpoint.fence.generation);
  }
  const stored = await options.store.list();
  const result: CleanupResult = { live: [...live].sort((a, b) => a - b), deleted: [], kept: [] };
  if (live.size === 0) {
    log.info({ store: options.store.location }, 'no fence in the zone points at any generation; deleting nothing');
    return { ...result, kept: stored };
  }
  const newest = stored.length > 0 ? Math.max(...stored) : undefined;
  const deleteBelow = (await lowestPlannedFence(options.store, newest, view)) - retention;
  result.deleteBelow = deleteBelow;
  for (const generation of stored) {
    // The newest plan is what enactors are about to apply: never a candidate, whatever the fences say.
    if (generation >= deleteBelow || live.has(generation) || generation === newest) {
      result.kept.push(generation);
      continue;
    }
    if (!options.dryRun) {
      await options.store.delete(generation, { live });
      deletedTotal.inc();
    }
    result.deleted.push(generation);
  }
  log.info({ live: result.live, deleteBelow, deleted: result.deleted, dryRun: options.dryRun ?? false }, 'plan cleanup');
  return result;
}

/** The lowest fence generation among the newest plan's endpoints; every fence's lowest when none of them has one. */
async function lowestPlannedFence(store: PlanStore, newest: number | undefined, view: ZoneView): Promise<number> {
  const plan = newest === undefined ? undefined : await store.read(newest);
  const planned = new Set(plan?.endpoints.map((endpoint) => endpointKey(endpoint.name, endpoint.type)));
  const fenced = [...view.endpoints].filter(([, endpoint]) => (endpoint.fence?.generation ?? 0) > 0);
  const bounding = fenced.filter(([key]) => planned.has(key));
  return Math.min(...(bounding.length > 0 ? bounding : fenced).map(([, endpoint]) => endpoint.fence!.generation));
}
