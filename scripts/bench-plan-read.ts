// What one enactor pays, in CPU, between "a new plan is stored" and "its batch is decided": reading the plan
// file, JSON.parse, validation against the plan schema, splitting it into shards, digesting the shards.
// Each stage runs on its own, so the stages add up to more than store.read, which validates only once.
// The file store reads a plan shard by shard (sharded-file.ts): its read stages are the header (the shard
// index), one shard (what a generation changing one endpoint reads), and every shard (plan.endpoints).
// CPU time (process.cpuUsage: user + system) rather than wall time, because the machine is shared.
//   node bin/run-ts.js scripts/bench-plan-read.ts [--endpoints 100000] [--sets 3] [--repeat 5]
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FilePlanStore, planFileName } from '../src/plan/file-store.js';
import { withoutShardIndex } from '../src/plan/sharded-file.js';
import { contentDigest, shardPlan } from '../src/plan/shards.js';
import { acceptPlanFast } from '../src/plan/plan-fast-path.js';
import { parsePlan } from '../src/plan/schema.js';
import { benchPlan } from './bench-lib/plans.js';

const { values: args } = parseArgs({
  options: {
    endpoints: { type: 'string', default: '100000' },
    sets: { type: 'string', default: '3' },
    repeat: { type: 'string', default: '5' },
  },
});
const shape = { endpoints: Number(args.endpoints), setsPerEndpoint: Number(args.sets) };
const repeat = Number(args.repeat);

/** CPU milliseconds (user + system) that `fn` took. */
async function cpu<T>(fn: () => T | Promise<T>): Promise<[number, T]> {
  const before = process.cpuUsage();
  const result = await fn();
  const used = process.cpuUsage(before);
  return [(used.user + used.system) / 1000, result];
}

const stages = [
  'read file',
  'JSON.parse',
  'validate: zod (parsePlan)',
  'validate: acceptPlanFast',
  'split + digest (shardPlan)',
  'of which digests',
  'store.read: the header',
  'store.read: one shard',
  'store.read: every shard',
];
const samples = new Map<string, number[]>(stages.map((stage) => [stage, []]));
const dir = await mkdtemp(join(tmpdir(), 'dnsplane-bench-plan-read-'));
try {
  const store = new FilePlanStore(dir);
  await store.write(benchPlan(1, shape));
  const file = join(dir, planFileName(1));
  for (let run = 0; run < repeat; run++) {
    const [readMs, text] = await cpu(() => readFile(file, 'utf8'));
    const [parseMs, json] = await cpu(() => withoutShardIndex(JSON.parse(text)));
    const [zodMs, plan] = await cpu(() => parsePlan(json, 'bench'));
    const [fastMs, accepted] = await cpu(() => acceptPlanFast(json));
    if (!accepted) throw new Error('the fast path refused a valid plan');
    const [splitMs, sharded] = await cpu(() => shardPlan(plan));
    const [digestMs] = await cpu(() => sharded.content.map((shard) => contentDigest(shard)));
    const [headerMs, stored] = await cpu(() => store.read(1));
    const [shardMs] = await cpu(() => shardPlan(stored!).content[0]);
    const [everyMs] = await cpu(() => stored!.endpoints);
    const measured = [readMs, parseMs, zodMs, fastMs, splitMs, digestMs, headerMs, shardMs, everyMs];
    for (const [stage, ms] of measured.entries()) samples.get(stages[stage])!.push(ms);
    if (run === 0)
      console.log(
        `plan file: ${(text.length / 1e6).toFixed(1)} MB, ${shape.endpoints} endpoints × ${shape.setsPerEndpoint} sets`,
      );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`CPU ms per stage, median of ${repeat} (min–max):`);
for (const [stage, values] of samples)
  console.log(
    `  ${stage.padEnd(28)} ${median(values).toFixed(0).padStart(6)}  (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`,
  );
