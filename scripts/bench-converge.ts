// Convergence benchmark (issue 6, item 3): from "plan written" to "every endpoint answers the new generation
// at the authority", per endpoint, observed the way the probe observes: DNS queries over UDP (queryDns, TCP on
// truncation) to the authority's DNS face. ENDPOINTS × SETS weighted records; every generation moves every
// endpoint to new addresses (the worst case: the whole zone changes), ROUNDS times.
//
// Sweeps ask all pending endpoints, 256 queries in flight at a time (see bench-lib/dns-watch.ts).
// The enactor is started the moment the plan is written (as a watch on the plan store would start it); an
// enactor that polls adds on average half its --interval to every number here.
// Each generation also prints the CPU the authority and the enactor spent on it and the requests sent: unlike
// wall-clock times, these hardly depend on what else the machine is running.
// --full-read-every MS is the enactor's fullReadEveryMs (default: the enactor's, 30 s; 0 lists the whole zone
// on every pass, as before the zone view was kept between passes).
//   node bin/run-ts.js scripts/bench-converge.ts [--endpoints 1000] [--sets 5] [--rounds 5] [--concurrency 4] [--full-read-every MS] [--quick]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { EnactorEvent } from '../src/enactor/events.js';
import { benchEnactor, fmt, startBenchRig } from './bench-lib/harness.js';
import { benchPlan, type PlanShape } from './bench-lib/plans.js';

const { values: args } = parseArgs({
  options: {
    endpoints: { type: 'string' },
    sets: { type: 'string', default: '5' },
    rounds: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    'full-read-every': { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const shape: PlanShape = { endpoints: Number(args.endpoints ?? (args.quick ? 50 : 1_000)), setsPerEndpoint: Number(args.sets) };
const rounds = Number(args.rounds ?? (args.quick ? 2 : 5));
const runTs = fileURLToPath(new URL('../bin/run-ts.js', import.meta.url));
const watchMain = fileURLToPath(new URL('./bench-lib/dns-watch-main.ts', import.meta.url));
const now = () => performance.timeOrigin + performance.now();

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

/** The observer in its own process (see bench-lib/dns-watch-main.ts), asked once per generation. */
function startObserver(): { watch(generation: number): Promise<{ seenAt: number[]; sweeps: number }>; stop(): void } {
  const child = spawn(process.execPath, [runTs, watchMain], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    watch: (generation) =>
      new Promise((resolve, reject) => {
        child.once('message', (reply: { seenAt: number[]; sweeps: number } | { error: string }) => ('error' in reply ? reject(new Error(reply.error)) : resolve(reply)));
        child.send({ dnsPort: rig.authority.dnsPort, endpoints: shape.endpoints, generation });
      }),
    stop: () => child.disconnect(),
  };
}

const rig = await startBenchRig('converge');
const observer = startObserver();
try {
  const enactor = benchEnactor(rig, {
    concurrency: Number(args.concurrency),
    ...(args['full-read-every'] !== undefined ? { fullReadEveryMs: Number(args['full-read-every']) } : {}),
    // Every record set changes in every round: far above the change-share guard's 30%, deliberately.
    guard: { force: true },
  });
  await rig.store.write(benchPlan(1, shape));
  await enactor.runOnce();
  await observer.watch(1);
  const all: number[] = [];
  const cpu: number[] = [];
  const allAccepted: number[] = [];
  console.log(`convergence: ${fmt(shape.endpoints)} endpoints × ${shape.setsPerEndpoint} sets, every endpoint's addresses change, ${rounds} rounds, DNS sweeps over all pending endpoints back to back, 256 queries in flight`);
  for (let round = 0; round < rounds; round++) {
    const generation = round + 2;
    const plan = benchPlan(generation, shape);
    const authorityCpu = rig.authority.cpuSeconds() ?? NaN;
    const enactorCpu = process.cpuUsage();
    const requestsBefore = new Map(rig.requests);
    const written = now();
    await rig.store.write(plan);
    let passMs = 0;
    // When the enactor learns that each endpoint's batch was accepted. The authority committed it a little
    // earlier and its DNS face may already serve it, so DNS can show a change a few ms before this.
    const acceptedAt = new Map<string, number>();
    const onAccepted = (event: EnactorEvent) => {
      if (event.type === 'batch-accepted') for (const endpoint of event.endpoints) acceptedAt.set(endpoint, now() - written);
    };
    enactor.on('event', onAccepted);
    let firstBatchMs = 0;
    // Until the first batch leaves: the plan read from the store, the zone read and the decisions.
    enactor.once('event', function first(event) {
      if (event.type === 'batch-sent') firstBatchMs = now() - written;
      else enactor.once('event', first);
    });
    const pass = enactor.runOnce().then((summary) => ((passMs = now() - written), summary));
    const [summary, observed] = await Promise.all([pass, observer.watch(generation)]);
    const seenAt = observed.seenAt.map((at) => at - written);
    const sweepMs = (Math.max(...seenAt) / observed.sweeps) || 0;
    if (summary.applied.length !== shape.endpoints) {
      throw new Error(`generation ${generation}: applied ${summary.applied.length} of ${shape.endpoints} endpoints (${JSON.stringify(summary.refused[0] ?? summary.failed[0] ?? {})})`);
    }
    enactor.off('event', onAccepted);
    const enactorCpuMs = ((usage) => (usage.user + usage.system) / 1000)(process.cpuUsage(enactorCpu));
    const authorityCpuMs = ((rig.authority.cpuSeconds() ?? NaN) - authorityCpu) * 1000;
    const sent = (operation: string) => (rig.requests.get(operation) ?? 0) - (requestsBefore.get(operation) ?? 0);
    cpu.push(authorityCpuMs + enactorCpuMs);
    const sorted = [...seenAt].sort((a, b) => a - b);
    all.push(...seenAt);
    const accepted = [...acceptedAt.values()].sort((a, b) => a - b);
    allAccepted.push(...accepted);
    console.log(
      `  generation ${generation}: answered p50 ${fmt(percentile(sorted, 0.5))} ms, p99 ${fmt(percentile(sorted, 0.99))} ms; ` +
        `accepted p50 ${fmt(percentile(accepted, 0.5))} ms, p99 ${fmt(percentile(accepted, 0.99))} ms; ` +
        `enactor pass ${fmt(passMs)} ms (first batch sent at ${fmt(firstBatchMs)} ms, ${summary.batches} batches); observer sweep ${fmt(sweepMs, 1)} ms`,
    );
    // The bench process is the enactor's, plus this loop's bookkeeping (the observer has its own process).
    console.log(
      `    CPU: authority ${fmt(authorityCpuMs)} ms, enactor ${fmt(enactorCpuMs)} ms; requests: ${sent('ChangeResourceRecordSets')} ChangeResourceRecordSets, ${sent('ListResourceRecordSets')} ListResourceRecordSets`,
    );
  }
  const sorted = all.sort((a, b) => a - b);
  const p50 = percentile(sorted, 0.5);
  const p99 = percentile(sorted, 0.99);
  const accepted = allAccepted.sort((a, b) => a - b);
  console.log(`convergence over ${fmt(sorted.length)} endpoint changes: answered over DNS p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms, max ${fmt(sorted.at(-1)!)} ms (target p99 ≤ 250 ms)`);
  console.log(`  batch accepted by the authority: p50 ${fmt(percentile(accepted, 0.5))} ms, p99 ${fmt(percentile(accepted, 0.99))} ms`);
  const cpuPerGeneration = cpu.reduce((sum, ms) => sum + ms, 0) / cpu.length;
  console.log(`  CPU per generation (authority + enactor, mean): ${fmt(cpuPerGeneration)} ms`);
  console.log(`RESULT converge.p50_ms=${Math.round(p50)} converge.p99_ms=${Math.round(p99)} converge.accepted_p99_ms=${Math.round(percentile(accepted, 0.99))} converge.cpu_ms_per_generation=${Math.round(cpuPerGeneration)}`);
} finally {
  observer.stop();
  await rig.close();
}
