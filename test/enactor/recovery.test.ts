// Multi-endpoint batch recovery, throttling and cleanup, through the real SDK against the real authority.
import { ChangeResourceRecordSetsCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupPlans } from '../../src/enactor/cleanup.js';
import { LivePlanError } from '../../src/plan/store.js';
import { registry } from '../../src/telemetry/metrics.js';
import { fenceGeneration, host, liveWeights, startRig, type Rig } from './harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** A client that stalls every ChangeResourceRecordSets until released, to play a delayed enactor. */
function stallingClient(client: Route53Client) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reached!: () => void;
  const stalled = new Promise<void>((resolve) => (reached = resolve));
  let stallsLeft = 1;
  const wrapped = {
    config: client.config,
    send: async (command: { constructor: { name: string } }, options?: unknown) => {
      if (command.constructor.name === 'ChangeResourceRecordSetsCommand' && stallsLeft-- > 0) {
        reached();
        await gate;
      }
      return client.send(command as never, options as never);
    },
  } as unknown as Route53Client;
  return { client: wrapped, stalled, release };
}

describe('a rejected multi-endpoint batch', () => {
  it('re-reads its endpoints, stands down where the fence moved past it, and resends the rest alone', async () => {
    rig = await startRig();
    await rig.writePlan(1, { api: [10], web: [10] });
    await rig.enactor('bootstrap').runOnce();
    await rig.writePlan(2, { api: [20], web: [20] });
    const stall = stallingClient(rig.client);
    const slow = rig.enactor('slow', { client: stall.client });
    const slowRun = slow.runOnce();
    await stall.stalled;
    // Generation 3 only covers api; applying it moves api's fence, not web's.
    await rig.writePlan(3, { api: [30] });
    await rig.enactor('fast').runOnce();
    stall.release();
    const summary = await slowRun;

    expect(summary.stoodDown).toEqual([`${host('api')} A`]);
    expect(summary.applied).toEqual([`${host('web')} A`]);
    expect(summary.batches).toBe(2);
    const view = await rig.view();
    expect([fenceGeneration(view, 'api'), fenceGeneration(view, 'web')]).toEqual([3, 2]);
    expect([liveWeights(view, 'api'), liveWeights(view, 'web')]).toEqual([[30], [20]]);
  });
});

describe('a batch invalid in itself', () => {
  it('isolates the endpoint that cannot be written and fails it after one try alone, without resending it', async () => {
    rig = await startRig();
    // Someone put a CNAME where the plan wants weighted A sets: Route53 refuses every batch that creates them.
    await rig.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: rig.zoneId,
        ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: host('bad'), Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'elsewhere.example.' }] } }] },
      }),
    );
    await rig.writePlan(1, { good: [10], bad: [10] });
    const summary = await rig.enactor('one').runOnce();

    expect(summary.applied).toEqual([`${host('good')} A`]);
    expect(summary.failed).toEqual([{ endpoint: `${host('bad')} A`, error: expect.stringMatching(/invalid.*CNAME/s) }]);
    // Both together (refused), then each alone: good lands, bad is refused with nothing changed and not resent.
    expect(summary.batches).toBe(3);
    expect(liveWeights(await rig.view(), 'good')).toEqual([10]);
  });
});

describe('a lost response', () => {
  it('counts a batch as applied when the first attempt landed, its answer was lost, and the retry was rejected', async () => {
    rig = await startRig();
    await rig.writePlan(1, { api: [10] });
    const real = rig.client;
    let lost = 0;
    const lossy = {
      config: real.config,
      send: async (command: { constructor: { name: string } }, options?: unknown) => {
        const output = await real.send(command as never, options as never);
        if (command.constructor.name === 'ChangeResourceRecordSetsCommand' && lost++ === 0) {
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }
        return output;
      },
    } as unknown as Route53Client;
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
    // One endpoint per request, all 30 in flight at once, against a bucket of 20 refilled at 4/s: some are
    // throttled however slow the machine is. No client-side limiter here, so the authority's limit is what bites;
    // the pass interval stays well above the refill time so that the passes' own zone reads do not starve the rest.
    const enactor = rig.enactor('e1', { limits: { elements: 2, chars: 32_000 }, concurrency: 30, intervalMs: 500, retry: { baseMs: 100, capMs: 2_000, retries: 12 } });
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
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${applied.size} of ${labels.length} applied in 20 s`)), 20_000)));
    await Promise.race([allApplied, timeout]).finally(() => clearTimeout(timer));
    controller.abort();
    await running;
    // Read back only now: while the enactor runs it (rightly) uses the whole rate.
    const view = await rig.view();
    expect(labels.every((label) => fenceGeneration(view, label) === 1)).toBe(true);
    expect(labels.map((label) => liveWeights(view, label))).toEqual(labels.map(() => [10]));
    expect(enactor.caller.retries).toBeGreaterThan(0);
    const metric = await registry.getSingleMetric('dnsplane_route53_retries_total')!.get();
    const throttled = metric.values.filter((value) => value.labels.code === 'Throttling').reduce((sum, value) => sum + value.value, 0);
    expect(throttled).toBeGreaterThan(0);
  });
});

describe('cleanup', () => {
  it('deletes below the lowest fence of the planned endpoints, never a live generation (a dropped endpoint does not hold cleanup back)', async () => {
    rig = await startRig();
    await rig.writePlan(1, { api: [1], web: [1] });
    await rig.writePlan(2, { api: [2], web: [2], old: [2] });
    await rig.enactor('e1').runOnce(); // old stays fenced at 2: later plans drop it
    await rig.writePlan(3, { api: [3], web: [3] });
    await rig.writePlan(4, { api: [4], web: [4] });
    await rig.enactor('e1').runOnce();
    await rig.writePlan(5, { api: [5] });
    await rig.enactor('e1').runOnce();
    await rig.writePlan(6, { api: [6], web: [6] });

    const dry = await cleanupPlans({ store: rig.store, client: rig.client, zoneId: rig.zoneId, retention: 0, dryRun: true });
    // web (4) is the lowest planned endpoint; old, dropped at 2, keeps generation 2 live but bounds nothing.
    expect(dry).toMatchObject({ live: [2, 4, 5], deleteBelow: 4, deleted: [1, 3] });
    expect(await rig.store.list()).toEqual([1, 2, 3, 4, 5, 6]);

    const result = await cleanupPlans({ store: rig.store, client: rig.client, zoneId: rig.zoneId, retention: 0 });
    expect(result.deleted).toEqual([1, 3]);
    expect(await rig.store.list()).toEqual([2, 4, 5, 6]);
    await expect(rig.store.delete(2, { live: new Set(result.live) })).rejects.toBeInstanceOf(LivePlanError);
    expect(await rig.store.read(2)).toBeDefined();
  });

  it('runs after each apply when enabled, keeping the retention', async () => {
    rig = await startRig();
    for (let generation = 1; generation <= 5; generation++) await rig.writePlan(generation, { api: [generation] });
    await rig.enactor('e1', { cleanupRetention: 2 }).runOnce();
    expect(await rig.store.list()).toEqual([3, 4, 5]);
  });
});
