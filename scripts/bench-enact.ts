// Enactment benchmark (issue 6, item 2): the real Enactor, through the real SDK over HTTP, against a real
// authority in its own process. (1) A plan of ENDPOINTS × SETS weighted records from an empty zone, then a
// generation that changes 10% of the record sets; records/s, batches, requests, time. (2) With the
// authority's rate limit at Route53's (10 requests/s, bucket 50) and the enactor limiting itself to the same
// rate, ResourceRecord elements per second as a share of the bound (10 req/s × 1,000 elements).
//   node bin/run-ts.js scripts/bench-enact.ts [--endpoints 20000] [--sets 5] [--concurrency 4]
//     [--rate-limit 10] [--limited-endpoints 9500] [--limited-values 5] [--limited-concurrency 8] [--skip-limited] [--quick]
//   BENCH_AUTHORITY_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the authority process.
import { parseArgs } from 'node:util';
import type { RunSummary } from '../src/enactor/options.js';
import type { EnactorEvent } from '../src/enactor/events.js';
import type { Plan } from '../src/plan/schema.js';
import { benchEnactor, startBenchRig, fmt, type BenchRig } from './bench-lib/harness.js';
import { benchPlan, churnPlan, churnedSets, type PlanShape } from './bench-lib/plans.js';
import { integerOption } from './script-args.js';

const { values: args } = parseArgs({
  options: {
    endpoints: { type: 'string' },
    sets: { type: 'string', default: '5' },
    'limited-endpoints': { type: 'string' },
    'limited-values': { type: 'string', default: '5' },
    'rate-limit': { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '4' },
    // Under the rate limit more batches may wait in flight: the limiter, not the round trip, sets the pace.
    'limited-concurrency': { type: 'string', default: '8' },
    quick: { type: 'boolean', default: false },
    'skip-limited': { type: 'boolean', default: false },
  },
});
const count = (name: string, raw: string, min = 1) => integerOption('bench-enact', name, raw, min);
const sets = count('sets', args.sets);
const endpoints = count('endpoints', args.endpoints ?? (args.quick ? '200' : '20000'));
// 9,500 endpoints × 5 sets × 5 addresses: 26 elements per endpoint, 38 per request (988 elements), ~250
// requests, so about 25 s at 10 requests/s: long enough for a steady state, small enough to load quickly.
const limitedEndpoints = count('limited-endpoints', args['limited-endpoints'] ?? (args.quick ? '100' : '9500'));
const limitedValues = count('limited-values', args['limited-values']);
const rateLimit = count('rate-limit', args['rate-limit']);
const concurrency = count('concurrency', args.concurrency);
const limitedConcurrency = count('limited-concurrency', args['limited-concurrency']);
/** Route53's bound: requests per second × ResourceRecord elements per request. */
const ELEMENTS_PER_REQUEST = 1_000;

interface PassResult {
  summary: RunSummary;
  ms: number;
  /** CPU seconds used during the pass by the authority process and by this one (enactor + SDK). */
  authorityCpu: number;
  enactorCpu: number;
  elements: number;
  requests: Record<string, number>;
  /** ms from the pass start to each accepted batch, with its elements. */
  accepted: Array<{ atMs: number; elements: number }>;
}

async function enact(
  rig: BenchRig,
  plan: Plan,
  options: { rateLimit?: number; concurrency?: number } = {},
): Promise<PassResult> {
  await rig.store.write(plan);
  rig.requests.clear();
  const enactor = benchEnactor(rig, {
    concurrency: options.concurrency ?? concurrency,
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
  });
  const sent = new Map<string, number>();
  const accepted: PassResult['accepted'] = [];
  let elements = 0;
  const authorityCpu = rig.authority.cpuSeconds() ?? 0;
  const ownCpu = process.cpuUsage();
  const started = performance.now();
  let lastProgress = started;
  enactor.on('event', (event: EnactorEvent) => {
    if (event.type === 'batch-sent') sent.set(event.batch, event.elements);
    if (event.type === 'batch-accepted') {
      const batchElements = sent.get(event.batch) ?? 0;
      elements += batchElements;
      accepted.push({ atMs: performance.now() - started, elements: batchElements });
    }
    if (event.type === 'progress' && performance.now() - lastProgress > 2_000) {
      lastProgress = performance.now();
      console.log(
        `  … ${event.batchesDone}/${event.batchesTotal} batches, ${event.endpointsDone}/${event.endpointsTotal} endpoints, ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  });
  const summary = await enactor.runOnce();
  const ms = performance.now() - started;
  if (summary.failed.length > 0 || summary.refused.length > 0) {
    throw new Error(
      `generation ${plan.generation}: ${summary.failed.length} failed, ${summary.refused.length} refused (first: ${JSON.stringify(summary.failed[0] ?? summary.refused[0])})`,
    );
  }
  const used = process.cpuUsage(ownCpu);
  return {
    summary,
    ms,
    authorityCpu: (rig.authority.cpuSeconds() ?? 0) - authorityCpu,
    enactorCpu: (used.user + used.system) / 1e6,
    elements,
    requests: Object.fromEntries(rig.requests),
    accepted,
  };
}

function describe(label: string, records: number, result: PassResult): string {
  const requests = Object.entries(result.requests)
    .map(([operation, n]) => `${n} ${operation}`)
    .join(', ');
  return (
    `${label}: ${fmt(records)} records in ${fmt(result.ms / 1000, 2)} s = ${fmt(records / (result.ms / 1000))} records/s; ` +
    `${result.summary.applied.length} endpoints, ${result.summary.batches} batches, ${fmt(result.elements)} elements; requests: ${requests}; ` +
    `CPU: authority ${fmt(result.authorityCpu, 1)} s, enactor ${fmt(result.enactorCpu, 1)} s`
  );
}

async function unlimited(): Promise<void> {
  const shape: PlanShape = { endpoints, setsPerEndpoint: sets };
  const rig = await startBenchRig('enact');
  try {
    const first = await enact(rig, benchPlan(1, shape));
    console.log(describe(`from empty (${fmt(endpoints)} endpoints × ${sets} sets)`, endpoints * sets, first));
    const churn = await enact(rig, churnPlan(2, shape, 1));
    console.log(describe(`10% churn (${fmt(churnedSets(shape))} sets changed)`, churnedSets(shape), churn));
    console.log(
      `RESULT enact.empty.seconds=${(first.ms / 1000).toFixed(2)} enact.empty.records_per_s=${Math.round((endpoints * sets) / (first.ms / 1000))} enact.churn.seconds=${(churn.ms / 1000).toFixed(2)}`,
    );
  } finally {
    await rig.close();
  }
}

/**
 * Steady state under the rate limit. The authority's bucket starts full (50 requests) and the enactor's own
 * limiter (the same rate, one second of burst) starts full too; either would flatter a short run. Elements are
 * therefore counted only after the first 50 requests, over the rest of the run, and compared with the bound,
 * rate × 1,000 elements per second. Throttling answers, if any, show up as extra requests.
 */
async function limited(): Promise<void> {
  const shape: PlanShape = { endpoints: limitedEndpoints, setsPerEndpoint: sets, valuesPerSet: limitedValues };
  const rig = await startBenchRig('enact-limited', { rateLimit });
  try {
    const result = await enact(rig, benchPlan(1, shape), { rateLimit, concurrency: limitedConcurrency });
    const burst = rateLimit * 5;
    // Too short a run (--quick) has no steady state: then the whole run counts, burst included, and says so.
    const steadyState = result.accepted.length > burst + 2;
    const window = steadyState ? result.accepted.slice(burst) : [{ atMs: 0, elements: 0 }, ...result.accepted];
    const windowMs = window.at(-1)!.atMs - window[0].atMs;
    const windowElements = window.slice(1).reduce((sum, batch) => sum + batch.elements, 0);
    const perSecond = windowElements / (windowMs / 1000);
    const bound = rateLimit * ELEMENTS_PER_REQUEST;
    const label = `rate-limited ${rateLimit} req/s (${fmt(limitedEndpoints)} endpoints × ${sets} sets × ${limitedValues} addresses)`;
    console.log(describe(label, limitedEndpoints * sets * limitedValues, result));
    console.log(
      `rate-limited ${steadyState ? `steady state (after the first ${burst} requests, the authority's full bucket)` : 'whole run (too short for a steady state; includes the initial burst)'}: ` +
        `${fmt(perSecond)} elements/s over ${window.length - 1} batches in ${fmt(windowMs / 1000, 1)} s; bound ${fmt(bound)} elements/s; ratio ${(perSecond / bound).toFixed(3)}`,
    );
    console.log(
      `RESULT enact.limited.ratio=${(perSecond / bound).toFixed(3)} enact.limited.elements_per_s=${Math.round(perSecond)}`,
    );
  } finally {
    await rig.close();
  }
}

await unlimited();
if (!args['skip-limited']) await limited();
