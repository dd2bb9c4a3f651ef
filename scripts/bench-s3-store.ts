// S3 plan store benchmark against moto_server's S3 on loopback: conditional-write latency, how latest() and
// list() grow with the number of stored generations, and a race of several planners per generation (exactly
// one must win each round) (--part writes); and what reading one large plan costs, by shard or whole
// (--part reads): GET requests and bytes, counted by a proxy in front of moto (test/helpers/s3-proxy.ts).
//   node bin/run-ts.js scripts/bench-s3-store.ts [--part all|writes|reads] [--plans 1000] [--writers 10]
//     [--rounds 100] [--endpoints 100000] [--sets 3]
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseArgs } from 'node:util';
import { createS3Client, planKeySuffix } from '../src/plan/s3-client.js';
import { S3PlanStore } from '../src/plan/s3-store.js';
import type { Plan } from '../src/plan/schema.js';
import { shardPlan } from '../src/plan/shards.js';
import { startMoto, type MotoServer } from '../test/helpers/moto-server.js';
import { startS3Proxy } from '../test/helpers/s3-proxy.js';
import { benchPlan } from './bench-lib/plans.js';
import { latencySummary } from './bench-lib/stats.js';

const { values: args } = parseArgs({
  options: {
    plans: { type: 'string', default: '1000' },
    writers: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '100' },
    part: { type: 'string', default: 'all' },
    endpoints: { type: 'string', default: '100000' },
    sets: { type: 'string', default: '3' },
  },
});
if (!['all', 'writes', 'reads'].includes(args.part)) throw new Error(`--part ${args.part}: all, writes or reads`);
const planCount = Number(args.plans);
const writerCount = Number(args.writers);
const rounds = Number(args.rounds);

function plan(generation: number, createdBy = 'bench'): Plan {
  return {
    generation,
    createdAt: new Date().toISOString(),
    createdBy,
    zone: 'bench.test.',
    endpoints: [
      {
        name: 'api.bench.test.',
        type: 'A',
        ttl: 60,
        sets: [{ setIdentifier: 'lb-0', weight: 1, values: ['192.0.2.1'] }],
      },
    ],
  };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function writes(client: S3Client, moto: MotoServer): Promise<void> {
  const store = new S3PlanStore(client, { bucket: 'bench-plans', prefix: 'bench/' });
  console.log(`moto_server ${moto.endpoint}; ${planCount} plans, ${writerCount} writers x ${rounds} rounds`);
  console.log(
    `first write (includes the conditional-write self-check): ${(await timed(() => store.write(plan(1)))).toFixed(2)} ms`,
  );

  const writes: number[] = [];
  const checkpoints = new Set([10, 100, 1000, 10000].filter((n) => n <= planCount));
  for (let generation = 2; generation <= planCount; generation++) {
    writes.push(await timed(() => store.write(plan(generation))));
    if (checkpoints.has(generation)) {
      const latest: number[] = [];
      for (let i = 0; i < 20; i++) latest.push(await timed(() => store.latest()));
      const listed = await timed(() => store.list());
      console.log(`  ${generation} plans stored: latest() ${latencySummary(latest)}; list() ${listed.toFixed(1)} ms`);
    }
  }
  console.log(`conditional PUT (If-None-Match: *): ${latencySummary(writes)}`);

  const racers = Array.from(
    { length: writerCount },
    () => new S3PlanStore(createS3Client({ endpoint: moto.endpoint }), { bucket: 'bench-plans', prefix: 'race/' }),
  );
  await Promise.all(racers.map((racer) => racer.selfCheck()));
  let wrongRounds = 0;
  for (let generation = 1; generation <= rounds; generation++) {
    const outcomes = await Promise.allSettled(racers.map((racer, i) => racer.write(plan(generation, `planner-${i}`))));
    if (outcomes.filter((outcome) => outcome.status === 'fulfilled').length !== 1) wrongRounds++;
  }
  console.log(
    `race: ${rounds} rounds of ${writerCount} concurrent writers, rounds without exactly one winner: ${wrongRounds}`,
  );
}

/** Reads one large plan through a counting proxy: whole (as written before the shard index), then by shard. */
async function reads(client: S3Client, moto: MotoServer): Promise<void> {
  const shape = { endpoints: Number(args.endpoints), setsPerEndpoint: Number(args.sets) };
  const prefix = 'reads/';
  await new S3PlanStore(client, { bucket: 'bench-plans', prefix }).write(benchPlan(1, shape));
  // Generation 2 as the store wrote every plan before the shard index: plain JSON, read whole.
  const plain = JSON.stringify(benchPlan(2, shape), null, 2);
  await client.send(new PutObjectCommand({ Bucket: 'bench-plans', Key: `${prefix}${planKeySuffix(2)}`, Body: plain }));
  const proxy = await startS3Proxy(moto.endpoint);
  try {
    const store = new S3PlanStore(createS3Client({ endpoint: proxy.endpoint }), { bucket: 'bench-plans', prefix });
    let seen = 0;
    /** GETs and bytes since the last call, and the wall time of `step`. */
    const measure = async (label: string, step: () => unknown) => {
      const started = performance.now();
      await step();
      const ms = performance.now() - started;
      const all = (await proxy.requests()).filter((request) => request.method === 'GET');
      const fresh = all.slice(seen);
      seen = all.length;
      const bytes = fresh.reduce((sum, request) => sum + request.bytes, 0);
      console.log(
        `  ${label.padEnd(44)} ${String(fresh.length).padStart(3)} GET  ${(bytes / 1e6).toFixed(2).padStart(6)} MB  ${ms.toFixed(0).padStart(6)} ms`,
      );
    };
    console.log(`reading a plan of ${shape.endpoints} endpoints × ${shape.setsPerEndpoint} sets`);
    // Before the shard index this object was one GET of all of it; the store now asks for its first bytes first.
    await measure(`whole, plain JSON (${(plain.length / 1e6).toFixed(1)} MB object)`, async () => {
      const plan = await store.read(2);
      if (plan?.endpoints.length !== shape.endpoints) throw new Error('the plain plan did not read back');
    });
    let plan: Awaited<ReturnType<S3PlanStore['read']>>;
    await measure('sharded: the header (store.read)', async () => (plan = await store.read(1)));
    // The first shard read also starts the worker thread of the synchronous GETs (s3-sync-get.ts).
    await measure('sharded: one shard (the first)', () => shardPlan(plan!).content[0]);
    await measure('sharded: the same shard again', () => shardPlan(plan!).content[0]);
    await measure('sharded: another shard', () => shardPlan(plan!).content[1]);
    await measure('sharded: the other 62 shards (plan.endpoints)', () => {
      if (plan!.endpoints.length !== shape.endpoints) throw new Error('the sharded plan did not read back');
    });
  } finally {
    await proxy.stop();
  }
}

const moto = await startMoto();
try {
  const client = createS3Client({ endpoint: moto.endpoint });
  await client.send(new CreateBucketCommand({ Bucket: 'bench-plans' }));
  if (args.part !== 'reads') await writes(client, moto);
  if (args.part !== 'writes') await reads(client, moto);
} finally {
  await moto.stop();
}
