// Multi-endpoint batch recovery, throttling and cleanup, through the real SDK against the real authority.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupPlans } from '../../src/enactor/cleanup.js';
import { LivePlanError } from '../../src/plan/store.js';
import { hookPort } from '../../src/route53/port.js';
import { registry } from '../../src/telemetry/metrics.js';
import { fenceGeneration, host, liveWeights, poisonWithCname, stallingPort, startRig, type Rig } from './harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('a rejected batch', () => {
  it('re-reads the fences only, and stands down on every shard a newer generation moved (removal included)', async () => {
    rig = await startRig();
    await rig.writePlan(1, { api: [10], web: [10] });
    await rig.enactor('bootstrap').runOnce();
    await rig.writePlan(2, { api: [20], web: [20] });
    const stall = stallingPort(rig.port);
    const slow = rig.enactor('slow', { client: stall.client });
    const slowRun = slow.runOnce();
    await stall.stalled;
    // Generation 3 drops web: applying it removes web's records and moves EVERY shard fence, web's included.
    await rig.writePlan(3, { api: [30] });
    await rig.enactor('fast').runOnce();
    stall.release();
    const summary = await slowRun;

    expect(summary.stoodDown.sort()).toEqual([`${host('api')} A`, `${host('web')} A`]);
    expect(summary.applied).toEqual([]);
    expect(summary.batches).toBe(1);
    const view = await rig.view();
    expect([fenceGeneration(view, 'api'), fenceGeneration(view, 'web')]).toEqual([3, 3]);
    // The slow enactor's gen-2 content for web never lands after web's removal (issue 11, case 1).
    expect([liveWeights(view, 'api'), liveWeights(view, 'web')]).toEqual([[30], []]);
  });
});

describe('a poisoned endpoint', () => {
  it('is left out of its shard (x=), reported, and the rest goes in one request', async () => {
    rig = await startRig();
    // Someone put a CNAME where the plan wants weighted A sets: Route53 refuses every batch that creates them.
    await poisonWithCname(rig, 'bad');
    await rig.writePlan(1, { good: [10], bad: [10] });
    const summary = await rig.enactor('one').runOnce();

    expect(summary.applied).toEqual([`${host('good')} A`]);
    expect(summary.poisoned).toEqual([`${host('bad')} A`]);
    expect(summary.failed).toEqual([
      { endpoint: `${host('bad')} A`, error: expect.stringMatching(/poisoned.*CNAME/s) },
    ]);
    // Everything together (refused, naming bad), then everything but bad: accepted.
    expect(summary.batches).toBe(2);
    const view = await rig.view();
    expect(liveWeights(view, 'good')).toEqual([10]);
    expect(view.shardFences.get('dnsplane.test.')!.get(10)).toMatchObject({
      generation: 1,
      excluded: [`${host('bad')} A`],
    });
  });
});

describe('a lost response', () => {
  it('counts a batch as applied when the first attempt landed, its answer was lost, and the retry was rejected', async () => {
    rig = await startRig();
    await rig.writePlan(1, { api: [10] });
    let lost = 0;
    const lossy = hookPort(rig.port, {
      after(call) {
        if (call.method === 'changeResourceRecordSets' && lost++ === 0) {
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }
      },
    });
    const summary = await rig.enactor('e1', { client: lossy }).runOnce();
    expect(summary).toMatchObject({ applied: [`${host('api')} A`], stoodDown: [], failed: [], batches: 1 });
    const view = await rig.view();
    expect([fenceGeneration(view, 'api'), liveWeights(view, 'api')]).toEqual([1, [10]]);
  });
});

describe('throttling', () => {
  it('converges through the authority rate limit with jittered retries, and counts them', async () => {
    rig = await startRig({ rateLimit: 4 });
    // The enactor's own pass loop, as `dnsplane enact` runs it.
    const labels = Array.from({ length: 30 }, (_, i) => `ep${i}`);
    await rig.writePlan(1, Object.fromEntries(labels.map((label) => [label, [10]])));
    // The 30 endpoints fall in 30 different shards: one endpoint (fence + set) per request, the other 34 shards'
    // fence-only swaps two per request, all in flight at once, against a bucket of 20 refilled at 4/s: some are
    // throttled however slow the machine is. No client-side limiter here, so the authority's limit is what bites;
    // the pass interval stays well above the refill time so that the passes' own reads (fences, and the endpoints of
    // shards not yet fenced) do not starve the rest.
    const enactor = rig.enactor('e1', {
      limits: { elements: 2, chars: 32_000 },
      concurrency: 30,
      intervalMs: 1_000,
      verifyEveryMs: 10_000,
      retry: { baseMs: 100, capMs: 2_000, retries: 12 },
    });
    // The retry budget may run dry in the burst (that is its job); what is left is picked up by the next pass.
    const applied = new Set<string>();
    const allApplied = new Promise<void>((resolve) =>
      enactor.on('event', (event) => {
        if (event.type === 'batch-accepted') event.endpoints.forEach((endpoint) => applied.add(endpoint));
        if (applied.size === labels.length) resolve();
      }),
    );
    const controller = new AbortController();
    const running = enactor.run(controller.signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise(
      (_, reject) =>
        (timer = setTimeout(
          () => reject(new Error(`only ${applied.size} of ${labels.length} applied in 60 s`)),
          60_000,
        )),
    );
    await Promise.race([allApplied, timeout]).finally(() => clearTimeout(timer));
    controller.abort();
    await running;
    // Read back only now: while the enactor runs it (rightly) uses the whole rate.
    const view = await rig.view();
    expect(labels.every((label) => fenceGeneration(view, label) === 1)).toBe(true);
    expect(labels.map((label) => liveWeights(view, label))).toEqual(labels.map(() => [10]));
    expect(enactor.caller.retries).toBeGreaterThan(0);
    const metric = await registry.getSingleMetric('dnsplane_route53_retries_total')!.get();
    const throttled = metric.values
      .filter((value) => value.labels.code === 'Throttling')
      .reduce((sum, value) => sum + value.value, 0);
    expect(throttled).toBeGreaterThan(0);
  }, 90_000);
});

describe('cleanup', () => {
  it('deletes below the lowest shard fence, never a generation a fence names (I5)', async () => {
    rig = await startRig();
    // api and web are in different shards (47 and 41).
    await rig.writePlan(1, { api: [255, 255, 255, 255], web: [1] });
    await rig.enactor('e1').runOnce();
    await rig.writePlan(2, { api: [255, 170, 170, 170], web: [2] });
    await rig.writePlan(3, { api: [255, 85, 85, 85], web: [3] });
    await rig.writePlan(4, { api: [255, 0, 0, 0], web: [4] });
    // 1 -> 4 would take 75% of api's weight at once: its shard walks to 3 (50%); web's goes to 4.
    await rig.enactor('e1').runOnce();
    await rig.writePlan(5, { api: [255, 0, 0, 0], web: [5] });

    const dry = await cleanupPlans({
      store: rig.store,
      client: rig.port,
      zoneId: rig.zoneId,
      retention: 0,
      dryRun: true,
    });
    expect(dry).toMatchObject({ live: [3, 4], deleteBelow: 3, deleted: [1, 2] });
    expect(await rig.store.list()).toEqual([1, 2, 3, 4, 5]);

    const result = await cleanupPlans({ store: rig.store, client: rig.port, zoneId: rig.zoneId, retention: 0 });
    expect(result.deleted).toEqual([1, 2]);
    expect(await rig.store.list()).toEqual([3, 4, 5]);
    await expect(rig.store.delete(3, { live: new Set(result.live) })).rejects.toBeInstanceOf(LivePlanError);
    expect(await rig.store.read(3)).toBeDefined();
  });

  it('runs after each apply when enabled, keeping the retention', async () => {
    rig = await startRig();
    for (let generation = 1; generation <= 5; generation++) await rig.writePlan(generation, { api: [generation] });
    await rig.enactor('e1', { cleanupRetention: 2 }).runOnce();
    expect(await rig.store.list()).toEqual([3, 4, 5]);
  });
});
