// Scale benchmark (issue 11): what one plan generation costs as the zone grows, with the authority throttling at
// Route53's 10 requests/s and three real `dnsplane enact` processes sharing that budget, each through its own
// counting relay (bench-lib/counting-relay.ts). The zone: N endpoints × 3 weighted sets, one address each.
// Per generation (1 endpoint changed, 1%, 10%): Route53 requests, change batches, ResourceRecord elements and
// value characters (as Route53 counts them), throttled answers, and the time until every changed endpoint
// answers its new address over DNS (UDP to the authority's DNS face, from this process). Then a fresh enactor
// taking over an in-sync zone, and the idle load of the three. Ratios against the bounds: elements per request
// against Route53's 1,000, characters against 32,000, requests against the fewest that could carry the
// generation's changed records, and requests/s against the account's 10.
//
// A generation's window runs from the plan's write until no change batch was sent for --quiet (and the changed
// endpoints answer): it holds every enactor's passes over that generation (stand-downs and conflicts too), and
// the idle requests in that window, which the idle line states apart.
//   node bin/run-ts.js scripts/bench-scale.ts [--sizes 1000] [--enactors 3] [--rate-limit 10] [--interval 1s]
//     [--idle 35s] [--quiet 3s] [--seed auto|enactors|direct] [--quick]
// Seeding: the enactors roll out generation 1 themselves (one whole-zone read each, then the batches), or, for
// zones above 20,000 endpoints, the benchmark writes generation 1's records and shard fences straight through
// the API with the authority started WITHOUT its rate limit, then restarts the authority with the limit on the
// same data directory before any enactor starts (a first rollout of 100,000 endpoints × 3 sets puts ~4,700
// records in each shard, more than one fenced request carries: the enactor refuses it as too-large).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDuration } from '../src/cli/duration.js';
import type { Plan } from '../src/plan/schema.js';
import { emptyCounts, startCountingRelay, type CountingRelay, type RelayCounts } from './bench-lib/counting-relay.js';
import { dnsSweeper } from './bench-lib/dns-watch.js';
import { startAuthorityProcess } from './bench-lib/authority-process.js';
import { fmt, startBenchRig, type BenchRig } from './bench-lib/harness.js';
import { seedZone } from './bench-lib/seed-zone.js';
import { address, BENCH_ZONE, benchPlan, endpointName } from './bench-lib/plans.js';
import { percentile } from './bench-lib/stats.js';
import { HELP_OPTION, integerOption, parseScriptArgs, usageError } from './script-args.js';
import { ROUTE53_LIMITS } from '../src/route53/change-batch.js';

const USAGE = `usage: node bin/run-ts.js scripts/bench-scale.ts [--sizes 1000] [--enactors 3] [--rate-limit 10] [--interval 1s] [--idle 35s] [--quiet 3s] [--quick]
  --sizes LIST      zone sizes in endpoints (3 weighted sets each), comma-separated (default 1000)
  --enactors N      enactor processes (default 3); each limits itself to rate-limit / N requests/s
  --rate-limit R    the authority's requests/s, as Route53's account limit (default 10)
  --interval D      each enactor's --interval (default 1s)
  --idle D          how long to count the idle load (default 35s: longer than the enactors' 30 s full read)
  --quiet D         a generation ends once no change batch was sent for this long (default 3s)
  --seed MODE       enactors: they roll out generation 1; direct: written through the unthrottled API, then
                    the authority restarts throttled; auto (default): direct above 20,000 endpoints
  --quick           a smoke run: 60 endpoints, short idle`;
const { values: args } = parseScriptArgs('bench-scale', USAGE, () =>
  parseArgs({
    options: {
      sizes: { type: 'string' },
      enactors: { type: 'string', default: '3' },
      'rate-limit': { type: 'string', default: '10' },
      interval: { type: 'string', default: '1s' },
      idle: { type: 'string' },
      quiet: { type: 'string', default: '3s' },
      seed: { type: 'string', default: 'auto' },
      quick: { type: 'boolean', default: false },
      ...HELP_OPTION,
    },
  }),
);
const sizes = (args.sizes ?? (args.quick ? '60' : '1000'))
  .split(',')
  .map((size) => integerOption('bench-scale', 'sizes', size, 10));
const enactorCount = integerOption('bench-scale', 'enactors', args.enactors, 1);
const rateLimit = integerOption('bench-scale', 'rate-limit', args['rate-limit'], 1);
const duration = (name: string, text: string) => {
  try {
    return parseDuration(text, `--${name}`);
  } catch (error) {
    usageError('bench-scale', (error as Error).message, USAGE);
  }
};
const idleMs = duration('idle', args.idle ?? (args.quick ? '3s' : '35s'));
const quietMs = duration('quiet', args.quiet);
if (!['auto', 'enactors', 'direct'].includes(args.seed))
  usageError('bench-scale', `--seed must be auto, enactors or direct, got ${args.seed}`, USAGE);
const DIRECT_SEED_ABOVE = 20_000;
const SETS = 3;
const dnsplane = fileURLToPath(new URL('../bin/dnsplane.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface EnactorProcess {
  id: string;
  relay: CountingRelay;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A real `dnsplane enact` through its own counting relay; resolves once it logged 'enactor started'. */
async function startEnactor(rig: BenchRig, id: string): Promise<EnactorProcess> {
  const relay = await startCountingRelay(rig.authority.endpoint);
  const perEnactor = (rateLimit / enactorCount).toFixed(2);
  const argv = [
    dnsplane,
    'enact',
    '--id',
    id,
    '--plans',
    rig.store.dir,
    '--zone',
    BENCH_ZONE,
    '--endpoint-url',
    relay.url,
    '--interval',
    args.interval,
    '--rate-limit',
    perEnactor,
    '--audit',
    '',
  ];
  // BENCH_ENACTOR_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the enactor processes.
  const nodeArgs = process.env.BENCH_ENACTOR_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, ...argv], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DNSPLANE_LOG_LEVEL: 'info', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
  });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-20_000);
      if (stderr.includes('"msg":"enactor started"')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`enactor ${id} exited with ${code} before it started:\n${stderr.slice(-2000)}`)),
    );
  });
  return {
    id,
    relay,
    child,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await relay.close();
    },
  };
}

/** All relays' counts added up. */
function total(enactors: readonly EnactorProcess[]): RelayCounts {
  const sum = emptyCounts();
  for (const { relay } of enactors) {
    const c = relay.counts;
    sum.requests += c.requests;
    for (const [operation, n] of c.byOperation)
      sum.byOperation.set(operation, (sum.byOperation.get(operation) ?? 0) + n);
    sum.elements += c.elements;
    sum.chars += c.chars;
    sum.maxElements = Math.max(sum.maxElements, c.maxElements);
    sum.maxChars = Math.max(sum.maxChars, c.maxChars);
    sum.throttled += c.throttled;
    sum.rejected += c.rejected;
    sum.lastChangeAt = Math.max(sum.lastChangeAt, c.lastChangeAt);
    sum.lastRequestAt = Math.max(sum.lastRequestAt, c.lastRequestAt);
  }
  return sum;
}

/** Waits until no change batch was sent for quietMs (and at least quietMs has passed since `from`). */
async function quiet(enactors: readonly EnactorProcess[], from: number): Promise<number> {
  for (;;) {
    const last = Math.max(from, total(enactors).lastChangeAt);
    if (performance.now() - last >= quietMs) return last;
    await sleep(100);
  }
}

/**
 * Waits until each enactor has been silent for quietMs (no request of any kind): on a fresh zone every enactor
 * starts with a whole-zone read, and the losers may still be paging through it after the winner's batch is
 * visible; an idle window that started then would count their seeding as idle load.
 */
async function settled(enactors: readonly EnactorProcess[], limitMs = 600_000): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (performance.now() < deadline) {
    const now = performance.now();
    if (enactors.every((enactor) => now - enactor.relay.counts.lastRequestAt >= quietMs)) return;
    await sleep(100);
  }
  throw new Error(`the enactors did not fall silent for ${quietMs} ms within ${limitMs / 1000} s of seeding`);
}

/** Until every named endpoint answers an address of `generation` over DNS; ms after `from` per endpoint. */
async function visible(
  dnsPort: number,
  endpoints: readonly number[],
  generation: number,
  from: number,
): Promise<number[]> {
  const names = endpoints.map(endpointName);
  const seenAt = new Map<number, number>();
  const sweeper = await dnsSweeper(dnsPort, names, 'A');
  sweeper.onReply = (index, values) => {
    if (!seenAt.has(index) && values.some((value) => Number(value.split('.')[1]) === generation % 256))
      seenAt.set(index, performance.now() - from);
  };
  try {
    while (seenAt.size < names.length) {
      await sweeper.sweep(
        names.map((_, i) => i).filter((i) => !seenAt.has(i)),
        500,
      );
      await sleep(20);
    }
  } finally {
    sweeper.close();
  }
  return [...seenAt.values()].sort((a, b) => a - b);
}

function describe(label: string, c: RelayCounts, seconds: number, changedSets: number): string[] {
  const changes = c.byOperation.get('ChangeResourceRecordSets') ?? 0;
  const lists = c.byOperation.get('ListResourceRecordSets') ?? 0;
  // The fewest requests that could carry the changed records: each changed set is a DELETE and a CREATE of one value.
  const minimalElements = changedSets * 2;
  const minimalRequests = Math.max(1, Math.ceil(minimalElements / ROUTE53_LIMITS.elements));
  const perRequest = (n: number) => (changes > 0 ? n / changes : 0);
  return [
    `  ${label}: ${fmt(c.requests)} requests (${fmt(changes)} ChangeResourceRecordSets, ${fmt(lists)} ListResourceRecordSets, ${fmt(c.requests - changes - lists)} other), ` +
      `${fmt(c.throttled)} throttled, ${fmt(c.rejected)} rejected; last change batch at ${fmt(seconds, 1)} s`,
    `    ${fmt(c.elements)} elements, ${fmt(c.chars)} value chars; per batch ${fmt(perRequest(c.elements))} elements (${fmt((100 * perRequest(c.elements)) / ROUTE53_LIMITS.elements, 1)}% of 1,000), ` +
      `${fmt(perRequest(c.chars))} chars (${fmt((100 * perRequest(c.chars)) / ROUTE53_LIMITS.chars, 1)}% of 32,000); largest batch ${fmt(c.maxElements)} elements, ${fmt(c.maxChars)} chars`,
    minimalElements > 0
      ? `    vs the changed records alone (${fmt(minimalElements)} elements, ≥ ${minimalRequests} request): ${fmt(c.elements / minimalElements, 1)}× the elements, ` +
        `${fmt(c.requests / minimalRequests, 1)}× the requests; at ${rateLimit} req/s these requests alone take ${fmt(c.requests / rateLimit, 1)} s`
      : `    nothing changed: every element is overhead; at ${rateLimit} req/s these requests alone take ${fmt(c.requests / rateLimit, 1)} s`,
  ];
}

const results: string[] = [];
for (const size of sizes) {
  console.log(
    `\nscale ${fmt(size)}: ${fmt(size)} endpoints × ${SETS} weighted sets; authority --rate-limit ${rateLimit}; ${enactorCount} enactor processes at ${(rateLimit / enactorCount).toFixed(2)} req/s each, --interval ${args.interval}`,
  );
  const direct = args.seed === 'direct' || (args.seed === 'auto' && size > DIRECT_SEED_ABOVE);
  const rig = await startBenchRig(`scale-${size}`, direct ? {} : { rateLimit });
  const enactors: EnactorProcess[] = [];
  try {
    const shape = { endpoints: size, setsPerEndpoint: SETS };
    let plan: Plan = benchPlan(1, shape);
    await rig.store.write(plan);
    const seedStart = performance.now();
    if (direct) {
      const { requests } = await seedZone(rig.authority.client, rig.zoneId, plan);
      await rig.authority.stop();
      rig.authority = await startAuthorityProcess(join(rig.dir, 'authority'), { rateLimit });
      console.log(
        `  seeded generation 1 directly: ${fmt(requests)} requests through the API with the authority unthrottled, then restarted with --rate-limit ${rateLimit} (journal replay ${fmt(rig.authority.recovery.loadMs)} ms) in ${fmt((performance.now() - seedStart) / 1000, 1)} s`,
      );
    }
    const startStart = performance.now();
    for (let i = 0; i < enactorCount; i++) enactors.push(await startEnactor(rig, `e${i + 1}`));
    if (!direct)
      await visible(
        rig.authority.dnsPort,
        Array.from({ length: size }, (_, e) => e),
        1,
        seedStart,
      );
    await quiet(enactors, startStart);
    await settled(enactors);
    console.log(
      direct
        ? `  ${enactorCount} enactors started on the seeded zone and fell silent in ${fmt((performance.now() - startStart) / 1000, 1)} s (${fmt(total(enactors).requests)} requests, not counted below)`
        : `  seeded generation 1 in ${fmt((performance.now() - seedStart) / 1000, 1)} s (${fmt(total(enactors).requests)} requests, not counted below)`,
    );

    for (const enactor of enactors) enactor.relay.reset();
    await sleep(idleMs);
    const idle = total(enactors);
    const idleRate = idle.requests / (idleMs / 1000);
    console.log(
      `  idle, ${enactorCount} enactors in sync: ${fmt(idle.requests)} requests in ${fmt(idleMs / 1000, 1)} s = ${fmt(idleRate, 2)} req/s (${fmt((100 * idleRate) / rateLimit, 1)}% of ${rateLimit} req/s; target < 1 req/s)`,
    );
    results.push(`scale.${size}.idle_req_per_s=${idleRate.toFixed(3)}`);

    const scenarios: Array<{ key: string; label: string; share: number }> = [
      { key: 'one', label: '1 endpoint changed', share: 0 },
      { key: 'pct1', label: '1% of endpoints changed', share: 0.01 },
      { key: 'pct10', label: '10% of endpoints changed', share: 0.1 },
    ];
    for (const [round, scenario] of scenarios.entries()) {
      const generation = plan.generation + 1;
      // Spread evenly over the zone (so over its name space), at least one; a different offset each round.
      const k = Math.max(1, Math.round(size * scenario.share));
      const changed = Array.from({ length: k }, (_, i) => (Math.floor((i * size) / k) + round) % size);
      plan = structuredClone(plan);
      plan.generation = generation;
      plan.createdAt = new Date().toISOString();
      for (const e of changed) plan.endpoints[e].sets.forEach((set, s) => (set.values = [address(generation, e, s)]));
      // The clock and the counts start once the plan is in the store: writing (and validating) a 100,000-endpoint
      // plan is the planner's work, seconds of CPU that are not the enactors'.
      const writeStart = performance.now();
      await rig.store.write(plan);
      for (const enactor of enactors) enactor.relay.reset();
      const start = performance.now();
      const writeMs = start - writeStart;
      const seen = await visible(rig.authority.dnsPort, changed, generation, start);
      const end = await quiet(enactors, start);
      const counts = total(enactors);
      const seconds = (end - start) / 1000;
      console.log(
        `  generation ${generation}, ${scenario.label} (${fmt(changed.length)}): visible over DNS p50 ${fmt(percentile(seen, 0.5))} ms, max ${fmt(seen.at(-1)!)} ms after the plan was stored (writing it took ${fmt(writeMs)} ms)`,
      );
      for (const line of describe('cost', counts, Math.max(seconds, 0.001), changed.length * SETS)) console.log(line);
      // Per enactor, so that the one that sent the generation can be told from the others (waiting, trusting the
      // enactment hint, or reading for their drift sweep, which the window also holds: about idle rate × window).
      console.log(
        `    per enactor: ${enactors
          .map(({ id, relay: { counts: c } }) => {
            const change = c.byOperation.get('ChangeResourceRecordSets') ?? 0;
            return `${id} ${c.requests} (${change} Change, ${c.rejected} rejected, ${c.byOperation.get('ListResourceRecordSets') ?? 0} List)`;
          })
          .join('; ')}; window ${fmt((performance.now() - start) / 1000, 1)} s`,
      );
      // The sender: the enactor that sent the most ChangeResourceRecordSets (the others only read, if anything).
      const sender = enactors
        .map(({ relay: { counts: c } }) => ({
          requests: c.requests,
          changes: c.byOperation.get('ChangeResourceRecordSets') ?? 0,
        }))
        .reduce((best, next) => (next.changes > best.changes ? next : best));
      results.push(
        `scale.${size}.${scenario.key}.requests=${counts.requests} scale.${size}.${scenario.key}.sender_requests=${sender.requests} scale.${size}.${scenario.key}.elements=${counts.elements} scale.${size}.${scenario.key}.visible_ms=${Math.round(seen.at(-1)!)}`,
      );
    }

    // A fresh enactor takes over: one of them stops, a new one starts against the in-sync zone.
    await enactors.shift()!.stop();
    for (const enactor of enactors) enactor.relay.reset();
    const takeoverStart = performance.now();
    const fresh = await startEnactor(rig, `fresh`);
    enactors.push(fresh);
    const started = performance.now();
    await sleep(quietMs);
    await quiet(enactors, started);
    const freshCounts = fresh.relay.counts;
    console.log(
      `  a fresh enactor taking over the in-sync zone (start-up self-check included), until ${fmt(quietMs / 1000, 1)} s without a change batch:`,
    );
    for (const line of describe(
      'fresh enactor',
      freshCounts,
      (Math.max(freshCounts.lastChangeAt, started) - takeoverStart) / 1000,
      0,
    ))
      console.log(line);
    results.push(`scale.${size}.takeover.requests=${freshCounts.requests}`);
  } finally {
    for (const enactor of enactors) await enactor.stop().catch(() => undefined);
    await rig.close();
  }
}
console.log(`RESULT ${results.join(' ')}`);
