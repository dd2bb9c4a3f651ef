// From "what is live" and "what the plan says" to the exact list of changes of one fenced batch.
//
// A changed set is sent as DELETE (with its exact live values) + CREATE rather than UPSERT: both cost the same
// against Route53's limits (UPSERT counts twice), but the DELETE also fails if someone edited that set since
// we read it, so the compare-and-swap covers the records as well as the fence.
import type { Change as SdkChange } from '@aws-sdk/client-route-53';
import type { ChangeAction } from '../route53/change-batch.js';
import { recordSetKey, sameRecordSet, toSdkRecordSet, type RecordSet } from '../route53/recordset.js';
import type { Fence } from './fence.js';

export interface Change {
  action: ChangeAction;
  set: RecordSet;
}

// An endpoint plan's record sets are the plan's (plan/shards.ts); the enactor's changes start from them.
export { desiredSets } from '../plan/shards.js';

/** True when the live sets are exactly the desired ones (order of sets and values aside). */
export function setsMatch(live: readonly RecordSet[], desired: readonly RecordSet[]): boolean {
  if (live.length !== desired.length) return false;
  // Listings come back in (name, type, SetIdentifier) order, the order plans keep their sets in, so the two
  // usually pair up one to one and need no index (as sameValues does for values). Every pass checks every
  // endpoint, so pairing first is an order of magnitude cheaper (BENCHMARKS.md, measurements in the code).
  if (live.every((set, i) => sameRecordSet(set, desired[i]))) return true;
  const byKey = new Map(live.map((set) => [recordSetKey(set), set]));
  return desired.every((set) => {
    const current = byKey.get(recordSetKey(set));
    return current !== undefined && sameRecordSet(current, set);
  });
}

/** Record changes that turn `live` into `desired`; untouched sets are left out. */
export function recordChanges(live: readonly RecordSet[], desired: readonly RecordSet[]): Change[] {
  const wanted = new Map(desired.map((set) => [recordSetKey(set), set]));
  const deletes: Change[] = [];
  const creates: Change[] = [];
  for (const current of live) {
    const target = wanted.get(recordSetKey(current));
    if (target && sameRecordSet(current, target)) continue;
    deletes.push({ action: 'DELETE', set: current });
  }
  const liveByKey = new Map(live.map((set) => [recordSetKey(set), set]));
  for (const target of desired) {
    const current = liveByKey.get(recordSetKey(target));
    if (current && sameRecordSet(current, target)) continue;
    creates.push({ action: 'CREATE', set: target });
  }
  // Deletions first: a legacy simple set must be gone before weighted sets of the same name may exist.
  return [...deletes, ...creates];
}

/** The fence swap: DELETE the exact fence read (or nothing if there was none) and CREATE the new one. */
export function fenceChanges(current: Fence | undefined, next: RecordSet): Change[] {
  return current
    ? [
        { action: 'DELETE', set: current.set },
        { action: 'CREATE', set: next },
      ]
    : [{ action: 'CREATE', set: next }];
}

/**
 * What the sets would be after the changes, computed the way Route53 validates them. Used by the guard so
 * that it judges the batch actually being sent, not the plan's intent.
 */
export function applyChanges(live: readonly RecordSet[], changes: readonly Change[]): RecordSet[] {
  const result = new Map(live.map((set) => [recordSetKey(set), set]));
  for (const change of changes) {
    const key = recordSetKey(change.set);
    const current = result.get(key);
    if (change.action === 'DELETE') {
      if (!current || !sameRecordSet(current, change.set))
        throw new Error(`DELETE of ${key} does not match the live set`);
      result.delete(key);
    } else if (change.action === 'CREATE') {
      if (current) throw new Error(`CREATE of ${key} but it already exists`);
      result.set(key, change.set);
    } else {
      result.set(key, change.set);
    }
  }
  return [...result.values()];
}

export function toSdkChanges(changes: readonly Change[]): SdkChange[] {
  return changes.map((change) => ({ Action: change.action, ResourceRecordSet: toSdkRecordSet(change.set) }));
}

/** A change in audit-log form: short and greppable. */
export function describeChange(change: Change): string {
  const { set } = change;
  const id = set.setIdentifier !== undefined ? ` id=${set.setIdentifier} w=${set.weight}` : '';
  return `${change.action} ${set.name} ${set.type}${id} ttl=${set.ttl} [${set.values.join(' ')}]`;
}
