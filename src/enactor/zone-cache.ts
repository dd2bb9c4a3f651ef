// The enactor's zone view kept between passes, so that a pass after a new plan starts sending batches at once
// instead of first listing the whole zone (6,000 record sets are 21 pages: most of a pass's start-up).
//
// Why a stale view is safe here: every batch DELETEs the exact fence (and the exact record values) this view
// says are live. If the view is wrong about an endpoint (another enactor moved its fence, an operator edited a
// set we delete), Route53 rejects the whole batch and nothing is written; the enactor then re-reads those
// endpoints and decides again, and the cache is dropped so the next pass reads the zone whole. A stale view can
// therefore cost a rejected request, never a wrong write. That is the compare-and-swap at work: without the
// exact DELETE (moto, or a plain UPSERT design) caching the view would let a delayed enactor overwrite a newer
// plan, which is the October 2025 failure.
//
// What a cached view cannot see is a change that no batch of ours would collide with: an operator emptying an
// endpoint we consider in sync (we send nothing, so nothing is rejected). Self-repair of such drift waits for
// the next full read, taken every `fullReadEveryMs` (and after any rejection, failure or failed pass).
import type { Change } from './changes.js';
import type { WorkUnit } from './decide.js';
import { parseFence } from './fence.js';
import type { ZoneView } from './live.js';

/** Full zone reads at least this often by default: drift nobody collides with is repaired within it. */
export const DEFAULT_FULL_READ_EVERY_MS = 30_000;

export class ZoneViewCache {
  private cached: { zoneId: string; view: ZoneView; readAt: number } | undefined;

  /** `fullReadEveryMs` 0 reads the whole zone on every pass (no caching). */
  constructor(
    private readonly fullReadEveryMs: number,
    private readonly readZone: (zoneId: string) => Promise<ZoneView>,
  ) {}

  /** The cached view when it is recent and trusted; otherwise a full read, which then becomes the cache. */
  async view(zoneId: string): Promise<{ view: ZoneView; cached: boolean }> {
    const cached = this.cached;
    if (cached && cached.zoneId === zoneId && performance.now() - cached.readAt < this.fullReadEveryMs) return { view: cached.view, cached: true };
    this.cached = undefined;
    const readAt = performance.now();
    const view = await this.readZone(zoneId);
    if (this.fullReadEveryMs > 0) this.cached = { zoneId, view, readAt };
    return { view, cached: false };
  }

  /**
   * Folds an accepted unit into the view: its endpoint now holds exactly what the batch wrote. The entry is
   * replaced, not mutated, because decided units still refer to the live state they were decided on.
   */
  accepted(zoneId: string, unit: WorkUnit): void {
    const cached = this.cached;
    if (!cached || cached.zoneId !== zoneId) return;
    cached.view.endpoints.set(unit.key, { sets: unit.after, fence: parseFence(unit.newFence) });
    cached.view.contentSets += count(unit.recordChanges, 'CREATE') - count(unit.recordChanges, 'DELETE');
  }

  /** After a rejection, a failure of unknown outcome or a failed pass: the next pass reads the zone whole. */
  invalidate(): void {
    this.cached = undefined;
  }
}

function count(changes: readonly Change[], action: Change['action']): number {
  return changes.filter((change) => change.action === action).length;
}
