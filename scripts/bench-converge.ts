// Convergence benchmark (issue 6, item 3): from "plan written" to "every endpoint answers the new generation
// at the authority", per endpoint, observed the way the probe observes: DNS queries over UDP to the authority's
// DNS face, from a separate process. ENDPOINTS × SETS weighted records, two kinds of generation:
//   health   the planner's everyday generation: one load balancer's health changes, so its set's weight changes
//            in every endpoint (drained to 0, then restored, in turns). Answers don't show a weight, so each
//            endpoint is observed through its fence TXT (`gen=G`), which the enactor writes in the same atomic
//            batch as the endpoint's records: the DNS face serves both or neither.
//   rewrite  the worst case: every address of every endpoint changes (the whole zone is rewritten), observed
//            through the endpoints' A answers (every address carries its generation).
// Each scenario runs WARMUP generations first, then ROUNDS measured ones. The measured ones are a running control
// plane's; the first generations after the processes start are slower while V8 compiles the hot paths and both
// heaps grow to their working size (their first full GCs land there): in the health scenario the third
// generation after start had p99 228–274 ms in four runs on the 2-core machine, later ones 140–230 ms. The
// warm-up generations are printed and their p99 is reported apart (RESULT …warmup_p99_ms), not hidden.
//
// Sweeps ask all pending endpoints, 256 queries in flight at a time (see bench-lib/dns-watch.ts).
// The enactor is started the moment the plan is written (as a watch on the plan store would start it); an
// enactor that polls adds on average half its --interval to every number here. The clock starts before the
// plan is written: the plan store's write is part of every number.
// Each generation also prints the CPU the authority and the enactor spent on it and the requests sent: unlike
// wall-clock times, these hardly depend on what else the machine is running.
// --verify-every MS is the enactor's verifyEveryMs (drift sweep interval; default: the enactor's, 10 s; 0 sweeps
// on every pass).
//   node bin/run-ts.js scripts/bench-converge.ts [--endpoints 1000] [--sets 5] [--rounds 10] [--warmup 3]
//     [--scenarios health,rewrite] [--concurrency 4] [--verify-every MS] [--quick]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { EnactorEvent } from '../src/enactor/events.js';
import type { Plan } from '../src/plan/schema.js';
import type { Observe } from './bench-lib/dns-watch-main.js';
import { benchEnactor, fmt, startBenchRig } from './bench-lib/harness.js';
import { benchPlan, type PlanShape } from './bench-lib/plans.js';
import { integerOption } from './script-args.js';
import { percentile } from './bench-lib/stats.js';

const { values: args } = parseArgs({
  options: {
    endpoints: { type: 'string' },
    sets: { type: 'string', default: '5' },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    scenarios: { type: 'string', default: 'health,rewrite' },
    concurrency: { type: 'string', default: '4' },
    'verify-every': { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});

const count = (name: string, raw: string, min: number) => integerOption('bench-converge', name, raw, min);

const shape: PlanShape = {
  endpoints: count('endpoints', args.endpoints ?? (args.quick ? '50' : '1000'), 1),
  setsPerEndpoint: count('sets', args.sets, 1),
};
const rounds = count('rounds', args.rounds ?? (args.quick ? '2' : '10'), 1);
const warmup = count('warmup', args.warmup ?? (args.quick ? '1' : '3'), 0);
const SCENARIOS = ['health', 'rewrite'] as const;
type Scenario = (typeof SCENARIOS)[number];
const scenarios = args.scenarios.split(',').map((name) => {
  if (!SCENARIOS.includes(name as Scenario))
    throw new Error(`--scenarios: unknown scenario '${name}' (known: ${SCENARIOS.join(', ')})`);
  return name as Scenario;
});
const runTs = fileURLToPath(new URL('../bin/run-ts.js', import.meta.url));
const watchMain = fileURLToPath(new URL('./bench-lib/dns-watch-main.ts', import.meta.url));
const now = () => performance.timeOrigin + performance.now();

/** The observer in its own process (see bench-lib/dns-watch-main.ts), asked once per generation. */
function startObserver(): {
  watch(generation: number, observe: Observe): Promise<{ seenAt: number[]; sweeps: number }>;
  stop(): void;
} {
  const child = spawn(process.execPath, [runTs, watchMain], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    watch: (generation, observe) =>
      new Promise((resolve, reject) => {
        child.once('message', (reply: { seenAt: number[]; sweeps: number } | { error: string }) =>
          'error' in reply ? reject(new Error(reply.error)) : resolve(reply),
        );
        child.send({ dnsPort: rig.authority.dnsPort, endpoints: shape.endpoints, generation, observe });
      }),
    stop: () => child.disconnect(),
  };
}

const rig = await startBenchRig('converge');
const observer = startObserver();
try {
  const enactor = benchEnactor(rig, {
    concurrency: count('concurrency', args.concurrency, 1),
    ...(args['verify-every'] !== undefined ? { verifyEveryMs: count('verify-every', args['verify-every'], 0) } : {}),
    // A generation that changes every endpoint is far above the change-share guard's 30%, deliberately.
    guard: { force: true },
  });
  let generation = 1;
  let addressGeneration = 1;
  await rig.store.write(benchPlan(generation, shape));
  await enactor.runOnce();
  await observer.watch(generation, 'address');

  /** One generation: the plan written, the enactor's pass and the observer's sweeps; per-endpoint times. */
  async function converge(
    plan: Plan,
    observe: Observe,
    label: string,
  ): Promise<{ seenAt: number[]; accepted: number[]; cpuMs: number }> {
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
      if (event.type === 'batch-accepted')
        for (const endpoint of event.endpoints) acceptedAt.set(endpoint, now() - written);
    };
    enactor.on('event', onAccepted);
    let firstBatchMs = 0;
    // Until the first batch leaves: the plan written and read from the store, the zone view and the decisions.
    enactor.once('event', function first(event) {
      if (event.type === 'batch-sent') firstBatchMs = now() - written;
      else enactor.once('event', first);
    });
    const pass = enactor.runOnce().then((summary) => ((passMs = now() - written), summary));
    const [summary, observed] = await Promise.all([pass, observer.watch(plan.generation, observe)]);
    enactor.off('event', onAccepted);
    if (summary.applied.length !== shape.endpoints) {
      throw new Error(
        `generation ${plan.generation}: applied ${summary.applied.length} of ${shape.endpoints} endpoints (${JSON.stringify(summary.refused[0] ?? summary.failed[0] ?? {})})`,
      );
    }
    const seenAt = observed.seenAt.map((at) => at - written).sort((a, b) => a - b);
    const accepted = [...acceptedAt.values()].sort((a, b) => a - b);
    const enactorCpuMs = ((usage) => (usage.user + usage.system) / 1000)(process.cpuUsage(enactorCpu));
    const authorityCpuMs = ((rig.authority.cpuSeconds() ?? NaN) - authorityCpu) * 1000;
    const sent = (operation: string) => (rig.requests.get(operation) ?? 0) - (requestsBefore.get(operation) ?? 0);
    const sweepMs = seenAt.at(-1)! / observed.sweeps || 0;
    console.log(
      `  generation ${plan.generation}${label}: answered p50 ${fmt(percentile(seenAt, 0.5))} ms, p99 ${fmt(percentile(seenAt, 0.99))} ms; ` +
        `accepted p50 ${fmt(percentile(accepted, 0.5))} ms, p99 ${fmt(percentile(accepted, 0.99))} ms; ` +
        `enactor pass ${fmt(passMs)} ms (first batch sent at ${fmt(firstBatchMs)} ms, ${summary.batches} batches); observer sweep ${fmt(sweepMs, 1)} ms`,
    );
    // The bench process is the enactor's, plus this loop's bookkeeping (the observer has its own process).
    console.log(
      `    CPU: authority ${fmt(authorityCpuMs)} ms, enactor ${fmt(enactorCpuMs)} ms; requests: ${sent('ChangeResourceRecordSets')} ChangeResourceRecordSets, ${sent('ListResourceRecordSets')} ListResourceRecordSets`,
    );
    return { seenAt, accepted, cpuMs: authorityCpuMs + enactorCpuMs };
  }

  const results: string[] = [];
  for (const scenario of scenarios) {
    const observe: Observe = scenario === 'health' ? 'fence' : 'address';
    console.log(
      scenario === 'health'
        ? `\nhealth: ${fmt(shape.endpoints)} endpoints × ${shape.setsPerEndpoint} sets; one load balancer's weight changes in every endpoint (drained, then restored); observed through each endpoint's fence TXT`
        : `\nrewrite: ${fmt(shape.endpoints)} endpoints × ${shape.setsPerEndpoint} sets; every address of every endpoint changes; observed through each endpoint's A answer`,
    );
    console.log(
      `  ${warmup} warm-up generation(s), then ${rounds} measured; DNS sweeps over all pending endpoints back to back, 256 queries in flight`,
    );
    const all: number[] = [];
    const allAccepted: number[] = [];
    const cpu: number[] = [];
    const cold: number[] = [];
    for (let round = 0; round < warmup + rounds; round++) {
      generation += 1;
      if (scenario === 'rewrite') addressGeneration = generation;
      const drained = scenario === 'health' && round % 2 === 0;
      // lb-0's weight is 1 in every plan; drained, it is 0 (weights are set + 1 + shift).
      const plan = benchPlan(generation, shape, {
        addressGeneration,
        weightShift: (_, set) => (drained && set === 0 ? -1 : 0),
      });
      const measured = round >= warmup;
      const outcome = await converge(plan, observe, measured ? '' : ' (warm-up, not counted)');
      if (!measured) {
        cold.push(...outcome.seenAt);
        continue;
      }
      all.push(...outcome.seenAt);
      allAccepted.push(...outcome.accepted);
      cpu.push(outcome.cpuMs);
    }
    const sorted = all.sort((a, b) => a - b);
    const accepted = allAccepted.sort((a, b) => a - b);
    const [p50, p99] = [percentile(sorted, 0.5), percentile(sorted, 0.99)];
    const cpuPerGeneration = cpu.reduce((sum, ms) => sum + ms, 0) / cpu.length;
    console.log(
      `${scenario}: over ${fmt(sorted.length)} endpoint changes: answered over DNS p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms, max ${fmt(sorted.at(-1)!)} ms (target p99 ≤ 250 ms)`,
    );
    console.log(
      `  batch accepted by the authority: p50 ${fmt(percentile(accepted, 0.5))} ms, p99 ${fmt(percentile(accepted, 0.99))} ms`,
    );
    console.log(`  CPU per generation (authority + enactor, mean): ${fmt(cpuPerGeneration)} ms`);
    const coldP99 =
      cold.length > 0
        ? percentile(
            cold.sort((a, b) => a - b),
            0.99,
          )
        : undefined;
    if (coldP99 !== undefined)
      console.log(`  the ${warmup} warm-up generation(s), not counted above: p99 ${fmt(coldP99)} ms`);
    const key = `converge.${scenario}`;
    results.push(
      `${key}.p50_ms=${Math.round(p50)} ${key}.p99_ms=${Math.round(p99)} ${key}.accepted_p99_ms=${Math.round(percentile(accepted, 0.99))} ` +
        `${key}.cpu_ms_per_generation=${Math.round(cpuPerGeneration)}${coldP99 !== undefined ? ` ${key}.warmup_p99_ms=${Math.round(coldP99)}` : ''}`,
    );
  }
  console.log(`RESULT ${results.join(' ')}`);
} finally {
  observer.stop();
  await rig.close();
}
