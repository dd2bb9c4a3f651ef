// Plans on S3 read by shard, against moto_server's S3 through the real SDK: a plan's header with one or two
// ranged GETs, each shard with one ranged GET of the same object version (If-Match) on first use, or before it
// by a prefetch. A proxy in front of moto counts the GETs and the bytes they answer (the synchronous shard
// reads use a client of their own; a prefetch uses the store's).
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createS3Client, planKeySuffix } from '../../src/plan/s3-client.js';
import { FIRST_GET_BYTES } from '../../src/plan/s3-plan-bytes.js';
import { S3PlanStore } from '../../src/plan/s3-store.js';
import { syncRangeReads } from '../../src/plan/s3-sync-get.js';
import { prefetchShards, shardPlan, SHARDS } from '../../src/plan/shards.js';
import { bigPlan } from '../helpers/big-plan.js';
import { useMoto } from '../helpers/moto.js';
import { startS3Proxy, type S3Proxy, type S3ProxyOptions } from '../helpers/s3-proxy.js';
import { describeWithTools } from '../helpers/tools.js';

const BUCKET = 'dnsplane-plans';
const KEY = `prod/${planKeySuffix(1)}`;
const OBJECT_PATH = `/${BUCKET}/${KEY}`;
/** Enough endpoints for a header (every key and position) larger than the first GET. */
const ENDPOINTS = 10_000;

interface StoredIndex {
  headerBytes: number;
  shards: Array<{ start: number; end: number }>;
}

describeWithTools(['moto_server'], 'S3PlanStore reads plans by shard (moto_server)', () => {
  const moto = useMoto();
  let client: S3Client;
  let proxy: S3Proxy | undefined;
  const original = bigPlan(1, ENDPOINTS);

  beforeEach(async () => {
    client = createS3Client({ endpoint: moto.current.endpoint });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  /** The ranged GETs that went through the store's own client (its middleware sees them); see counted(). */
  let clientRangedGets: string[] = [];

  /** A store whose every request goes through a counting proxy. */
  async function counted(options: S3ProxyOptions = {}): Promise<S3PlanStore> {
    proxy = await startS3Proxy(moto.current.endpoint, options);
    const storeClient = createS3Client({ endpoint: proxy.endpoint });
    clientRangedGets = [];
    storeClient.middlewareStack.add(
      (next) => (args) => {
        const range = (args.input as { Range?: string }).Range;
        if (range) clientRangedGets.push(range);
        return next(args);
      },
      { step: 'initialize', name: 'countRangedGets' },
    );
    return new S3PlanStore(storeClient, { bucket: BUCKET, prefix: 'prod/' });
  }
  const gets = () => proxy!.objectGets(OBJECT_PATH);

  async function stored(): Promise<{ bytes: Buffer; index: StoredIndex }> {
    const output = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }));
    const bytes = Buffer.from(await output.Body!.transformToByteArray());
    return { bytes, index: (JSON.parse(bytes.toString('utf8')) as { shardIndex: StoredIndex }).shardIndex };
  }

  /** Changes one weight inside shard `shard`'s bytes (10 -> 19) and stores the object again, same length. */
  async function tamper(shard: number): Promise<void> {
    const { bytes, index } = await stored();
    const at = bytes.indexOf('"weight":1', index.shards[shard].start);
    expect(at).toBeLessThan(index.shards[shard].end);
    bytes[at + '"weight":1'.length] = '9'.charCodeAt(0);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: bytes }));
  }

  it('reads the header, then each shard once with one ranged GET of the same version, and all the rest with one', async () => {
    await new S3PlanStore(client, { bucket: BUCKET, prefix: 'prod/' }).write(original);
    const { bytes, index } = await stored();
    expect(index.headerBytes).toBeGreaterThan(FIRST_GET_BYTES); // so the header takes its second GET
    const plans = await counted();

    const plan = (await plans.read(1))!;
    expect(plan.generation).toBe(1);
    const [first, rest] = await gets();
    expect(await gets()).toHaveLength(2);
    expect(first).toMatchObject({ range: `bytes=0-${FIRST_GET_BYTES - 1}`, status: 206, bytes: FIRST_GET_BYTES });
    expect(rest).toMatchObject({ range: `bytes=${FIRST_GET_BYTES}-${index.headerBytes - 1}`, status: 206 });
    const etag = (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }))).ETag;
    expect(rest.ifMatch).toBe(etag);

    // The index alone answers digests and keys; a shard's content is one GET of its bytes, once.
    expect(shardPlan(plan).digests).toHaveLength(SHARDS);
    expect(shardPlan(plan).keys.flat()).toHaveLength(ENDPOINTS);
    expect(await gets()).toHaveLength(2);
    const shard = 17;
    expect(shardPlan(plan).content[shard].size).toBe(shardPlan(plan).keys[shard].length);
    expect(shardPlan(plan).endpoints[shard].size).toBe(shardPlan(plan).keys[shard].length);
    expect(await gets()).toHaveLength(3);
    expect((await gets())[2]).toMatchObject({
      range: `bytes=${index.shards[shard].start}-${index.shards[shard].end - 1}`,
      ifMatch: etag,
      status: 206,
      bytes: index.shards[shard].end - index.shards[shard].start,
    });

    // Every shard (plan.endpoints): one GET from the first unread shard to the last, not one a shard.
    expect(plan.endpoints).toEqual(original.endpoints);
    expect(await gets()).toHaveLength(4);
    expect((await gets())[3]).toMatchObject({
      range: `bytes=${index.headerBytes}-${index.shards[SHARDS - 1].end - 1}`,
      ifMatch: etag,
      status: 206,
    });
    // Every byte but the closing `]}` read once, and shard 17's twice (it lies inside that span).
    const shardBytes = index.shards[shard].end - index.shards[shard].start;
    expect((await gets()).reduce((sum, get) => sum + get.bytes, 0)).toBe(bytes.length - ']}\n'.length + shardBytes);
    expect((await proxy!.requests()).filter((entry) => entry.method !== 'GET')).toEqual([]);
  });

  it("prefetches shards with the store's client, several at once, so that reading them makes no GET and no worker", async () => {
    await new S3PlanStore(client, { bucket: BUCKET, prefix: 'prod/' }).write(original);
    const { index } = await stored();
    const plans = await counted();
    const plan = (await plans.read(1))!;
    const header = (await gets()).length;
    const [a, b, notPrefetched] = [20, 41, 50];
    const rangeOf = (shard: number) => `bytes=${index.shards[shard].start}-${index.shards[shard].end - 1}`;
    const before = syncRangeReads();

    await prefetchShards(plan, [a, b, a]);
    const prefetched = (await gets()).slice(header);
    expect(prefetched.map((get) => get.range).sort()).toEqual([rangeOf(a), rangeOf(b)].sort());
    const etag = (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }))).ETag;
    expect(prefetched.map((get) => [get.status, get.ifMatch])).toEqual([
      [206, etag],
      [206, etag],
    ]);
    expect(clientRangedGets.slice(-2).sort()).toEqual([rangeOf(a), rangeOf(b)].sort());
    // A prefetch of shards read already reads nothing.
    await prefetchShards(plan, [b]);

    expect(shardPlan(plan).content[a].size).toBe(shardPlan(plan).keys[a].length);
    expect(shardPlan(plan).endpoints[b].size).toBe(shardPlan(plan).keys[b].length);
    expect(await gets()).toHaveLength(header + 2);
    expect(syncRangeReads()).toEqual(before);

    // A shard nobody prefetched is still read on first use, synchronously (the worker's GET, not the client's).
    expect(shardPlan(plan).content[notPrefetched].size).toBe(shardPlan(plan).keys[notPrefetched].length);
    expect((await gets()).at(-1)).toMatchObject({ range: rangeOf(notPrefetched), status: 206 });
    expect(syncRangeReads().gets).toBe(before.gets + 1);
    expect(clientRangedGets).not.toContain(rangeOf(notPrefetched));
  });

  it('a prefetch of a replaced object (412) or of a tampered shard leaves the error to the synchronous read', async () => {
    await new S3PlanStore(client, { bucket: BUCKET, prefix: 'prod/' }).write(original);
    await tamper(5);
    const plans = await counted();
    const plan = (await plans.read(1))!;
    const before = syncRangeReads();
    // Shard 5 does not match its digest: the prefetch drops it, the read finds it as it always did.
    await prefetchShards(plan, [4, 5]);
    expect(await gets()).toHaveLength(4);
    expect(syncRangeReads()).toEqual(before);
    expect(shardPlan(plan).content[4].size).toBeGreaterThan(0);
    expect(() => shardPlan(plan).content[5]).toThrow(/shard 5: its content does not match its digest/);
    expect(syncRangeReads().gets).toBe(before.gets + 1);

    await tamper(9); // a new version of the object: another ETag
    await prefetchShards(plan, [3]);
    expect((await gets()).at(-1)).toMatchObject({ status: 412 });
    expect(() => shardPlan(plan).content[3]).toThrow(
      new RegExp(
        `^s3://${BUCKET}/${KEY}, shard 3: cannot read it: s3://${BUCKET}/${KEY} changed while it was being read`,
      ),
    );
    expect((await gets()).at(-1)).toMatchObject({ status: 412 });
    expect(syncRangeReads().gets).toBe(before.gets + 2);
  });

  it('reads a plan written before the shard index (plain JSON) whole, each byte once', async () => {
    const body = JSON.stringify(original, null, 2);
    expect(body.length).toBeGreaterThan(FIRST_GET_BYTES);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: body }));
    const plans = await counted();
    const plan = (await plans.read(1))!;
    expect(plan).toEqual(original);
    expect((await gets()).map(({ range, status }) => ({ range, status }))).toEqual([
      { range: `bytes=0-${FIRST_GET_BYTES - 1}`, status: 206 },
      { range: `bytes=${FIRST_GET_BYTES}-${body.length - 1}`, status: 206 },
    ]);
    expect((await gets()).reduce((sum, get) => sum + get.bytes, 0)).toBe(body.length);
  });

  it('finds a tampered shard only when that shard is read, naming the object and the shard', async () => {
    await new S3PlanStore(client, { bucket: BUCKET, prefix: 'prod/' }).write(original);
    await tamper(5);
    const plans = await counted();
    const plan = (await plans.read(1))!;
    expect(shardPlan(plan).content[4].size).toBeGreaterThan(0);
    expect(() => shardPlan(plan).content[5]).toThrow(
      new RegExp(`^s3://${BUCKET}/${KEY}, shard 5: its content does not match its digest [0-9a-f]{12}$`),
    );
    expect(() => plan.endpoints).toThrow(/shard 5: its content does not match its digest/);
  });

  it('refuses shards of an object replaced after its header was read (If-Match), naming the object', async () => {
    await new S3PlanStore(client, { bucket: BUCKET, prefix: 'prod/' }).write(original);
    const plans = await counted();
    const plan = (await plans.read(1))!;
    expect(shardPlan(plan).content[2].size).toBeGreaterThan(0);
    await tamper(9); // a new version of the object: another ETag
    expect(() => shardPlan(plan).content[3]).toThrow(
      new RegExp(
        `^s3://${BUCKET}/${KEY}, shard 3: cannot read it: s3://${BUCKET}/${KEY} changed while it was being read`,
      ),
    );
    expect((await gets()).at(-1)?.status).toBe(412);
  });

  it('reads the whole object once from a backend that ignores Range', async () => {
    await new S3PlanStore(client, { bucket: BUCKET, prefix: 'prod/' }).write(original);
    const { bytes } = await stored();
    const plans = await counted({ ignoreRangeFrom: 0 });
    const plan = (await plans.read(1))!;
    expect(plan.endpoints).toEqual(original.endpoints);
    expect(await gets()).toEqual([expect.objectContaining({ status: 200, bytes: bytes.length })]);
  });

  it("keeps the whole object when the header's second GET comes back whole (Range ignored there)", async () => {
    await new S3PlanStore(client, { bucket: BUCKET, prefix: 'prod/' }).write(original);
    const plans = await counted({ ignoreRangeFrom: FIRST_GET_BYTES });
    const plan = (await plans.read(1))!;
    // The header's second GET (If-Match) came back whole: everything after it is cut from memory.
    expect(plan.endpoints).toEqual(original.endpoints);
    expect((await gets()).map((get) => get.status)).toEqual([206, 200]);
  });

  it("keeps the whole object when a shard's ranged read comes back whole, and reads no more", async () => {
    await new S3PlanStore(client, { bucket: BUCKET, prefix: 'prod/' }).write(original);
    const { index } = await stored();
    const plans = await counted({ ignoreRangeFrom: index.headerBytes });
    const plan = (await plans.read(1))!;
    expect(shardPlan(plan).content[30].size).toBe(shardPlan(plan).keys[30].length);
    expect(plan.endpoints).toEqual(original.endpoints);
    expect((await gets()).map((get) => get.status)).toEqual([206, 206, 200]);
  });
});
