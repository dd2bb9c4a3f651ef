// The 64 shards of a plan (protocol v2): which shard an endpoint falls in, the digest of a shard's content, and
// a plan split into shards. A plan read from the file store may not have read its shards yet: its shard index
// (sharded-file.ts) gives every shard's digest, keys and size, and a shard's endpoints are read on first use,
// so an enactor that changes one endpoint of 100,000 reads one shard of each plan, not the whole plan.
import { createHash } from 'node:crypto';
import { endpointKey, type RecordSet } from '../route53/recordset.js';
import type { EndpointPlan, Plan } from './schema.js';

/** Number of shards. Changing it re-shards every zone: it is part of the protocol, not a setting. */
export const SHARDS = 64;
/** The digest of a shard without content: sha256("") cut to 12 hex digits. */
export const EMPTY_SHARD_DIGEST = 'e3b0c44298fc';
/** 32-bit FNV-1a over the UTF-16 code units of the key (endpoint keys are ASCII). */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The shard of an endpoint (name and type). */
export function shardOf(name: string, type: string): number {
  return fnv1a32(endpointKey(name, type)) % SHARDS;
}

/** The shard of an endpoint key ("name TYPE"). */
export function shardOfKey(key: string): number {
  return fnv1a32(key) % SHARDS;
}

/**
 * The canonical text of an endpoint's content: its key, then each set (sorted by identifier) with TTL, weight
 * and sorted values. Plans and live record sets serialise alike, so a shard read from Route53 can be compared
 * with a plan's digest.
 */
function serialiseEndpoint(key: string, sets: readonly RecordSet[]): string {
  // Digesting a 100,000-endpoint plan serialises 300,000 sets: sort and copy only when there is something to
  // sort (plans list sets in order and most sets hold one value); the text is the same either way.
  const ordered = isSortedByIdentifier(sets) ? sets : [...sets].sort(byIdentifier);
  let text = `${key}\n`;
  for (const set of ordered) {
    const values = set.values.length === 1 ? set.values[0] : [...set.values].sort().join(',');
    text += `  ${set.setIdentifier ?? '-'} ${set.weight ?? '-'} ${set.ttl} ${values}\n`;
  }
  return text;
}

function byIdentifier(a: RecordSet, b: RecordSet): number {
  const x = a.setIdentifier ?? '';
  const y = b.setIdentifier ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

function isSortedByIdentifier(sets: readonly RecordSet[]): boolean {
  for (let i = 1; i < sets.length; i++) if (byIdentifier(sets[i - 1], sets[i]) > 0) return false;
  return true;
}

/** The digest of a shard's content: endpoint key -> its record sets (endpoints without sets are absent). */
export function contentDigest(
  content: ReadonlyMap<string, readonly RecordSet[]>,
  excluded: readonly string[] = [],
): string {
  if (content.size === 0) return EMPTY_SHARD_DIGEST;
  const skip = new Set(excluded);
  const keys = [...content.keys()].filter((key) => !skip.has(key) && (content.get(key)?.length ?? 0) > 0).sort();
  const hash = createHash('sha256');
  for (const key of keys) hash.update(serialiseEndpoint(key, content.get(key)!));
  return hash.digest('hex').slice(0, 12);
}

/** The record sets an endpoint plan stands for. */
export function desiredSets(endpoint: EndpointPlan): RecordSet[] {
  return endpoint.sets.map((set) => ({
    name: endpoint.name,
    type: endpoint.type,
    ttl: endpoint.ttl,
    setIdentifier: set.setIdentifier,
    weight: set.weight,
    values: [...set.values],
  }));
}

export interface ShardedPlan {
  /** Per shard: endpoint key -> the endpoint's planned sets (read on first use for a plan with a shard index). */
  readonly content: ReadonlyArray<Map<string, RecordSet[]>>;
  /** Per shard: its endpoints by key (read on first use, like content). */
  readonly endpoints: ReadonlyArray<Map<string, EndpointPlan>>;
  /** Per shard: the digest of its content with nothing excluded. */
  readonly digests: readonly string[];
  /** Per shard: its endpoint keys, without reading its content. */
  readonly keys: ReadonlyArray<readonly string[]>;
  /** Per shard: how many record sets it plans, without reading its content. */
  readonly sets: readonly number[];
  /** Per shard: where each of its endpoints stands in the plan's order. */
  readonly positions: ReadonlyArray<readonly number[]>;
}

/**
 * A stored plan's shards as its store knows them before reading them: digests, keys and sizes from the plan's
 * shard index, and a way to read one shard's endpoints (checked against the index) when first needed.
 */
export interface ShardSource {
  readonly digests: readonly string[];
  /** Per shard: where each of its endpoints stands in the plan's order (the planner's). */
  readonly positions: ReadonlyArray<readonly number[]>;
  readonly keys: ReadonlyArray<readonly string[]>;
  readonly sets: readonly number[];
  /**
   * The shard, read and checked (once): its endpoints by key in the plan's order within the shard, and their
   * record sets (what its digest covers). Throws when they do not match the index.
   */
  shard(shard: number): PlanShard;
  /** Reads and checks every shard not read yet, in as few reads as the store can (plan.endpoints needs all). */
  readAll?(): void;
  /**
   * Reads and checks the given shards not read yet WITHOUT blocking, so that shard() then returns them at once:
   * for a store whose shard() blocks on the network (S3). Rejects when one could not be read or checked (the
   * others are kept); prefetchShards() is what callers use.
   */
  prefetch?(shards: readonly number[]): Promise<void>;
}

/** One shard of a plan: endpoint key -> the endpoint, and endpoint key -> its planned record sets. */
export interface PlanShard {
  endpoints: Map<string, EndpointPlan>;
  content: Map<string, RecordSet[]>;
}

const SOURCE = Symbol('dnsplane.shardSource');
type WithSource = Plan & { [SOURCE]?: ShardSource };

/**
 * A plan whose endpoints are read shard by shard from `source` on first use: `plan.endpoints` reads every shard
 * (and puts the endpoints back in the plan's order), `shardPlan(plan)` only the shards asked for. Frozen, as
 * every plan a store hands out.
 */
export function planFromShards(meta: Omit<Plan, 'endpoints'>, source: ShardSource): Plan {
  let all: EndpointPlan[] | undefined;
  const plan = { ...meta } as WithSource;
  Object.defineProperty(plan, 'endpoints', {
    enumerable: true,
    get: () => (all ??= inPlanOrder(source)),
  });
  Object.defineProperty(plan, SOURCE, { value: source });
  return Object.freeze(plan);
}

function inPlanOrder(source: ShardSource): EndpointPlan[] {
  source.readAll?.();
  const all = new Array<EndpointPlan>(source.positions.reduce((sum, shard) => sum + shard.length, 0));
  for (let shard = 0; shard < SHARDS; shard++) {
    const positions = source.positions[shard];
    let i = 0;
    for (const endpoint of source.shard(shard).endpoints.values()) all[positions[i++]] = endpoint;
  }
  return all;
}

/**
 * Warms the given shards of a plan before synchronous code reads them (shardPlan(plan).content[shard]), without
 * blocking the event loop: on S3 several ranged GETs at once through the store's client, instead of one blocking
 * GET each on first use. Nothing for a plan held whole or a source without prefetch (a file's readSync).
 *
 * A failed prefetch is dropped on purpose, not thrown: prefetching only warms a cache, so it must not change
 * what a pass does. The shard stays unread, the synchronous read of it (if the pass still reads it) reads it
 * again and throws its own error where callers always met it, and a shard the pass then does not read fails
 * nothing.
 */
export async function prefetchShards(plan: Plan, shards: readonly number[]): Promise<void> {
  const source = (plan as WithSource)[SOURCE];
  if (!source?.prefetch || shards.length === 0) return;
  await source.prefetch(shards).catch(() => undefined);
}

/** An array of SHARDS entries, each made by `make` on first access. */
function lazyShards<T>(make: (shard: number) => T): T[] {
  const made = new Map<number, T>();
  const array: T[] = [];
  for (let shard = 0; shard < SHARDS; shard++) {
    Object.defineProperty(array, shard, {
      enumerable: true,
      get: () => {
        let value = made.get(shard);
        if (value === undefined) made.set(shard, (value = make(shard)));
        return value;
      },
    });
  }
  return array;
}

// Plans are immutable once read; every pass asks for the same plan's shards many times.
const sharded = new WeakMap<Plan, ShardedPlan>();

/** A plan split into shards, with each shard's digest; memoised per plan object. */
export function shardPlan(plan: Plan): ShardedPlan {
  const known = sharded.get(plan);
  if (known) return known;
  const source = (plan as WithSource)[SOURCE];
  const result = source ? fromSource(source) : splitPlan(plan);
  sharded.set(plan, result);
  return result;
}

function fromSource(source: ShardSource): ShardedPlan {
  // The source keyed and converted each shard once, when it checked it against its digest.
  const endpoints = lazyShards((shard) => source.shard(shard).endpoints);
  const content = lazyShards((shard) => source.shard(shard).content);
  const { digests, keys, sets, positions } = source;
  return { content, endpoints, digests, keys, sets, positions };
}

function splitPlan(plan: Plan): ShardedPlan {
  const content = Array.from({ length: SHARDS }, () => new Map<string, RecordSet[]>());
  const endpoints = Array.from({ length: SHARDS }, () => new Map<string, EndpointPlan>());
  const sets = new Array<number>(SHARDS).fill(0);
  const positions = Array.from({ length: SHARDS }, () => new Array<number>());
  plan.endpoints.forEach((endpoint, i) => {
    const key = endpointKey(endpoint.name, endpoint.type);
    const shard = shardOfKey(key);
    content[shard].set(key, desiredSets(endpoint));
    endpoints[shard].set(key, endpoint);
    sets[shard] += endpoint.sets.length;
    positions[shard].push(i);
  });
  return {
    content,
    endpoints,
    digests: content.map((shard) => contentDigest(shard)),
    keys: endpoints.map((shard) => [...shard.keys()]),
    sets,
    positions,
  };
}

/** The digest of one shard of a plan, leaving out the excluded endpoints. */
export function shardDigest(plan: Plan, shard: number, excluded: readonly string[] = []): string {
  const shards = shardPlan(plan);
  return excluded.length === 0 ? shards.digests[shard] : contentDigest(shards.content[shard], excluded);
}
