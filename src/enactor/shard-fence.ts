// Shard fences (protocol v2). The zone's endpoints fall into SHARDS fixed shards by a hash of their key; each
// shard has ONE fence, a TXT record at `s<iii>._dnsplane.<zone>`, saying which plan generation the shard's
// content comes from (g), a digest of exactly that content (d), who wrote it (w), a random nonce (n), and the
// endpoints left out of it because Route53 refuses their changes (x, see "poison" in the enactor), and the
// record sets at its managed names that dnsplane did not write (f, see notOwned).
//
// Every batch that writes a shard's records DELETEs the exact fence it read and CREATEs the next one: Route53
// rejects the whole batch if the fence moved meanwhile (compare-and-swap). Because the content a fence names is
// fully determined by (plan g, its digest, x), a reader that reads the fences knows every shard's content
// without listing a record. All fences sort contiguously under `_dnsplane.<zone>` in Route53's listing order
// (names compare label by label from the right), so one ListResourceRecordSets page reads all of them.
import type { Route53Port } from '../route53/port.js';
import { randomUUID } from 'node:crypto';
import { listRecordSets } from '../route53/paging.js';
import { fnv1a32, SHARDS } from '../plan/shards.js';
import { normalizeName, type RecordSet } from '../route53/recordset.js';

// The shards themselves (which endpoint falls where, a shard's digest) are the plan's: plan/shards.ts.
export {
  contentDigest,
  EMPTY_SHARD_DIGEST,
  fnv1a32,
  prefetchShards,
  shardDigest,
  shardOf,
  shardOfKey,
  shardPlan,
  SHARDS,
  type ShardedPlan,
} from '../plan/shards.js';
export const SHARD_FENCE_TTL = 60;
const FENCE_PARENT = '_dnsplane';
/** `s<iii>._dnsplane.<zone>` (the default owner) or `s<iii>.<owner>._dnsplane.<zone>`. */
const SHARD_FENCE_NAME = /^s(\d{3})\.(?:([a-z0-9][a-z0-9-]{0,31})\.)?_dnsplane\.(.+)$/;
/** An owner id: a DNS label of lower-case letters, digits and hyphens, at most 32 characters. */
const OWNER_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
/** The owner id whose fences keep protocol v2's original names (`s<iii>._dnsplane.<zone>`). */
export const DEFAULT_OWNER_ID = 'default';

/**
 * Checks an owner id (`--owner-id`): two deployments with different ids keep separate fences in one zone and
 * never change each other's endpoints (each sees the other's sets as not its own). Returns the fence label.
 */
export function ownerLabel(owner: string | undefined): string | undefined {
  if (owner === undefined || owner === DEFAULT_OWNER_ID) return undefined;
  if (!OWNER_ID.test(owner) || /^s\d{3}$/.test(owner))
    throw new Error(
      `owner id "${owner}" must be 1-32 lower-case letters, digits and hyphens (a DNS label, not of the form s000)`,
    );
  return owner;
}
/** One TXT character-string holds at most 255 characters; longer fence values are split over several. */
const TXT_STRING_MAX = 255;

export function shardFenceName(shard: number, zone: string, owner?: string): string {
  if (!Number.isInteger(shard) || shard < 0 || shard >= SHARDS)
    throw new Error(`shard must be an integer in 0..${SHARDS - 1}, got ${shard}`);
  const label = ownerLabel(owner);
  return `s${String(shard).padStart(3, '0')}.${label ? `${label}.` : ''}${FENCE_PARENT}.${normalizeName(zone)}`;
}

/** The shard, zone and owner a fence name stands for, or undefined when the name is not a shard fence. */
export function shardOfFenceName(name: string): { shard: number; zone: string; owner: string } | undefined {
  const match = SHARD_FENCE_NAME.exec(normalizeName(name));
  if (!match) return undefined;
  const shard = Number(match[1]);
  return shard < SHARDS ? { shard, zone: match[3], owner: match[2] ?? DEFAULT_OWNER_ID } : undefined;
}

export interface ShardFence {
  shard: number;
  /** The plan generation of the shard's content; 0 when the value cannot be read (older than any plan). */
  generation: number;
  /** 12 hex digits of the shard's content digest ('' when unreadable: matches nothing). */
  digest: string;
  writer?: string;
  nonce?: string;
  /** Endpoint keys ("name TYPE") left out of the content the digest covers (poisoned endpoints). */
  excluded: string[];
  /**
   * Sets at the shard's endpoints that dnsplane did not write although the fence's plan names their identifiers
   * (made by hand or by another deployment, refused or left alone because they already matched the plan):
   * endpoint key -> setIdHash of each identifier. The plan naming a set makes it dnsplane's, except these.
   */
  notOwned?: ReadonlyMap<string, readonly string[]>;
  /** The fence exactly as read, for the DELETE that makes the swap conditional. */
  set: RecordSet;
}

// In a value, an excluded endpoint key "name TYPE" is written "name/TYPE" (a fence value splits on spaces).
const encodeKey = (key: string) => key.replace(' ', '/');
const decodeKey = (token: string) => token.replace('/', ' ');

/** 8 hex digits naming a set identifier in a fence's f= (a simple set has none: ''). Short: a fence is one TXT value. */
export function setIdHash(setIdentifier: string | undefined): string {
  return fnv1a32(setIdentifier ?? '')
    .toString(16)
    .padStart(8, '0');
}

/** f=name/TYPE:hash.hash,name/TYPE:hash (keys sorted, hashes sorted). */
function encodeNotOwned(notOwned: ReadonlyMap<string, readonly string[]>): string {
  return [...notOwned]
    .filter(([, hashes]) => hashes.length > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, hashes]) => `${encodeKey(key)}:${[...new Set(hashes)].sort().join('.')}`)
    .join(',');
}

function decodeNotOwned(text: string): Map<string, string[]> {
  const notOwned = new Map<string, string[]>();
  for (const entry of text.split(',')) {
    const colon = entry.lastIndexOf(':');
    if (colon <= 0) continue;
    const hashes = entry
      .slice(colon + 1)
      .split('.')
      .filter((hash) => /^[0-9a-f]{8}$/.test(hash));
    if (hashes.length > 0) notOwned.set(decodeKey(entry.slice(0, colon)), hashes);
  }
  return notOwned;
}

/** The text of a TXT value: its character-strings concatenated (a value split over several strings reads whole). */
function txtText(value: string): string {
  // The common case, one plain string, without a regular expression: every pass reads all 64 fences.
  if (value.length >= 2 && value[0] === '"' && value.indexOf('"', 1) === value.length - 1) return value.slice(1, -1);
  const strings = [...value.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]);
  return strings.length > 0 ? strings.join('') : value;
}

// Every pass reads all 64 fences, and mostly the same values again: parsed values are remembered (bounded).
const parsedValues = new Map<string, Omit<ShardFence, 'shard' | 'set'>>();
const PARSED_VALUES_MAX = 8_192;

/** Reads a shard fence; anything it cannot read is generation 0 with no digest (older than any plan, matching nothing). */
export function parseShardFence(shard: number, set: RecordSet): ShardFence {
  if (set.values.length !== 1) return { shard, generation: 0, digest: '', excluded: [], set };
  let parsed = parsedValues.get(set.values[0]);
  if (!parsed) {
    if (parsedValues.size >= PARSED_VALUES_MAX) parsedValues.clear();
    const { shard: _shard, set: _set, ...fields } = parseValue(shard, set);
    parsedValues.set(set.values[0], (parsed = fields));
  }
  return { shard, ...parsed, excluded: [...parsed.excluded], set };
}

function parseValue(shard: number, set: RecordSet): ShardFence {
  const unreadable: ShardFence = { shard, generation: 0, digest: '', excluded: [], set };
  const fields = new Map<string, string>();
  const tokens = txtText(set.values[0]).trim().split(/\s+/);
  if (tokens[0] !== 'dnsplane') return unreadable;
  for (const token of tokens.slice(1)) {
    const eq = token.indexOf('=');
    if (eq > 0) fields.set(token.slice(0, eq), token.slice(eq + 1));
  }
  const g = fields.get('g') ?? '';
  const d = fields.get('d') ?? '';
  if (!/^\d{1,15}$/.test(g) || !/^[0-9a-f]{12}$/.test(d)) return unreadable;
  const x = fields.get('x');
  const f = fields.get('f');
  return {
    shard,
    generation: Number(g),
    digest: d,
    writer: fields.get('w'),
    nonce: fields.get('n'),
    excluded: x ? x.split(',').filter(Boolean).map(decodeKey) : [],
    ...(f ? { notOwned: decodeNotOwned(f) } : {}),
    set,
  };
}

export interface NewShardFence {
  generation: number;
  digest: string;
  writer: string;
  excluded?: readonly string[];
  /** Sets the plan names that dnsplane did not write (ShardFence.notOwned): written as f=. */
  notOwned?: ReadonlyMap<string, readonly string[]>;
  /** The deployment's owner id (default: DEFAULT_OWNER_ID, the original fence names). */
  owner?: string;
}

/** The fence record set a batch CREATEs; every one carries a fresh nonce, so no two writes are the same value. */
export function newShardFenceSet(shard: number, zone: string, fence: NewShardFence): RecordSet {
  if (!Number.isSafeInteger(fence.generation) || fence.generation < 1)
    throw new Error(`fence generation must be a positive integer, got ${fence.generation}`);
  if (!/^[0-9a-f]{12}$/.test(fence.digest)) throw new Error(`fence digest must be 12 hex digits, got ${fence.digest}`);
  const writer = fence.writer.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 32) || 'unknown';
  // 32 random bits from a v4 UUID: randomUUID draws from a cached entropy pool (64 fences per generation).
  const nonce = randomUUID().slice(0, 8);
  const excluded =
    fence.excluded && fence.excluded.length > 0 ? ` x=${[...fence.excluded].sort().map(encodeKey).join(',')}` : '';
  const notOwned = fence.notOwned ? encodeNotOwned(fence.notOwned) : '';
  const text = `dnsplane g=${fence.generation} d=${fence.digest} w=${writer} n=${nonce}${excluded}${notOwned ? ` f=${notOwned}` : ''}`;
  const strings: string[] = [];
  for (let at = 0; at < text.length; at += TXT_STRING_MAX) strings.push(`"${text.slice(at, at + TXT_STRING_MAX)}"`);
  return {
    name: shardFenceName(shard, zone, fence.owner),
    type: 'TXT',
    ttl: SHARD_FENCE_TTL,
    values: [strings.join(' ')],
  };
}

/** Two reads of a fence show the same write (same value, so the same nonce); both absent counts as the same. */
export function sameShardFence(a: { set: RecordSet } | undefined, b: { set: RecordSet } | undefined): boolean {
  return a === undefined || b === undefined
    ? a === b
    : a.set.values.length === b.set.values.length && a.set.values.every((value, i) => value === b.set.values[i]);
}

/**
 * Every shard fence of the zone, in one ListResourceRecordSets: the page starts at `_dnsplane.<zone>`, and the
 * fences are the first names after it. Paging goes on only while a page holds nothing but fences (never with
 * SHARDS below the page size). Shards without a fence map to undefined.
 */
export async function readShardFences(
  client: Route53Port,
  zoneId: string,
  zone: string,
  owner?: string,
): Promise<Map<number, ShardFence | undefined>> {
  const label = ownerLabel(owner);
  // Another owner's fences are `s<iii>.<owner>._dnsplane.<zone>`: a named owner starts at its own subtree.
  const parent = `${label ? `${label}.` : ''}${FENCE_PARENT}.${normalizeName(zone)}`;
  const under = (set: RecordSet) => set.name === parent || set.name.endsWith(`.${parent}`);
  const sets = await listRecordSets(client, zoneId, {
    startName: parent,
    maxItems: 300,
    stopAfter: (set) => !under(set),
  });
  const fences = new Map<number, ShardFence | undefined>();
  for (let shard = 0; shard < SHARDS; shard++) fences.set(shard, undefined);
  for (const set of sets) {
    if (set.type !== 'TXT') continue;
    const named = shardOfFenceName(set.name);
    if (named && named.zone === normalizeName(zone) && named.owner === (label ?? DEFAULT_OWNER_ID))
      fences.set(named.shard, parseShardFence(named.shard, set));
  }
  return fences;
}
