import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { diffPlans, formatDiff } from '../../src/plan/diff.js';
import { FilePlanStore } from '../../src/plan/file-store.js';
import { parseFleet, type Fleet } from '../../src/plan/fleet.js';
import { Planner } from '../../src/plan/planner.js';
import type { Plan } from '../../src/plan/schema.js';
import { PlanExistsError, type PlanStore } from '../../src/plan/store.js';
import { FleetSim } from '../../src/scenario/fleet-sim.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { registry } from '../../src/telemetry/metrics.js';

const ids = ['lb-a', 'lb-b', 'lb-c', 'lb-d'];
let sim: FleetSim;
let fleet: Fleet;
let store: FilePlanStore;
const logger = createLogger('planner-test', 'silent');
/** The real file store, with a write that simulates losing races to other planners. */
const withWrite = (inner: PlanStore, write: PlanStore['write']): PlanStore => ({
  location: inner.location,
  write,
  read: (generation) => inner.read(generation),
  latest: () => inner.latest(),
  list: () => inner.list(),
  delete: (generation, guard) => inner.delete(generation, guard),
});
const weights = (plan: Plan | undefined) =>
  Object.fromEntries((plan?.endpoints[0].sets ?? []).map((set) => [set.setIdentifier, set.weight]));

beforeAll(async () => {
  sim = await FleetSim.start(ids);
  fleet = parseFleet({
    zone: 'example.test.',
    // Hysteresis of 1 so each pass reflects the simulator at once; health.test.ts covers the thresholds.
    defaults: { failuresToUnhealthy: 1, successesToHealthy: 1, healthTimeoutMs: 300 },
    endpoints: [
      {
        name: 'api.example.test.',
        type: 'A',
        loadBalancers: ids.map((id, i) => ({
          id,
          addresses: [`192.0.2.${i + 1}`],
          capacity: 100,
          healthCheckUrl: sim.url(id),
        })),
      },
    ],
  });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  for (const id of ids) sim.set(id, 'up');
  store = new FilePlanStore(path.join(await mkdtemp(path.join(os.tmpdir(), 'dnsplane-planner-')), 'plans'));
});

describe('Planner against the fleet simulator and the file store', () => {
  it('writes generation 1, then nothing new until health changes', async () => {
    const planner = new Planner({ fleet, store, id: 'p1', logger });
    const first = await planner.pass({ write: true });
    expect(first).toMatchObject({ reason: 'first', written: true });
    expect(weights(await store.latest())).toEqual({ 'lb-a': 255, 'lb-b': 255, 'lb-c': 255, 'lb-d': 255 });
    expect(await planner.pass({ write: true })).toMatchObject({ reason: 'unchanged', written: false });
    expect(await store.list()).toEqual([1]);
    sim.set('lb-d', 'down');
    const third = await planner.pass({ write: true });
    expect(third).toMatchObject({ reason: 'changed', written: true });
    expect(await store.list()).toEqual([1, 2]);
    expect(weights(await store.latest())).toEqual({ 'lb-a': 255, 'lb-b': 255, 'lb-c': 255 });
    expect(formatDiff(third.diff)).toContain('- lb-d weight 255 [192.0.2.4]');
  });

  it('dry-runs without writing', async () => {
    const pass = await new Planner({ fleet, store, logger }).pass({ write: false });
    expect(pass).toMatchObject({ reason: 'first', written: false });
    expect(await store.list()).toEqual([]);
  });

  it('spreads losing three of four load balancers over three generations', async () => {
    const planner = new Planner({ fleet, store, logger });
    await planner.pass({ write: true });
    for (const id of ['lb-b', 'lb-c', 'lb-d']) sim.set(id, 'down');
    const seen = [];
    for (let i = 0; i < 4; i++) {
      const pass = await planner.pass({ write: true });
      seen.push([pass.written, [...pass.decisions.values()][0].velocityLimited]);
    }
    expect(seen).toEqual([
      [true, true],
      [true, true],
      [true, false],
      [false, false],
    ]);
    expect(await store.list()).toEqual([1, 2, 3, 4]);
    expect(weights(await store.read(2))).toEqual({ 'lb-a': 255, 'lb-b': 170, 'lb-c': 170, 'lb-d': 170 });
    expect(weights(await store.latest())).toEqual({ 'lb-a': 255 });
  });

  it('fails static when every load balancer is down (including a hanging one), and recovers', async () => {
    const planner = new Planner({ fleet, store, logger });
    await planner.pass({ write: true });
    for (const id of ids) sim.set(id, 'down');
    sim.set('lb-a', 'hang');
    const pass = await planner.pass({ write: true });
    expect([...pass.decisions.values()][0].mode).toBe('fail-static');
    expect(await registry.getSingleMetricAsString('dnsplane_plan_fail_static_total')).toContain(
      'endpoint="api.example.test. A"',
    );
    expect(await registry.getSingleMetricAsString('dnsplane_health_checks_total')).toMatch(/result="timeout"} [1-9]/);
    expect(pass.written).toBe(false);
    expect(weights(await store.latest())).toEqual({ 'lb-a': 255, 'lb-b': 255, 'lb-c': 255, 'lb-d': 255 });
    sim.set('lb-a', 'up');
    const recovered = await planner.pass({ write: true });
    expect([...recovered.decisions.values()][0]).toMatchObject({ mode: 'normal', velocityLimited: true });
    expect(recovered.written).toBe(true);
  });

  it('writes an unchanged plan again once the heartbeat is due', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const planner = new Planner({ fleet, store, logger, heartbeatMs: 60_000, now: () => new Date(now) });
    await planner.pass({ write: true });
    now += 30_000;
    expect((await planner.pass({ write: true })).reason).toBe('unchanged');
    now += 30_000;
    expect(await planner.pass({ write: true })).toMatchObject({ reason: 'heartbeat', written: true });
    expect(await store.list()).toEqual([1, 2]);
    expect(diffPlans(await store.read(1), (await store.read(2))!).changed).toBe(false);
  });

  it('replans on top of a concurrent planner that stored the same generation first', async () => {
    await new Planner({ fleet, store, logger, id: 'one' }).pass({ write: true });
    sim.set('lb-d', 'down');
    // A store whose first write loses a race: another planner (with lb-c down too) writes generation 2 first.
    let raced = false;
    const racing = withWrite(store, async (plan) => {
      if (!raced) {
        raced = true;
        const other = structuredClone(plan);
        other.createdBy = 'two';
        other.endpoints[0].sets = other.endpoints[0].sets.filter((set) => set.setIdentifier !== 'lb-c');
        await store.write(other);
      }
      return store.write(plan);
    });
    const pass = await new Planner({ fleet, store: racing, logger, id: 'one' }).pass({ write: true });
    expect(pass).toMatchObject({ written: true, reason: 'changed' });
    expect(pass.plan.generation).toBe(3);
    expect((await store.read(2))?.createdBy).toBe('two');
    expect(weights(await store.read(3))).toEqual({ 'lb-a': 255, 'lb-b': 255, 'lb-c': 255 });
  });

  it('lets two planners share one store: generations stay contiguous and each one means a change', async () => {
    const a = new Planner({ fleet, store: new FilePlanStore(store.dir), logger, id: 'a' });
    const b = new Planner({ fleet, store: new FilePlanStore(store.dir), logger, id: 'b' });
    const rounds = [[], ['lb-d'], ['lb-d', 'lb-c'], ['lb-c'], []];
    for (const down of rounds) {
      for (const id of ids) sim.set(id, down.includes(id) ? 'down' : 'up');
      const passes = await Promise.all([a.pass({ write: true }), b.pass({ write: true })]);
      // Both saw the same health, so at most one of them has anything new to write.
      expect(passes.filter((pass) => pass.written).length).toBeLessThanOrEqual(1);
    }
    const generations = await store.list();
    expect(generations).toEqual(generations.map((_, i) => i + 1));
    for (let g = 2; g <= generations.length; g++) {
      expect(diffPlans(await store.read(g - 1), (await store.read(g))!).changed).toBe(true);
    }
  });

  it('gives up after a second lost race rather than fighting', async () => {
    await new Planner({ fleet, store, logger }).pass({ write: true });
    sim.set('lb-d', 'down');
    const alwaysLoses = withWrite(store, async (plan) => {
      throw new PlanExistsError(plan.generation, 'test');
    });
    await expect(new Planner({ fleet, store: alwaysLoses, logger }).pass({ write: true })).rejects.toBeInstanceOf(
      PlanExistsError,
    );
  });
});
