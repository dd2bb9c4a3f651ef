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
    'in-flight': { type: 'string', default: '8' },
    quick: { type: 'boolean', default: false },
  },
});
const shape: PlanShape = { endpoints: Number(args.endpoints ?? (args.quick ? 50 : 1_000)), setsPerEndpoint: Number(args.sets) };
const rounds = Number(args.rounds ?? (args.quick ? 2 : 5));
const inFlight = Number(args['in-flight']);
const TIMEOUT_MS = 30_000;
const SWEEP_PAUSE_MS = 2;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

/**
 * Asks every endpoint not yet converged, sweep after sweep (IN_FLIGHT queries at a time, a short pause between
 * sweeps so the observer does not starve the enactor and the authority it is observing), until each answers
 * with an address of `generation` (its second octet). Returns, per endpoint, the ms from `since` to the reply
 * that first showed it, and the mean sweep time (the resolution of those numbers).
 */
async function observe(dnsPort: number, generation: number, since: number): Promise<{ seenAt: number[]; sweepMs: number }> {
  const pending = new Set(Array.from({ length: shape.endpoints }, (_, i) => i));
  const seenAt = new Array<number>(shape.endpoints);
  const wanted = String(generation % 256);
  let sweeps = 0;
  while (pending.size > 0) {
    if (performance.now() > since + TIMEOUT_MS) throw new Error(`${pending.size} endpoints still not at generation ${generation} after ${TIMEOUT_MS} ms`);
    const queue = [...pending];
    const worker = async () => {
      for (let i = queue.pop(); i !== undefined; i = queue.pop()) {
        const reply = await queryDns({ server: { host: '127.0.0.1', port: dnsPort }, name: endpointName(i), type: 'A', timeoutMs: 1_000 }).catch(() => undefined);
        if (reply && reply.values.length > 0 && reply.values.every((value) => value.split('.')[1] === wanted)) {
          seenAt[i] = performance.now() - since;
          pending.delete(i);
        }
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    sweeps += 1;
    await new Promise((resolve) => setTimeout(resolve, SWEEP_PAUSE_MS));
  }
  return { seenAt, sweepMs: (performance.now() - since) / sweeps };
}

const rig = await startBenchRig('converge');
try {
  const enactor = new Enactor({
    id: 'bench',
    store: rig.store,
    client: rig.client,
    zone: rig.zoneId,
    logger: createLogger('enactor', 'silent'),
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
    let passMs = 0;
    let firstBatchMs = 0;
    // Until the first batch leaves: the plan read from the store, the zone read and the decisions.
    enactor.once('event', function first(event) {
      if (event.type === 'batch-sent') firstBatchMs = performance.now() - written;
      else enactor.once('event', first);
    });
    const pass = enactor.runOnce().then((summary) => ((passMs = performance.now() - written), summary));
    const [summary, { seenAt, sweepMs }] = await Promise.all([pass, observe(rig.authority.dnsPort, generation, written)]);
    if (summary.applied.length !== shape.endpoints) {
      throw new Error(`generation ${generation}: applied ${summary.applied.length} of ${shape.endpoints} endpoints (${JSON.stringify(summary.refused[0] ?? summary.failed[0] ?? {})})`);
    }
    const sorted = [...seenAt].sort((a, b) => a - b);
    all.push(...seenAt);
    console.log(
      `  generation ${generation}: p50 ${fmt(percentile(sorted, 0.5))} ms, p99 ${fmt(percentile(sorted, 0.99))} ms, last ${fmt(sorted.at(-1)!)} ms; ` +
        `enactor pass ${fmt(passMs)} ms (first batch sent at ${fmt(firstBatchMs)} ms, ${summary.batches} batches); observer sweep ${fmt(sweepMs, 1)} ms`,
    );
  }
  const sorted = all.sort((a, b) => a - b);
  const p50 = percentile(sorted, 0.5);
  const p99 = percentile(sorted, 0.99);
  console.log(`convergence over ${fmt(sorted.length)} endpoint changes: p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms, max ${fmt(sorted.at(-1)!)} ms (target p99 ≤ 250 ms)`);
  console.log(`RESULT converge.p50_ms=${Math.round(p50)} converge.p99_ms=${Math.round(p99)}`);
} finally {
  await rig.close();
}
