// The per-endpoint decision: given the plan generation to apply and what is live, send a fenced batch, do
// nothing, stand down, or refuse. Pure, so every rule here is unit-tested without a network.
import type { EndpointPlan } from '../plan/schema.js';
import { endpointKey, recordSetKey, sameValues, type RecordSet } from '../route53/recordset.js';
import { applyChanges, desiredSets, fenceChanges, recordChanges, setsMatch, type Change } from './changes.js';
import { newFenceSet, type EndpointType, type Fence } from './fence.js';
import { checkEndpointResult, servesTraffic, type GuardOptions, type Refusal } from './guard.js';
import type { LiveEndpoint } from './live.js';

export interface WorkUnit {
  key: string;
  endpoint: EndpointPlan;
  generation: number;
  /** apply: move to a newer generation; repair: re-apply the fence's own generation over drifted records. */
  kind: 'apply' | 'repair';
  live: LiveEndpoint;
  recordChanges: Change[];
  /**
   * The endpoint's record sets once the batch is applied: what the guard judged, and what the zone cache
   * records for the endpoint when the batch is accepted.
   */
  after: RecordSet[];
  /** The fence this unit writes; finding it live after an error means the write landed. */
  newFence: RecordSet;
  /**
   * Fence swap, record changes and any capacity proof (see capacityProof): the unit that is never split
   * across requests.
   */
  changes: Change[];
}

export type Decision =
  | { action: 'send'; unit: WorkUnit }
  | { action: 'in-sync'; liveGeneration: number }
  | { action: 'stand-down'; liveGeneration: number; why: string }
  | { action: 'refuse'; refusal: Refusal; unit: WorkUnit };

export interface DecideInput {
  endpoint: EndpointPlan;
  generation: number;
  live: LiveEndpoint;
  writer: string;
  guard: GuardOptions;
  /** After a rejected batch: the fence read before it. If the fence has moved to >= generation, someone else did the job. */
  previousFence?: Fence;
}

export function decide(input: DecideInput): Decision {
  const { endpoint, generation, live } = input;
  const liveGeneration = live.fence?.generation ?? 0;
  if (liveGeneration > generation) {
    return { action: 'stand-down', liveGeneration, why: `live fence is at generation ${liveGeneration}, newer than ${generation}` };
  }
  const moved = input.previousFence !== undefined && live.fence !== undefined && !sameValues(input.previousFence.set.values, live.fence.set.values);
  if (moved && liveGeneration >= generation) {
    return { action: 'stand-down', liveGeneration, why: `another writer moved the fence to generation ${liveGeneration} meanwhile` };
  }
  const desired = desiredSets(endpoint);
  if (liveGeneration === generation && setsMatch(live.sets, desired)) return { action: 'in-sync', liveGeneration };

  const records = recordChanges(live.sets, desired);
  const after = applyChanges(live.sets, records);
  const newFence = newFenceSet(endpoint.name, endpoint.type as EndpointType, generation, input.writer);
  const unit: WorkUnit = {
    key: endpointKey(endpoint.name, endpoint.type),
    endpoint,
    generation,
    kind: liveGeneration === generation ? 'repair' : 'apply',
    live,
    recordChanges: records,
    after,
    newFence,
    changes: [...fenceChanges(live.fence, newFence), ...records, ...(input.guard.proveCapacity ? capacityProof(live.sets, records, input.guard.minCapacity) : [])],
  };
  const refusal = checkEndpointResult(unit.key, after, input.guard);
  return refusal ? { action: 'refuse', refusal, unit } : { action: 'send', unit };
}

/**
 * Kept serving sets the batch re-asserts (DELETE + CREATE of their exact live values) so that the batch
 * itself proves the endpoint keeps serving, whatever this enactor read.
 *
 * Why: the guard judges the sets as they were read, and a zone listing is not a snapshot. An endpoint's
 * records are listed before its fence (a child name), so another writer's batch can land between the two
 * reads: the fence reads current, the swap passes, but the records are from before. A set we keep is named
 * nowhere in the batch, so nothing checks that it still exists, and deleting the others could empty the
 * endpoint (the October 2025 end state). A CREATE that is accepted is there after the batch, though; so when
 * a batch deletes records and its own creates do not add the minimum serving capacity, the smallest kept
 * serving sets are re-asserted, and Route53 rejects the whole batch if one of them is gone. A batch that
 * deletes nothing cannot empty anything and carries no proof (a fence-only move stays 2 elements). Not part
 * of recordChanges: they change nothing, so they do not count toward the change share.
 */
function capacityProof(live: readonly RecordSet[], records: readonly Change[], minCapacity: number): Change[] {
  if (!records.some((change) => change.action === 'DELETE')) return [];
  const needed = Math.max(1, minCapacity);
  let proven = records.filter((change) => change.action === 'CREATE' && servesTraffic(change.set)).reduce((sum, change) => sum + change.set.values.length, 0);
  if (proven >= needed) return [];
  const touched = new Set(records.map((change) => recordSetKey(change.set)));
  const kept = live.filter((set) => servesTraffic(set) && !touched.has(recordSetKey(set))).sort((a, b) => a.values.length - b.values.length);
  const proof: Change[] = [];
  for (const set of kept) {
    if (proven >= needed) break;
    proof.push({ action: 'DELETE', set }, { action: 'CREATE', set });
    proven += set.values.length;
  }
  return proof;
}

/**
 * Live record sets a unit replaces or removes: the numerator of the change-share guard. As in octoDNS, only
 * updates and deletes count; creating sets that do not exist yet (a first rollout, refilling an emptied
 * endpoint) takes nothing away from anyone.
 */
export function touchedSets(unit: WorkUnit): number {
  return unit.recordChanges.filter((change) => change.action === 'DELETE').length;
}
