// The S3 plan store end to end against moto_server's S3, through the real SDK over HTTP.
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { beforeEach, expect, it } from 'vitest';
import { openPlanStore } from '../../src/plan/open-store.js';
import { createS3Client } from '../../src/plan/s3-client.js';
import { S3PlanStore } from '../../src/plan/s3-store.js';
import type { Plan } from '../../src/plan/schema.js';
import { LivePlanError, PlanExistsError } from '../../src/plan/store.js';
import { useMoto } from '../helpers/moto.js';
import { describeWithTools } from '../helpers/tools.js';

const BUCKET = 'dnsplane-plans';

function plan(generation: number, createdBy = 'planner-a', address = '192.0.2.1'): Plan {
  return {
    generation,
    createdAt: new Date(Date.UTC(2026, 10, 22, 0, 0, generation)).toISOString(),
    createdBy,
    zone: 'dnsplane.test.',
    endpoints: [
      {
        name: 'api.dnsplane.test.',
        type: 'A',
        ttl: 60,
        sets: [{ setIdentifier: 'use1-az1', weight: 1, values: [address] }],
      },
    ],
  };
}

/** Counts the S3 operations a client sends, by command name. */
function countCommands(client: S3Client): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counts.set(context.commandName ?? '?', (counts.get(context.commandName ?? '?') ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize' },
  );
  return counts;
}

describeWithTools(['moto_server'], 'S3PlanStore against moto_server', () => {
  const moto = useMoto();
  let client: S3Client;
  const store = (prefix = 'prod/', s3 = client) => new S3PlanStore(s3, { bucket: BUCKET, prefix });

  beforeEach(async () => {
    client = createS3Client({ endpoint: moto.current.endpoint });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  it('writes, reads, lists ascending and finds the latest generation', async () => {
    const plans = store();
    expect(await plans.latest()).toBeUndefined();
    expect(await plans.list()).toEqual([]);
    for (const generation of [3, 12, 7]) await plans.write(plan(generation));
    expect(await plans.list()).toEqual([3, 7, 12]);
    expect((await plans.latest())?.generation).toBe(12);
    expect(await plans.read(7)).toEqual(plan(7));
    expect(await plans.read(8)).toBeUndefined();
    expect(plans.location).toBe(`s3://${BUCKET}/prod/`);
  });

  it('keeps a freeze marker beside the plans, invisible to the plan listing, until it is cleared', async () => {
    const plans = store();
    await plans.write(plan(1));
    expect(await plans.readFreeze()).toBeUndefined();
    const freeze = { reason: 'incident 42', author: 'ops@host', at: new Date().toISOString() };
    await plans.writeFreeze(freeze);
    expect(await plans.readFreeze()).toEqual(freeze);
    expect(await store('other/').readFreeze()).toBeUndefined();
    expect(await plans.list()).toEqual([1]);
    expect((await plans.latest())?.generation).toBe(1);
    await plans.clearFreeze();
    await plans.clearFreeze();
    expect(await plans.readFreeze()).toBeUndefined();
  });

  it('finds the latest of many plans with one list and one get', async () => {
    const plans = store();
    for (let generation = 1; generation <= 25; generation++) await plans.write(plan(generation));
    const reader = createS3Client({ endpoint: moto.current.endpoint });
    const counts = countCommands(reader);
    const polling = store('prod/', reader);
    const first = await polling.latest();
    expect(first?.generation).toBe(25);
    expect(Object.fromEntries(counts)).toEqual({ ListObjectsV2Command: 1, GetObjectCommand: 1 });
    // Asked again with nothing new: the listing shows the same object, so no GET and the same plan.
    expect(await polling.latest()).toBe(first);
    expect(Object.fromEntries(counts)).toEqual({ ListObjectsV2Command: 2, GetObjectCommand: 1 });
    await plans.write(plan(26));
    expect((await polling.latest())?.generation).toBe(26);
    expect(Object.fromEntries(counts)).toEqual({ ListObjectsV2Command: 3, GetObjectCommand: 2 });
  });

  it('never overwrites: a second writer of generation N gets PlanExistsError and the first plan stays', async () => {
    await store().write(plan(5, 'planner-a', '192.0.2.1'));
    await expect(store().write(plan(5, 'planner-b', '192.0.2.2'))).rejects.toBeInstanceOf(PlanExistsError);
    expect((await store().read(5))?.createdBy).toBe('planner-a');
    // Writing the very same plan again (as a retried PUT would) is not a conflict.
    await store().write(plan(5, 'planner-a', '192.0.2.1'));
  });

  it("gives every concurrent loser PlanExistsError and keeps one whole winner's plan", async () => {
    // S3 makes If-None-Match atomic, so exactly one writer wins. moto does not: it checks, then puts, in a
    // threaded server, so under load two writers can both pass the check (seen: 2 of 5). What moto can
    // show is the store's side: losers get PlanExistsError, and the object is one winner's plan, intact.
    const writers = ['a', 'b', 'c', 'd', 'e'].map(() =>
      store('prod/', createS3Client({ endpoint: moto.current.endpoint })),
    );
    const candidates = writers.map((_, i) => plan(9, `planner-${i}`, `192.0.2.${i + 1}`));
    const outcomes = await Promise.allSettled(writers.map((writer, i) => writer.write(candidates[i])));
    const winners = outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [i] : []));
    expect(winners.length).toBeGreaterThanOrEqual(1);
    for (const outcome of outcomes)
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(PlanExistsError);
    const stored = await store().read(9);
    expect(winners.map((i) => candidates[i])).toContainEqual(stored);
  });

  it('refuses to delete a live generation, deletes the others, and tolerates an already deleted one', async () => {
    const plans = store();
    for (const generation of [1, 2, 3]) await plans.write(plan(generation));
    await expect(plans.delete(3, { live: new Set([3]) })).rejects.toBeInstanceOf(LivePlanError);
    await plans.delete(1, { live: new Set([3]) });
    await plans.delete(1, { live: new Set([3]) });
    expect(await plans.list()).toEqual([2, 3]);
  });

  it('leaves a plan in place when it changed between the look and the delete (If-Match)', async () => {
    await store().write(plan(4, 'planner-a'));
    const key = (await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'prod/' }))).Contents?.[0]?.Key;
    // Someone rewrites the object after cleanup read its ETag and before cleanup's DELETE arrives.
    const cleaner = createS3Client({ endpoint: moto.current.endpoint });
    cleaner.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'DeleteObjectCommand') {
          await client.send(
            new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: JSON.stringify(plan(4, 'planner-b')) }),
          );
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    await expect(store('prod/', cleaner).delete(4, { live: new Set() })).rejects.toThrow(
      /generation 4 changed while it was being deleted; left in place/,
    );
    expect((await store().read(4))?.createdBy).toBe('planner-b');
  });

  it('measures that moto enforces If-None-Match on PUT and If-Match on DELETE, and leaves no probe behind', async () => {
    expect(await store().selfCheck()).toEqual({ ifNoneMatchPut: true, ifMatchDelete: true });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(listed.Contents ?? []).toEqual([]);
  });

  it('refuses to write to a backend that ignores If-None-Match', async () => {
    // The same moto, reached through a client that drops the header: a stand-in for a store without conditional writes.
    const careless = createS3Client({ endpoint: moto.current.endpoint });
    careless.middlewareStack.add(
      (next) => async (args) => {
        delete (args.request as { headers: Record<string, string> }).headers['if-none-match'];
        return next(args);
      },
      { step: 'build' },
    );
    await expect(store('prod/', careless).write(plan(1))).rejects.toThrow(/ignores If-None-Match.*refusing to write/);
    expect(await store().list()).toEqual([]);
  });

  it('keeps prefixes apart and ignores foreign objects under the prefix', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'prod/README.txt', Body: 'not a plan' }));
    await store('prod/').write(plan(4));
    await store('staging/').write(plan(40));
    expect(await store('prod/').list()).toEqual([4]);
    const reader = createS3Client({ endpoint: moto.current.endpoint });
    const counts = countCommands(reader);
    expect((await store('prod/', reader).latest())?.generation).toBe(4);
    // The README sorts before the plans, and is skipped without a second list request.
    expect(Object.fromEntries(counts)).toEqual({ ListObjectsV2Command: 1, GetObjectCommand: 1 });
    expect((await store('staging/').latest())?.generation).toBe(40);
  });

  it('rejects a corrupt object with an error naming it, and a missing bucket by name', async () => {
    const plans = store();
    await plans.write(plan(2));
    const key = (await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'prod/' }))).Contents?.[0]?.Key;
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: '{"generation": 2,' }));
    await expect(plans.read(2)).rejects.toThrow(new RegExp(`s3://${BUCKET}/${key} is not JSON`));
    await expect(new S3PlanStore(client, { bucket: 'no-such-bucket', prefix: '' }).list()).rejects.toThrow(
      /bucket no-such-bucket does not exist/,
    );
  });

  it('is what openPlanStore returns for s3://bucket/prefix, with the endpoint from AWS_ENDPOINT_URL', async () => {
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = moto.current.endpoint;
    try {
      const plans = await openPlanStore(`s3://${BUCKET}/fleet/one`);
      await plans.write(plan(6));
      expect(plans.location).toBe(`s3://${BUCKET}/fleet/one/`);
      expect(await store('fleet/one/').list()).toEqual([6]);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = saved;
    }
  });
});
