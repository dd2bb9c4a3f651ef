// The plan layout of the file and S3 stores: one JSON document per generation, as before, that any JSON tool
// reads whole, with a shard index in front so that an enactor reads only the shards it needs. At 100,000
// endpoints a plan is ~50 MB; reading, parsing and checking all of it was most of an enactor's time per
// generation (BENCHMARKS.md, "Scale"), for a generation that changed one endpoint.
//
//   {"shardIndex":{"format":1,"headerBytes":         NNN,"shards":[{"digest":…,"sets":…,"start":…,"end":…,
//    "keys":[…],"positions":[…]},…]},"generation":…,"createdAt":…,"createdBy":…,"zone":…,"endpoints":[
//   {endpoint of shard 0},
//   {endpoint of shard 0},
//   {endpoint of shard 1},
//   …
//   {last endpoint}
//   ]}
//
// Endpoints are grouped by shard, one per line; shard i's lines are the bytes [start, end) of the file, and
// positions say where each stands in the plan's own order (the planner's), which a whole read restores.
// headerBytes is where the first endpoint starts. The numbers are padded with spaces to a fixed width, so the
// header's length is known before the offsets are written into it. The index is written with the plan in
// one file or object, so it is exactly as atomic as the plan (the file store's link(2), S3's If-None-Match).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import pMap from 'p-map';
import { z } from 'zod';
import { strictObject } from '../config/strict.js';
import { acceptEndpointsFast } from './plan-fast-path.js';
import { parsePlan, type Plan } from './schema.js';
import {
  contentDigest,
  desiredSets,
  planFromShards,
  shardPlan,
  SHARDS,
  shardOfKey,
  type PlanShard,
  type ShardSource,
} from './shards.js';
import { endpointKey } from '../route53/recordset.js';

const FORMAT = 1;
/** Width of every padded number: offsets up to 10^12 bytes. */
const WIDTH = 12;
/** What a sharded plan file starts with; anything else is read whole, as plans were written before. */
export const SHARDED_PREFIX = '{"shardIndex":{"format":';
/** Enough of the file's start to find headerBytes. */
export const PREFIX_BYTES = 128;

const ShardEntrySchema = strictObject({
  digest: z.string().regex(/^[0-9a-f]{12}$/),
  sets: z.number().int().min(0),
  start: z.number().int().min(0),
  end: z.number().int().min(0),
  keys: z.array(z.string()),
  positions: z.array(z.number().int().min(0)),
});
const IndexSchema = strictObject({
  format: z.literal(FORMAT),
  headerBytes: z.number().int().positive(),
  shards: z.array(ShardEntrySchema).length(SHARDS),
});
type ShardIndex = z.infer<typeof IndexSchema>;

const CLOSING = ']}\n';
const pad = (value: number) => String(value).padStart(WIDTH, ' ');

/** The bytes of a plan in the sharded layout (the plan must already be valid). */
export function serialiseShardedPlan(plan: Plan): Buffer {
  const { endpoints: _endpoints, ...meta } = plan;
  const shards = shardPlan(plan);
  const lines = shards.endpoints.map((byKey) => [...byKey.values()].map((endpoint) => JSON.stringify(endpoint)));
  const total = lines.reduce((sum, shard) => sum + shard.length, 0);
  // Every endpoint line ends with ",\n" except the last of the file, which ends with "\n".
  let remaining = total;
  const bodies = lines.map((shard) =>
    shard
      .map((line) => {
        remaining -= 1;
        return remaining === 0 ? `${line}\n` : `${line},\n`;
      })
      .join(''),
  );
  const header = (headerBytes: number, offsets: Array<[number, number]>) =>
    `{"shardIndex":{"format":${FORMAT},"headerBytes":${pad(headerBytes)},"shards":[${shards.digests
      .map(
        (digest, shard) =>
          `{"digest":"${digest}","sets":${shards.sets[shard]},"start":${pad(offsets[shard][0])},"end":${pad(
            offsets[shard][1],
          )},"keys":${JSON.stringify(shards.keys[shard])},"positions":${JSON.stringify(shards.positions[shard])}}`,
      )
      .join(',')}]},${JSON.stringify(meta).slice(1, -1)},"endpoints":[\n`;
  const headerBytes = Buffer.byteLength(
    header(
      0,
      shards.digests.map(() => [0, 0]),
    ),
  );
  const offsets: Array<[number, number]> = [];
  let at = headerBytes;
  for (const body of bodies) {
    const length = Buffer.byteLength(body);
    offsets.push([at, at + length]);
    at += length;
  }
  return Buffer.concat([
    Buffer.from(header(headerBytes, offsets)),
    ...bodies.map((body) => Buffer.from(body)),
    Buffer.from(CLOSING),
  ]);
}

/**
 * The bytes of one stored plan, read synchronously (reads stay synchronous so that shardPlan() does, for the
 * enactor's decisions): a file (fileBytes) or one version of an S3 object (s3-plan-bytes.ts).
 */
export interface PlanBytes {
  /** The stored plan's length in bytes. */
  readonly size: number;
  /** Bytes [start, end), all of them; throws when they cannot be read (deleted since, or changed). */
  read(start: number, end: number): Buffer;
  /**
   * The same bytes without blocking, for a store whose read() blocks on the network (S3): what prefetching
   * shards uses. A file's readSync needs none.
   */
  readAsync?(start: number, end: number): Promise<Buffer>;
}

/** A plan file's bytes; each read opens the file again (cleanup may delete it while a pass still uses it). */
export function fileBytes(file: string): PlanBytes {
  return {
    size: statSync(file).size,
    read: (start, end) => {
      const fd = openSync(file, 'r');
      try {
        return readAt(fd, start, end - start);
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** Reads `length` bytes at `position` of an open file, all of them (readSync may return fewer). */
function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const read = readSync(fd, buffer, done, length - done, position + done);
    if (read === 0) throw new Error(`ends after ${position + done} bytes, before the shard index says`);
    done += read;
  }
  return buffer;
}

/**
 * Where a sharded plan's first endpoint starts (headerBytes), from its first bytes (PREFIX_BYTES of them, or
 * all of a shorter plan); undefined when they are not the sharded layout's start (a plan written before it).
 */
export function headerBytesOf(prefix: string, source: string): number | undefined {
  if (!prefix.startsWith(SHARDED_PREFIX)) return undefined;
  const headerBytes = /"headerBytes":\s*(\d+)/.exec(prefix)?.[1];
  if (!headerBytes) throw new Error(`${source}: its shard index has no headerBytes`);
  return Number(headerBytes);
}

/**
 * A plan from sharded bytes: its header is read and checked now, each shard's endpoints on first use (one
 * read of one range: a shard of a 100,000-endpoint plan is ~1 MB). A shard is checked when read: valid
 * endpoints (the plan's schema), each in that shard, exactly the index's keys, and the index's digest; bytes
 * changed behind the index are an error, never a plan.
 * Returns undefined when the plan is not in the sharded layout (or no longer: rewritten by a JSON tool).
 */
export function readShardedPlan(bytes: PlanBytes, source: string): Plan | undefined {
  const prefix = bytes.read(0, Math.min(PREFIX_BYTES, bytes.size)).toString('utf8');
  const headerBytes = headerBytesOf(prefix, source);
  // Shorter than its header: rewritten by a JSON tool since, read whole.
  if (headerBytes === undefined || headerBytes > bytes.size) return undefined;
  const header = bytes.read(0, headerBytes).toString('utf8');
  let json: { shardIndex?: unknown; endpoints?: unknown } & Record<string, unknown>;
  try {
    json = JSON.parse(`${header}]}`) as typeof json;
  } catch (error) {
    throw new Error(`${source}: its header is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const { shardIndex, ...rest } = json;
  const index = IndexSchema.safeParse(shardIndex);
  if (!index.success) throw new Error(`${source}: its shard index is not valid: ${z.prettifyError(index.error)}`);
  if (!samePositions(index.data))
    throw new Error(`${source}: its shard index does not place every endpoint exactly once in the plan's order`);
  // A plan rewritten since (by hand, with a JSON tool) keeps the index in front but not its offsets: read whole.
  if (!header.endsWith('"endpoints":[\n') || !contiguous(index.data, bytes.size)) return undefined;
  const { endpoints: _none, ...meta } = parsePlan(rest, source);
  return planFromShards(meta, shardSource(bytes, source, meta.zone, index.data));
}

/** Every shard lists as many positions as keys, and together they are 0..n-1, each once. */
function samePositions(index: ShardIndex): boolean {
  const total = index.shards.reduce((sum, shard) => sum + shard.keys.length, 0);
  const seen = new Uint8Array(total);
  for (const shard of index.shards) {
    if (shard.positions.length !== shard.keys.length) return false;
    for (const at of shard.positions) {
      if (at >= total || seen[at]) return false;
      seen[at] = 1;
    }
  }
  return true;
}

/** The shards tile the file from the header to its closing `]}` exactly, as written. */
function contiguous(index: ShardIndex, size: number): boolean {
  let at = index.headerBytes;
  for (const shard of index.shards) {
    if (shard.start !== at || shard.end < shard.start) return false;
    at = shard.end;
  }
  return at + CLOSING.length === size;
}

/** Shard GETs in flight at once while prefetching: a pass needs a few shards of two plans, each ~0.4-1 MB. */
const PREFETCH_CONCURRENCY = 4;

function shardSource(bytes: PlanBytes, source: string, zone: string, index: ShardIndex): ShardSource {
  const readAsync = bytes.readAsync?.bind(bytes);
  const read = new Map<number, PlanShard>();
  /** A plan deleted since (cleanup, while a pass still uses it) is an error; the next pass reads the store again. */
  const cannotRead = (error: unknown, where: string) =>
    new Error(`${where}: cannot read it: ${(error as Error).message}`, { cause: error });
  /** Bytes [start, end) of the plan. */
  const range = (start: number, end: number, where: string): Buffer => {
    try {
      return bytes.read(start, end);
    } catch (error) {
      throw cannotRead(error, where);
    }
  };
  const checkShard = (shard: number, text: string): PlanShard => {
    const { keys, digest } = index.shards[shard];
    const where = `${source}, shard ${shard}`;
    const trimmed = text.trimEnd().replace(/,$/, '');
    let parsed: unknown;
    try {
      parsed = JSON.parse(`[${trimmed}]`);
    } catch (error) {
      throw new Error(`${where}: not JSON: ${(error as Error).message}`, { cause: error });
    }
    const endpoints =
      acceptEndpointsFast(parsed, zone) ?? parsePlan({ ...PLACEHOLDER, zone, endpoints: parsed }, where).endpoints;
    const found = endpoints.map((endpoint) => endpointKey(endpoint.name, endpoint.type));
    if (found.length !== keys.length || found.some((key, i) => key !== keys[i] || shardOfKey(key) !== shard))
      throw new Error(`${where}: its endpoints are not the ones its shard index lists`);
    const content = new Map(endpoints.map((endpoint, i) => [found[i], desiredSets(endpoint)]));
    if (contentDigest(content) !== digest) throw new Error(`${where}: its content does not match its digest ${digest}`);
    return { endpoints: new Map(endpoints.map((endpoint, i) => [found[i], endpoint])), content };
  };
  const prefetching = new Map<number, Promise<void>>();
  const prefetchOne = (shard: number, readAsync: NonNullable<PlanBytes['readAsync']>): Promise<void> => {
    const { start, end } = index.shards[shard];
    const where = `${source}, shard ${shard}`;
    const done = readAsync(start, end)
      .catch((error: unknown) => Promise.reject(cannotRead(error, where)))
      .then((bytes) => {
        if (!read.has(shard)) read.set(shard, checkShard(shard, bytes.toString('utf8')));
      })
      .finally(() => prefetching.delete(shard));
    prefetching.set(shard, done);
    return done;
  };
  return {
    digests: index.shards.map((entry) => entry.digest),
    keys: index.shards.map((entry) => entry.keys),
    positions: index.shards.map((entry) => entry.positions),
    sets: index.shards.map((entry) => entry.sets),
    shard: (shard) => {
      let known = read.get(shard);
      if (!known) {
        const { start, end } = index.shards[shard];
        const text = range(start, end, `${source}, shard ${shard}`).toString('utf8');
        read.set(shard, (known = checkShard(shard, text)));
      }
      return known;
    },
    // Each shard not read yet: read without blocking, a few at once, then checked and kept exactly as shard()
    // does, so shard() finds it. Every shard is tried even when one fails (the caller decides what a failure
    // means); a shard already being prefetched is waited for, not read twice.
    ...(readAsync && {
      prefetch: async (shards: readonly number[]) => {
        const unread = [...new Set(shards)].filter((shard) => !read.has(shard));
        await pMap(unread, (shard) => prefetching.get(shard) ?? prefetchOne(shard, readAsync), {
          concurrency: PREFETCH_CONCURRENCY,
          stopOnError: false,
        });
      },
    }),
    readAll: () => {
      const unread = index.shards.flatMap((_, shard) => (read.has(shard) ? [] : [shard]));
      if (unread.length < 2) return;
      // One read from the first unread shard to the last (on S3 one GET instead of one a shard).
      const from = index.shards[unread[0]].start;
      const span = range(from, index.shards[unread.at(-1)!].end, `${source}, shards ${unread[0]}-${unread.at(-1)}`);
      for (const shard of unread) {
        const { start, end } = index.shards[shard];
        read.set(shard, checkShard(shard, span.subarray(start - from, end - from).toString('utf8')));
      }
    },
  };
}

/** The fields a plan needs besides its zone and endpoints, to check a shard's endpoints with the plan's schema. */
const PLACEHOLDER = { generation: 1, createdAt: new Date(0).toISOString(), createdBy: 'shard' };

/** A plan file read whole: its shard index (if it still has one) is the store's, not part of the plan. */
export function withoutShardIndex(json: unknown): unknown {
  if (typeof json !== 'object' || json === null || !('shardIndex' in json)) return json;
  const { shardIndex: _index, ...plan } = json as Record<string, unknown>;
  return plan;
}
