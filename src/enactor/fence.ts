// The fence: one TXT record set per endpoint (name and type) that says which plan generation was last applied
// to it, and by whom. Writers change an endpoint only in a batch that DELETEs the exact fence they read and
// CREATEs their own; Route53 rejects the whole batch if the fence moved meanwhile (compare-and-swap).
//
// Name: `_dnsplane-<type>.<endpoint>`, e.g. `_dnsplane-a.api.example.com.`, so that the A and AAAA endpoints of
// one name have independent fences and never conflict with each other.
// Value: `"dnsplane gen=G writer=ID nonce=N"`. The random nonce makes every fence write unique, so that
// re-applying the same generation (self-repair) still changes the value and still detects a concurrent writer.
import { randomUUID } from 'node:crypto';
import { normalizeName, sameValues, type RecordSet, type RecordType } from '../route53/recordset.js';

export const FENCE_TTL = 60;
const FENCE_LABEL = /^_dnsplane-(a|aaaa)\.(.+)$/;
const GENERATION = /\bgen=(\d+)\b/;
const WRITER = /\bwriter=(\S+?)"?(?:\s|$)/;

export type EndpointType = Extract<RecordType, 'A' | 'AAAA'>;

export interface Fence {
  /** The generation last applied; 0 when the fence's value cannot be read (treated as older than any plan). */
  generation: number;
  writer?: string;
  /** The fence exactly as read, for the DELETE that makes the swap conditional. */
  set: RecordSet;
}

export function fenceName(endpointName: string, type: EndpointType): string {
  return `_dnsplane-${type.toLowerCase()}.${normalizeName(endpointName)}`;
}

/** The endpoint a fence record guards, or undefined when the name is not a fence. */
export function endpointOfFence(name: string): { name: string; type: EndpointType } | undefined {
  const match = FENCE_LABEL.exec(normalizeName(name));
  if (!match) return undefined;
  return { name: match[2], type: match[1].toUpperCase() as EndpointType };
}

/** Reads a fence; with several values (a hand-made fence) the highest generation counts. */
export function parseFence(set: RecordSet): Fence {
  let generation = 0;
  let writer: string | undefined;
  for (const value of set.values) {
    const gen = GENERATION.exec(value);
    if (gen && Number(gen[1]) >= generation) {
      generation = Number(gen[1]);
      writer = WRITER.exec(value)?.[1];
    }
  }
  return { generation, writer, set };
}

/** Whether two reads show the same fence value (both without a fence counts as the same). */
export function sameFenceValues(a: Fence | undefined, b: Fence | undefined): boolean {
  return a === undefined || b === undefined ? a === b : sameValues(a.set.values, b.set.values);
}

export function newFenceSet(endpointName: string, type: EndpointType, generation: number, writer: string): RecordSet {
  if (!Number.isSafeInteger(generation) || generation < 1) throw new Error(`fence generation must be a positive integer, got ${generation}`);
  const safeWriter = writer.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'unknown';
  // 48 random bits: the first 12 hex digits of a v4 UUID (its version digit comes after them). randomUUID
  // draws from a cached entropy pool; a randomBytes call per fence cost ~12 µs, 12 ms per 1,000 endpoints.
  const uuid = randomUUID();
  const nonce = uuid.slice(0, 8) + uuid.slice(9, 13);
  return {
    name: fenceName(endpointName, type),
    type: 'TXT',
    ttl: FENCE_TTL,
    values: [`"dnsplane gen=${generation} writer=${safeWriter} nonce=${nonce}"`],
  };
}
