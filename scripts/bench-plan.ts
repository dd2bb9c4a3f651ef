// Planner and plan-store benchmark: how long an atomic plan write takes (temp file, fsync, link, directory
// fsync), how latest() grows with the number of stored generations, and how long a whole planner pass takes
// (HTTP health checks of every load balancer against the fleet simulator, planning, writing).
//   node bin/run-ts.js scripts/bench-plan.ts [--endpoints 50] [--lbs 4] [--writes 200] [--passes 20]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FilePlanStore } from '../src/plan/file-store.js';
import { parseFleet } from '../src/plan/fleet.js';
import { buildPlan, Planner } from '../src/plan/planner.js';
import { FleetSim } from '../src/scenario/fleet-sim.js';
import { createLogger } from '../src/telemetry/logger.js';
import { latencySummary } from './bench-lib/stats.js';

const { values: args } = parseArgs({
  options: {
    endpoints: { type: 'string', default: '50' },
    lbs: { type: 'string', default: '4' },
    writes: { type: 'string', default: '200' },
    passes: { type: 'string', default: '20' },
  },
});
const endpointCount = Number(args.endpoints);
const lbCount = Number(args.lbs);

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const result = await fn();
  return [performance.now() - started, result];
}

const sim = await FleetSim.start();
const fleet = parseFleet({
  zone: 'bench.test.',
  defaults: { failuresToUnhealthy: 1, successesToHealthy: 1, healthTimeoutMs: 1000 },
  endpoints: Array.from({ length: endpointCount }, (_, e) => ({
    name: `svc-${e}.bench.test.`,
    type: 'A',
    loadBalancers: Array.from({ length: lbCount }, (_, l) => {
      const id = `lb-${e}-${l}`;
      sim.set(id, 'up');
      return {
        id,
        addresses: [`10.${e % 256}.${l}.1`, `10.${e % 256}.${l}.2`],
        capacity: 100 * (l + 1),
        healthCheckUrl: sim.url(id),
      };
    }),
  })),
});
const dir = await mkdtemp(join(tmpdir(), 'dnsplane-bench-plan-'));
try {
  const store = new FilePlanStore(join(dir, 'plans'));
  const template = buildPlan(fleet, () => true, undefined, {
    generation: 1,
    createdAt: new Date().toISOString(),
    createdBy: 'bench',
  }).plan;
  const size = JSON.stringify(template, null, 2).length;
  console.log(
    `plan: ${endpointCount} endpoints x ${lbCount} load balancers, ${(size / 1024).toFixed(1)} KiB per generation`,
  );

  const writes: number[] = [];
  for (let g = 1; g <= Number(args.writes); g++)
    writes.push((await time(() => store.write({ ...template, generation: g })))[0]);
  console.log(`FilePlanStore.write (atomic, fsynced): ${latencySummary(writes)}`);

  const latest: number[] = [];
  for (let i = 0; i < 50; i++) latest.push((await time(() => store.latest()))[0]);
  console.log(`FilePlanStore.latest with ${writes.length} generations stored: ${latencySummary(latest)}`);

  const planStore = new FilePlanStore(join(dir, 'planner'));
  const planner = new Planner({ fleet, store: planStore, logger: createLogger('bench', 'silent') });
  const passes: number[] = [];
  const ids = fleet.endpoints.flatMap((endpoint) => endpoint.loadBalancers.map((lb) => lb.id));
  for (let i = 0; i < Number(args.passes); i++) {
    sim.set(ids[Math.floor(i / 2) % ids.length], i % 2 === 0 ? 'down' : 'up'); // down, then up again: every pass changes
    passes.push((await time(() => planner.pass({ write: true })))[0]);
  }
  console.log(
    `Planner.pass (${ids.length} HTTP health checks + plan + write): ${latencySummary(passes)}; ${(await planStore.list()).length} generations written`,
  );
} finally {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
}
