// An enactor on plans stored in S3 (moto_server) prefetches the shards it decides on, through the store's own
// client and without blocking, so the synchronous shard reads of its decisions find them read: the worker
// thread of the synchronous fallback (s3-sync-get.ts) is never used. A proxy in front of moto counts the GETs;
// the plans are large enough that the shards lie beyond the first GET's 256 KiB (they are not read with it).
import { CreateBucketCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Enactor } from '../../src/enactor/enactor.js';
import { createS3Client, planKeySuffix } from '../../src/plan/s3-client.js';
import { FIRST_GET_BYTES } from '../../src/plan/s3-plan-bytes.js';
import { S3PlanStore } from '../../src/plan/s3-store.js';
import { syncRangeReads } from '../../src/plan/s3-sync-get.js';
import { shardOf, SHARDS } from '../../src/plan/shards.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';
import { useMoto } from '../helpers/moto.js';
import { startS3Proxy, type S3Proxy } from '../helpers/s3-proxy.js';
import { describeWithTools } from '../helpers/tools.js';
import { host, planOf, ZONE } from './harness.js';

const BUCKET = 'dnsplane-plans';
/** ~0.4 MB plans: a header of ~60 KB, and shards past the first GET. */
const ENDPOINTS = 2_000;
const logger = createLogger('enactor', 'silent');
/** Endpoint `e<i>`'s address for set `set` (planOf's default numbers only 256 endpoints). */
const address = (label: string, set: number) => {
  const i = Number(label.slice(1));
  return [`10.${i >> 8}.${i & 255}.${set + 1}`];
};

describeWithTools(['moto_server'], 'an enactor on S3 prefetches the shards it reads (moto_server)', () => {
  const moto = useMoto();
  let authority: TestAuthority;
  let proxy: S3Proxy;
  let s3: S3Client;

  beforeEach(async () => {
    authority = await startTestAuthority();
    await authority.createZone(ZONE);
    s3 = createS3Client({ endpoint: moto.current.endpoint });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    proxy = await startS3Proxy(moto.current.endpoint);
  });
  afterEach(async () => {
    await proxy.stop();
    await authority.close();
  });

  /** A store (as a new enactor process has) whose requests go through the counting proxy. */
  const store = () =>
    new S3PlanStore(createS3Client({ endpoint: proxy.endpoint }), { bucket: BUCKET, prefix: 'prod/' });
  const enactor = (id: string, verifyEveryMs = 3_600_000) =>
    new Enactor({ id, store: store(), client: authority.port, zone: ZONE, logger, verifyEveryMs });
  const objectOf = (generation: number) => `/${BUCKET}/prod/${planKeySuffix(generation)}`;

  async function shardRanges(generation: number): Promise<Array<{ start: number; end: number }>> {
    const output = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `prod/${planKeySuffix(generation)}` }));
    const text = Buffer.from(await output.Body!.transformToByteArray()).toString('utf8');
    return (JSON.parse(text) as { shardIndex: { shards: Array<{ start: number; end: number }> } }).shardIndex.shards;
  }

  it('moves a generation that changes one endpoint with GETs for that shard of each plan only, never the worker', async () => {
    const weights = Object.fromEntries(Array.from({ length: ENDPOINTS }, (_, i) => [`e${i}`, [10, 10]]));
    const writer = new S3PlanStore(s3, { bucket: BUCKET, prefix: 'prod/' });
    await writer.write(planOf(1, weights, address));
    const ranges = await shardRanges(1);
    const range = (shard: number) => `bytes=${ranges[shard].start}-${ranges[shard].end - 1}`;
    // Shards not (wholly) in the first GET's bytes.
    const beyond = ranges.flatMap(({ end }, shard) => (end > FIRST_GET_BYTES ? [shard] : []));
    expect(beyond.length).toBeGreaterThan(10);

    // The first pass moves every shard (no fences yet): the shards past the first GET, one GET each.
    const first = await enactor('e1').runOnce();
    expect(first).toMatchObject({ generation: 1, failed: [], refused: [] });
    expect(first.applied).toHaveLength(ENDPOINTS);
    const firstGets = await proxy.objectGets(objectOf(1));
    expect(
      firstGets
        .slice(1)
        .map((get) => get.range)
        .sort(),
    ).toEqual(beyond.map(range).sort());

    // Generation 2 changes one endpoint, in a shard past the first GET; the index (and so the ranges) are alike.
    const changed = beyond[Math.floor(beyond.length / 2)];
    expect(ranges[changed].start).toBeGreaterThan(FIRST_GET_BYTES);
    const label = Object.keys(weights).find((name) => shardOf(host(name), 'A') === changed)!;
    await writer.write(planOf(2, { ...weights, [label]: [10, 20] }, address));
    expect((await shardRanges(2))[changed]).toMatchObject({ start: ranges[changed].start, end: ranges[changed].end });

    // A new enactor (nothing cached): each plan's first GET, and that one shard of each (the fence names plan 1).
    const before = (await proxy.objectGets('/')).length;
    const second = await enactor('e2').runOnce();
    expect(second).toMatchObject({ generation: 2, failed: [], refused: [] });
    expect(second.applied).toHaveLength(ENDPOINTS);
    const gets = (await proxy.objectGets('/')).slice(before).filter((get) => get.path.startsWith(`/${BUCKET}/prod/`));
    const etag = async (generation: number) =>
      (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `prod/${planKeySuffix(generation)}` }))).ETag;
    const firstGet = `bytes=0-${FIRST_GET_BYTES - 1}`;
    const shardGet = range(changed);
    expect(
      gets
        .map(({ path, range: asked, ifMatch, status }) => ({ path: path.split('?')[0], range: asked, ifMatch, status }))
        .sort(byPathAndRange),
    ).toEqual(
      [
        { path: objectOf(1), range: firstGet, ifMatch: undefined, status: 206 },
        { path: objectOf(1), range: shardGet, ifMatch: await etag(1), status: 206 },
        { path: objectOf(2), range: firstGet, ifMatch: undefined, status: 206 },
        { path: objectOf(2), range: shardGet, ifMatch: await etag(2), status: 206 },
      ].sort(byPathAndRange),
    );

    // A drift sweep page reads the fenced plan's shards with an endpoint on the page, prefetched too.
    const sweep = await enactor('e3', 0).runOnce();
    expect(sweep).toMatchObject({ generation: 2, failed: [], refused: [], repaired: [] });
    expect(sweep.inSync).toHaveLength(ENDPOINTS);
    const swept = (await proxy.objectGets(objectOf(2))).filter(
      (get) => get.range !== firstGet && get.range !== shardGet,
    );
    expect(swept.length).toBeGreaterThan(0);
    expect(swept.length).toBeLessThan(SHARDS);

    // No shard was read by the synchronous fallback in this process: the worker never started.
    expect(syncRangeReads()).toEqual({ workerStarts: 0, gets: 0 });
  });
});

function byPathAndRange(a: { path: string; range?: string }, b: { path: string; range?: string }): number {
  return `${a.path} ${a.range}`.localeCompare(`${b.path} ${b.range}`);
}
