// Cleanup of old plan generations (I5: fences name stored plans). In October 2025 a cleanup deleted the plan
// that had just become live. Here the live generations are read from the shard fences at cleanup time, only
// generations below the lowest of them (minus a retention) are candidates, and every delete passes the live
// set to the store, which refuses a live generation on its own. Fences only move forward, so a fence moving
// during cleanup can only make the computed bound more conservative, never less. Every generation moves every
// shard fence, so the lowest fence is the generation a slow shard still needs (content or velocity walk).
import type { Route53Port } from '../route53/port.js';
import type { PlanStore } from '../plan/store.js';
import { hostedZoneName } from '../route53/listing.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { counter } from '../telemetry/metrics.js';
import { readShardFences } from './shard-fence.js';

const deletedTotal = counter('dnsplane_cleanup_plans_deleted_total', 'Plan generations deleted by cleanup');

export interface CleanupOptions {
  store: PlanStore;
  /** Any port; a Route53Caller to share the rate limit and the retry budget. */
  client: Route53Port;
  zoneId: string;
  /** The zone's name, when known (else read from Route53). */
  zone?: string;
  /** Generations kept below the lowest live one (default 2), for rollback. */
  retention?: number;
  dryRun?: boolean;
  logger?: Logger;
  /** Whose shard fences name the live generations (default: the default owner). */
  ownerId?: string;
}

export interface CleanupResult {
  /** Generations that some shard fence points at, read at cleanup time. */
  live: number[];
  /** Everything below this is deleted (undefined: nothing is live yet, so nothing is deleted). */
  deleteBelow?: number;
  deleted: number[];
  kept: number[];
}

export async function cleanupPlans(options: CleanupOptions): Promise<CleanupResult> {
  const log = options.logger ?? createLogger('cleanup');
  const retention = options.retention ?? 2;
  if (!Number.isInteger(retention) || retention < 0)
    throw new Error(`cleanup retention must be a non-negative integer, got ${retention}`);
  const zone = options.zone ?? (await hostedZoneName(options.client, options.zoneId));
  const fences = await readShardFences(options.client, options.zoneId, zone, options.ownerId);
  const live = new Set<number>();
  for (const fence of fences.values()) if (fence && fence.generation > 0) live.add(fence.generation);
  const stored = await options.store.list();
  const result: CleanupResult = { live: [...live].sort((a, b) => a - b), deleted: [], kept: [] };
  // A shard without a fence (or with one nobody can read) is not yet on any plan: nothing is safe to delete then.
  const unfenced = [...fences.values()].some((fence) => !fence || fence.generation === 0);
  if (live.size === 0 || unfenced) {
    log.info(
      { store: options.store.location, live: result.live },
      'not every shard fence points at a generation; deleting nothing',
    );
    return { ...result, kept: stored };
  }
  const newest = stored.length > 0 ? Math.max(...stored) : undefined;
  const deleteBelow = Math.min(...live) - retention;
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
  log.info(
    { live: result.live, deleteBelow, deleted: result.deleted, dryRun: options.dryRun ?? false },
    'plan cleanup',
  );
  return result;
}
