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
import { changeCost, type RequestLimits } from '../route53/change-batch.js';
import type { Change } from './changes.js';
import type { ShardUnit } from './decide.js';
import { newShardFenceSet, parseShardFence, shardDigest } from './shard-fence.js';

/** A chain, or the endpoint whose changes alone do not fit one request beside a fence swap (refused too-large). */
export type ChainResult =
  { ok: true; segments: ShardUnit[] } | { ok: false; endpoint: string; elements: number; chars: number };

/**
 * Splits an oversized unit into a chain of units, or names the endpoint whose changes alone exceed a request.
 * `target` is the plan of unit.generation; `writer` signs the intermediate fences.
 */
export function chainUnit(
  unit: ShardUnit,
  target: Plan,
  zone: string,
  writer: string,
  limits: RequestLimits,
): ChainResult {
  // Endpoint changes grouped by key, in the unit's order; other TXT changes (v1 fence removals) on their own.
  const fenceName = unit.newFence.name;
  const groups: Array<{ key?: string; changes: Change[] }> = [];
  const byKey = new Map<string, { key?: string; changes: Change[] }>();
  for (const change of unit.changes) {
    if (change.set.type === 'TXT') {
      if (change.set.name !== fenceName) groups.push({ changes: [change] });
      continue;
    }
    const key = endpointKey(change.set.name, change.set.type);
    let group = byKey.get(key);
    if (!group) {
      byKey.set(key, (group = { key, changes: [] }));
      groups.push(group);
    }
    group.changes.push(change);
  }
  // Room for the fence swap: the fence read, and a new one whose x= could list every endpoint of the chain.
  const widest = newShardFenceSet(unit.shard, zone, {
    generation: unit.generation,
    digest: '0'.repeat(12),
    writer,
    excluded: [...new Set([...unit.excluded, ...byKey.keys()])],
  });
  const swap = changeCost([
    ...(unit.liveFence ? [{ action: 'DELETE' as const, set: unit.liveFence.set }] : []),
    { action: 'CREATE', set: widest },
  ]);
  const room = { elements: limits.elements - swap.elements, chars: limits.chars - swap.chars };
  const segments: Array<Array<{ key?: string; changes: Change[] }>> = [];
  let used = { elements: 0, chars: 0 };
  for (const group of groups) {
    const cost = changeCost(group.changes);
    if (cost.elements > room.elements || cost.chars > room.chars)
      return { ok: false, endpoint: group.key ?? group.changes[0].set.name, ...cost };
    const last = segments.at(-1);
    if (last && used.elements + cost.elements <= room.elements && used.chars + cost.chars <= room.chars) {
      last.push(group);
      used = { elements: used.elements + cost.elements, chars: used.chars + cost.chars };
    } else {
      segments.push([group]);
      used = cost;
    }
  }
  const keysOf = (segment: Array<{ key?: string }>) => segment.flatMap((group) => (group.key ? [group.key] : []));
  const units: ShardUnit[] = [];
  for (const [j, segment] of segments.entries()) {
    const keys = keysOf(segment);
    const last = j === segments.length - 1;
    const pending = segments.slice(j + 1).flatMap(keysOf);
    const excluded = [...new Set([...unit.excluded, ...pending])].sort();
    const newFence = last
      ? unit.newFence
      : newShardFenceSet(unit.shard, zone, {
          generation: unit.generation,
          digest: shardDigest(target, unit.shard, excluded),
          writer,
          excluded,
        });
    const liveFence = j === 0 ? unit.liveFence : parseShardFence(unit.shard, units[j - 1].newFence);
    const inSegment = new Set(keys);
    units.push({
      ...unit,
      liveFence,
      newFence,
      excluded: last ? unit.excluded : excluded,
      // The last segment also stands for the endpoints the unit moves without changing them.
      endpoints: last ? unit.endpoints.filter((key) => inSegment.has(key) || !byKey.has(key)) : keys,
      changed: unit.changed.filter((key) => inSegment.has(key)),
      recordChanges: unit.recordChanges.filter((change) =>
        inSegment.has(endpointKey(change.set.name, change.set.type)),
      ),
      changes: [
        ...(liveFence ? [{ action: 'DELETE' as const, set: liveFence.set }] : []),
        { action: 'CREATE' as const, set: newFence },
        ...segment.flatMap((group) => group.changes),
      ],
    });
  }
  return { ok: true, segments: units };
}
