// The record-set model shared by every part of dnsplane: the enactor writes it, the authority stores and
// serves it, the probe compares answers with it. It mirrors Route53's ResourceRecordSet, in camelCase.
import type { ResourceRecordSet, RRType } from '@aws-sdk/client-route-53';

export const RECORD_TYPES = ['SOA', 'NS', 'A', 'AAAA', 'CNAME', 'TXT', 'MX', 'SRV', 'PTR', 'CAA'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export interface RecordSet {
  /** Fully qualified, lower-case, with the trailing dot (see normalizeName). */
  name: string;
  type: RecordType;
  ttl: number;
  /** Present exactly when the set belongs to a weighted group. */
  setIdentifier?: string;
  weight?: number;
  /** Values in Route53's presentation form (TXT values keep their quotes). */
  values: string[];
}

/**
 * Route53 treats names case-insensitively and with or without the final dot; we keep one canonical form. It
 * lists a wildcard label as the octal escape `\052` and accepts either spelling, so `\052` becomes `*` here.
 */
export function normalizeName(name: string): string {
  const lower = name.trim().toLowerCase().replaceAll('\\052', '*');
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** A stored name as Route53 lists it: `*` escaped as `\052` (ListResourceRecordSets, NextRecordName). */
export function listedName(name: string): string {
  return name.replaceAll('*', '\\052');
}

/**
 * "name TYPE": the key of an endpoint (every record set of one name and type) everywhere in dnsplane — the
 * enactor's view and audit, the probe's timeline and status file, plan diffs, metrics labels.
 */
export function endpointKey(name: string, type: string): string {
  return `${normalizeName(name)} ${type}`;
}

/** The identity of a record set in Route53: name, type and SetIdentifier. */
export function recordSetKey(set: Pick<RecordSet, 'name' | 'type' | 'setIdentifier'>): string {
  return `${normalizeName(set.name)}|${set.type}|${set.setIdentifier ?? ''}`;
}

/**
 * Exact equality as Route53's DELETE demands it: TTL, weight, identifier and every value.
 * Value order does not matter to Route53, so it does not matter here.
 */
export function sameRecordSet(a: RecordSet, b: RecordSet): boolean {
  if (a.ttl !== b.ttl || a.weight !== b.weight) return false;
  // Identical spelling is the common case (sets read back from the zone); only other spellings need normalizing.
  const sameIdentity = (a.name === b.name && a.type === b.type && a.setIdentifier === b.setIdentifier) || recordSetKey(a) === recordSetKey(b);
  return sameIdentity && sameValues(a.values, b.values);
}

/** The same values in any order: Route53 keeps a set's values unordered. */
export function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  // Most sets hold one value, or come back in the order they were written: no sorting needed then.
  if (a.every((value, i) => value === b[i])) return true;
  const left = [...a].sort();
  const right = [...b].sort();
  return left.every((value, i) => value === right[i]);
}

export function toSdkRecordSet(set: RecordSet): ResourceRecordSet {
  return {
    Name: set.name,
    Type: set.type as RRType,
    TTL: set.ttl,
    ...(set.setIdentifier !== undefined ? { SetIdentifier: set.setIdentifier, Weight: set.weight } : {}),
    ResourceRecords: set.values.map((Value) => ({ Value })),
  };
}

export function fromSdkRecordSet(set: ResourceRecordSet): RecordSet {
  if (!set.Name || !set.Type) throw new Error('record set without Name or Type');
  if (!(RECORD_TYPES as readonly string[]).includes(set.Type)) throw new Error(`unsupported record type ${set.Type}`);
  return {
    name: normalizeName(set.Name),
    type: set.Type as RecordType,
    ttl: set.TTL ?? 0,
    ...(set.SetIdentifier !== undefined ? { setIdentifier: set.SetIdentifier, weight: set.Weight ?? 0 } : {}),
    values: (set.ResourceRecords ?? []).map((record) => record.Value ?? ''),
  };
}
