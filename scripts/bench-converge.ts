// Convergence benchmark (issue 6, item 3): from "plan written" to "every endpoint answers the new generation
// at the authority", per endpoint, observed the way the probe observes: DNS queries over UDP (queryDns, TCP on
// truncation) to the authority's DNS face. ENDPOINTS × SETS weighted records; every generation moves every
// endpoint to new addresses (the worst case: the whole zone changes), ROUNDS times.
//
// The enactor is started the moment the plan is written (as a watch on the plan store would start it); an
// enactor that polls adds on average half its --interval to every number here.
//   node bin/run-ts.js scripts/bench-converge.ts [--endpoints 1000] [--sets 5] [--rounds 5] [--concurrency 4] [--quick]
import { parseArgs } from 'node:util';
import { Enactor } from '../src/enactor/enactor.js';
import { queryDns } from '../src/probe/query.js';
import { createLogger } from '../src/telemetry/logger.js';
import { fmt, startBenchRig } from './bench-lib/harness.js';
import { benchPlan, endpointName, type PlanShape } from './bench-lib/plans.js';

const { values: args } = parseArgs({
  options: {
    endpoints: { type: 'string' },
    sets: { type: 'string', default: '5' },
    rounds: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    'in-flight': { type: 'string', default: '32' },
    quick: { type: 'boolean', default: false },
  },
});
const shape: PlanShape = { endpoints: Number(args.endpoints ?? (args.quick ? 50 : 1_000)), setsPerEndpoint: Number(args.sets) };
const rounds = Number(args.rounds ?? (args.quick ? 2 : 5));
const inFlight = Number(args['in-flight']);
const TIMEOUT_MS = 10_000;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

/**
 * Asks every endpoint, over and over, until each answers with an address of `generation` (its second octet);
 * returns per endpoint the ms from `since` to that first answer.
 */
async function observe(dnsPort: number, generation: number, since: number): Promise<number[]> {
  const pending = new Set(Array.from({ length: shape.endpoints }, (_, i) => i));
  const seenAt = new Array<number>(shape.endpoints);
  const deadline = since + TIMEOUT_MS;
  const queue: number[] = [];
  const worker = async () => {
    while (pending.size > 0) {
      if (performance.now() > deadline) throw new Error(`${pending.size} endpoints still not at generation ${generation} after ${TIMEOUT_MS} ms`);
      if (queue.length === 0) queue.push(...pending);
      const i = queue.shift()!;
      if (!pending.has(i)) continue;
      const reply = await queryDns({ server: { host: '127.0.0.1', port: dnsPort }, name: endpointName(i), type: 'A', timeoutMs: 1_000 }).catch(() => undefined);
      const at = performance.now();
      if (reply && reply.values.length > 0 && reply.values.every((value) => value.split('.')[1] === String(generation % 256))) {
        if (pending.delete(i)) seenAt[i] = at - since;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return seenAt;
}

const rig = await startBenchRig('converge');
try {
  const enactor = new Enactor({
    id: 'bench', store: rig.store, client: rig.client, zone: rig.zoneId, logger: createLogger('enactor', 'silent'),
    concurrency: Number(args.concurrency),
    // Every record set changes in every round: far above the change-share guard's 30%, deliberately.
    guard: { force: true },
  });
  await rig.store.write(benchPlan(1, shape));
  await enactor.runOnce();
  await observe(rig.authority.dnsPort, 1, performance.now());
  const all: number[] = [];
  console.log(`convergence: ${fmt(shape.endpoints)} endpoints × ${shape.setsPerEndpoint} sets, every endpoint's addresses change, ${rounds} rounds, ${inFlight} DNS queries in flight`);
  for (let round = 0; round < rounds; round++) {
    const generation = round + 2;
    const plan = benchPlan(generation, shape);
    const written = performance.now();
    await rig.store.write(plan);
    const [summary, seen] = await Promise.all([enactor.runOnce(), observe(rig.authority.dnsPort, generation, written)]);
    if (summary.applied.length !== shape.endpoints) {
      throw new Error(`generation ${generation}: applied ${summary.applied.length} of ${shape.endpoints} endpoints (${JSON.stringify(summary.refused[0] ?? summary.failed[0] ?? {})})`);
    }
    const sorted = [...seen].sort((a, b) => a - b);
    all.push(...seen);
    console.log(`  generation ${generation}: p50 ${fmt(percentile(sorted, 0.5))} ms, p99 ${fmt(percentile(sorted, 0.99))} ms, last ${fmt(sorted.at(-1)!)} ms (${summary.batches} batches)`);
  }
  const sorted = all.sort((a, b) => a - b);
  const p50 = percentile(sorted, 0.5);
  const p99 = percentile(sorted, 0.99);
  console.log(`convergence over ${fmt(sorted.length)} endpoint changes: p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms, max ${fmt(sorted.at(-1)!)} ms (target p99 ≤ 250 ms)`);
  console.log(`RESULT converge.p50_ms=${Math.round(p50)} converge.p99_ms=${Math.round(p99)}`);
} finally {
  await rig.close();
}
