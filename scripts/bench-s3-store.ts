// S3 plan store benchmark against moto_server's S3 on loopback: conditional-write latency, how latest() and
// list() grow with the number of stored generations, and a race of several planners per generation (exactly
// one must win each round).
//   node bin/run-ts.js scripts/bench-s3-store.ts [--plans 1000] [--writers 10] [--rounds 100]
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { parseArgs } from 'node:util';
import { createS3Client } from '../src/plan/s3-client.js';
import { S3PlanStore } from '../src/plan/s3-store.js';
import type { Plan } from '../src/plan/schema.js';
import { startMoto } from '../test/helpers/moto-server.js';
import { latencySummary } from './bench-lib/stats.js';

const { values: args } = parseArgs({
  options: {
    plans: { type: 'string', default: '1000' },
    writers: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '100' },
  },
});
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

const moto = await startMoto();
try {
  const client = createS3Client({ endpoint: moto.endpoint });
  await client.send(new CreateBucketCommand({ Bucket: 'bench-plans' }));
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
} finally {
  await moto.stop();
}
