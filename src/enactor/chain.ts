// Chains: a shard whose unit does not fit one request (1,000 elements, 32,000 value characters) is sent as a
// chain of units, each one fenced like any other. Segment j swaps the fence the previous segment wrote (the
// first: the fence the pass read) for (G, digest, x = the endpoints later segments still carry), and carries
// whole endpoints only (an endpoint's changes and its capacity proof are never split). So every intermediate
// fence still names exactly its shard's content (I3): plan G's content minus the endpoints not yet moved, which
// are listed in x= like a poisoned endpoint and read on their own by whoever meets the fence there (a chain cut
// short by a crash or a lost race is finished endpoint by endpoint, or moved on by a newer generation). A stale
// batch fails on any segment's fence, as on an unchained unit (I2, I4). Per endpoint, its one step from its live
// content to G is what the guard judged (I1, I7).
import type { Plan } from '../plan/schema.js';
import { endpointKey } from '../route53/recordset.js';
import { changeCost, type Cost, type RequestLimits } from '../route53/change-batch.js';
import { packBatches } from './batch.js';
import type { Change } from './changes.js';
import type { ShardUnit } from './decide.js';
import { newShardFenceSet, parseShardFence, shardDigest, shardOfFenceName, type ShardFence } from './shard-fence.js';

/** A chain, or the endpoint whose changes alone do not fit one request beside a fence swap (refused too-large). */
export type ChainResult =
  { ok: true; segments: ShardUnit[] } | { ok: false; endpoint: string; elements: number; chars: number };

/** A chain being sent: what its next segment starts from. Segments are cut when packed (`nextSegment`). */
export interface ChainCursor {
  readonly unit: ShardUnit;
  readonly target: Plan;
  readonly zone: string;
  readonly writer: string;
  /** Endpoint changes grouped by key (and other TXT changes alone), not yet sent. */
  readonly groups: Array<{ key?: string; changes: Change[]; cost: Cost }>;
  /** What the fence swap of any segment may take (the widest x= the chain can write). */
  readonly swap: Cost;
  /** The fence the next segment swaps: the pass's read for the head, then the one the previous segment wrote. */
  liveFence: ShardFence | undefined;
}

/** The owner id of the deployment a unit is for: its intermediate fences are that owner's too. */
const ownerOf = (unit: ShardUnit) => shardOfFenceName(unit.newFence.name)?.owner;

/** A cursor over an oversized unit's changes, or the endpoint whose changes alone exceed a request. */
export function startChain(
  unit: ShardUnit,
  target: Plan,
  zone: string,
  writer: string,
  limits: RequestLimits,
): { ok: true; cursor: ChainCursor } | { ok: false; endpoint: string; elements: number; chars: number } {
  // Endpoint changes grouped by key, in the unit's order; other TXT changes (v1 fence removals) on their own.
  const fenceName = unit.newFence.name;
  const groups: Array<{ key?: string; changes: Change[]; cost: Cost }> = [];
  const byKey = new Map<string, { key?: string; changes: Change[]; cost: Cost }>();
  for (const change of unit.changes) {
    if (change.set.type === 'TXT') {
      if (change.set.name !== fenceName) groups.push({ changes: [change], cost: NO_COST });
      continue;
    }
    const key = endpointKey(change.set.name, change.set.type);
    let group = byKey.get(key);
    if (!group) {
      byKey.set(key, (group = { key, changes: [], cost: NO_COST }));
      groups.push(group);
    }
    group.changes.push(change);
  }
  for (const group of groups) group.cost = changeCost(group.changes);
  // Room for the fence swap: the fence read, and a new one whose x= could list every endpoint of the chain.
  const widest = newShardFenceSet(unit.shard, zone, {
    generation: unit.generation,
    digest: '0'.repeat(12),
    writer,
    excluded: [...new Set([...unit.excluded, ...byKey.keys()])],
    notOwned: unit.notOwned,
    owner: ownerOf(unit),
  });
  // A segment DELETEs the fence before it (the pass's read for the head, an intermediate one after) and CREATEs
  // its own: reserve both at their widest, since segments are cut to fill a request to its last element.
  const swap = changeCost([
    ...(unit.liveFence ? [{ action: 'DELETE' as const, set: unit.liveFence.set }] : []),
    { action: 'DELETE', set: widest },
    { action: 'CREATE', set: widest },
  ]);
  for (const group of groups)
    if (!fits(add(swap, group.cost), limits))
      return { ok: false, endpoint: group.key ?? group.changes[0].set.name, ...group.cost };
  return { ok: true, cursor: { unit, target, zone, writer, groups, swap, liveFence: unit.liveFence } };
}

/**
 * The chain's next segment within `room` (whole endpoints, as many as fit beside the fence swap), or undefined
 * when not even the next endpoint fits there. Advances the cursor; `done(cursor)` says when nothing is left.
 */
export function nextSegment(cursor: ChainCursor, room: RequestLimits): ShardUnit | undefined {
  let used = cursor.swap;
  let taken = 0;
  while (taken < cursor.groups.length && fits(add(used, cursor.groups[taken].cost), room)) {
    used = add(used, cursor.groups[taken].cost);
    taken += 1;
  }
  if (taken === 0) return undefined;
  const { unit, target, zone, writer } = cursor;
  const segment = cursor.groups.splice(0, taken);
  const last = cursor.groups.length === 0;
  const keysOf = (groups: Array<{ key?: string }>) => groups.flatMap((group) => (group.key ? [group.key] : []));
  const keys = keysOf(segment);
  const excluded = [...new Set([...unit.excluded, ...keysOf(cursor.groups)])].sort();
  const newFence = last
    ? unit.newFence
    : newShardFenceSet(unit.shard, zone, {
        generation: unit.generation,
        digest: shardDigest(target, unit.shard, excluded),
        writer,
        excluded,
        notOwned: unit.notOwned,
        owner: ownerOf(unit),
      });
  const liveFence = cursor.liveFence;
  cursor.liveFence = parseShardFence(unit.shard, newFence);
  const inSegment = new Set(keys);
  // The last segment also stands for the endpoints the unit moves without changing them.
  const chained = last
    ? new Set(unit.changes.flatMap((c) => (c.set.type === 'TXT' ? [] : [endpointKey(c.set.name, c.set.type)])))
    : undefined;
  return {
    ...unit,
    liveFence,
    newFence,
    excluded: last ? unit.excluded : excluded,
    endpoints: chained ? unit.endpoints.filter((key) => inSegment.has(key) || !chained.has(key)) : keys,
    changed: unit.changed.filter((key) => inSegment.has(key)),
    recordChanges: unit.recordChanges.filter((change) => inSegment.has(endpointKey(change.set.name, change.set.type))),
    changes: [
      ...(liveFence ? [{ action: 'DELETE' as const, set: liveFence.set }] : []),
      { action: 'CREATE' as const, set: newFence },
      ...segment.flatMap((group) => group.changes),
    ],
  };
}

/** Whether every change of the chain has been cut into a segment. */
export function chainDone(cursor: ChainCursor): boolean {
  return cursor.groups.length === 0;
}

/** The whole chain at once, each segment as full as a request allows (what a lone chain sends). */
export function chainUnit(
  unit: ShardUnit,
  target: Plan,
  zone: string,
  writer: string,
  limits: RequestLimits,
): ChainResult {
  const started = startChain(unit, target, zone, writer, limits);
  if (!started.ok) return started;
  const segments: ShardUnit[] = [];
  while (!chainDone(started.cursor)) segments.push(nextSegment(started.cursor, limits)!);
  return { ok: true, segments };
}

/**
 * One round of sending: whole units first-fit, then each chain's next segment cut to fill the room a batch
 * has left (or a fresh request when none has room for its next endpoint). A chain gives at most one segment
 * per round: the next one swaps the fence this one writes, so it waits until this one is accepted. Cutting
 * segments when packing fills the requests that fixed-size segments left part-filled (each shard's chain
 * ending in a remainder): BENCHMARKS.md, "npm run bench after protocol v2".
 */
export function packRound(
  units: readonly ShardUnit[],
  chains: readonly ChainCursor[],
  limits: RequestLimits,
): { batches: ShardUnit[][]; continues: Map<ShardUnit, ChainCursor> } {
  const batches = packBatches(units, limits).batches.map((batch) => ({
    units: batch,
    cost: batch.reduce((sum, unit) => add(sum, changeCost(unit.changes)), NO_COST),
  }));
  const continues = new Map<ShardUnit, ChainCursor>();
  for (const cursor of chains) {
    let placed: ShardUnit | undefined;
    for (const batch of batches) {
      placed = nextSegment(cursor, {
        elements: limits.elements - batch.cost.elements,
        chars: limits.chars - batch.cost.chars,
      });
      if (placed) {
        batch.units.push(placed);
        batch.cost = add(batch.cost, changeCost(placed.changes));
        break;
      }
    }
    if (!placed) {
      placed = nextSegment(cursor, limits)!;
      batches.push({ units: [placed], cost: changeCost(placed.changes) });
    }
    if (!chainDone(cursor)) continues.set(placed, cursor);
  }
  return { batches: batches.map((batch) => batch.units), continues };
}

const NO_COST: Cost = { elements: 0, chars: 0 };
const add = (a: Cost, b: Cost): Cost => ({ elements: a.elements + b.elements, chars: a.chars + b.chars });
const fits = (cost: Cost, limits: RequestLimits) => cost.elements <= limits.elements && cost.chars <= limits.chars;
