// The zone view kept between passes (src/enactor/zone-cache.ts), through the real SDK against the real
// authority: passes after the first list nothing, a stale view is caught by the fence (rejected, never a wrong
// write), and drift nobody collides with is repaired at the next full read.
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { EnactorEvent } from '../../src/enactor/events.js';
import { toSdkRecordSet } from '../../src/route53/recordset.js';
import { countRequests } from '../../src/route53/request-counter.js';
import { fenceGeneration, host, liveWeights, startRig, type Rig } from './harness.js';

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(async () => {
  await rig.close();
});

describe('enactor zone view kept between passes', () => {
  it('lists the zone once, then applies the next generation from the view its own batches updated', async () => {
    const { client, requests } = countRequests(rig.client);
    const enactor = rig.enactor('e1', { client });
    await rig.writePlan(1, { api: [10, 20], web: [5] });
    expect((await enactor.runOnce()).applied).toHaveLength(2);
    const listingsAfterFirst = requests.get('ListResourceRecordSets') ?? 0;
    expect(listingsAfterFirst).toBeGreaterThan(0);

    await rig.writePlan(2, { api: [30, 0], web: [7] });
    const second = await enactor.runOnce();
    expect(second).toMatchObject({ generation: 2, batches: 1, failed: [], refused: [] });
    expect(second.applied).toHaveLength(2);
    const third = await enactor.runOnce();
    expect(third.inSync).toHaveLength(2);
    expect(requests.get('ListResourceRecordSets')).toBe(listingsAfterFirst);
    const view = await rig.view();
    expect([liveWeights(view, 'api'), liveWeights(view, 'web'), fenceGeneration(view, 'api')]).toEqual([[30, 0], [7], 2]);
  });

  it('a view made stale by a rival is caught by the fence: the batch is rejected, the enactor re-reads and stands down', async () => {
    await rig.writePlan(1, { api: [10, 20] });
    const slow = rig.enactor('slow');
    await slow.runOnce();
    await rig.writePlan(2, { api: [10, 0] });
    await rig.writePlan(3, { api: [0, 10] });
    // A rival applies generation 3 while `slow` still believes generation 1 is live.
    expect((await rig.enactor('rival').runOnce()).applied).toHaveLength(1);

    const events: EnactorEvent[] = [];
    slow.on('event', (event) => events.push(event));
    const summary = await slow.runOnce();
    expect(events.map((event) => event.type)).toContain('batch-rejected');
    expect(summary.applied).toEqual([]);
    expect(summary.stoodDown).toEqual([`${host('api')} A`]);
    const view = await rig.view();
    expect([liveWeights(view, 'api'), fenceGeneration(view, 'api')]).toEqual([[0, 10], 3]);
    // The rejection dropped the cached view: the next pass read the zone and finds nothing to do.
    const next = await slow.runOnce();
    expect(next).toMatchObject({ batches: 0, inSync: [`${host('api')} A`] });
  });

  it('after a rejection, a round decided on a stale view sends nothing more: the rest is re-decided on a fresh read', async () => {
    const endpoints = (weight: number) => ({ a: [weight, 20], b: [weight, 20], c: [weight, 20], d: [weight, 20] });
    // One endpoint per request (fence swap 2 + record changes 4 elements), one request at a time.
    const slow = rig.enactor('slow', { limits: { elements: 6, chars: 32_000 }, concurrency: 1, guard: { force: true } });
    await rig.writePlan(1, endpoints(10));
    expect((await slow.runOnce()).applied).toHaveLength(4);
    await rig.writePlan(2, endpoints(30));
    expect((await rig.enactor('rival', { guard: { force: true } }).runOnce()).applied).toHaveLength(4);

    const sent: EnactorEvent[] = [];
    slow.on('event', (event) => event.type === 'batch-sent' && sent.push(event));
    const summary = await slow.runOnce();
    expect(sent).toHaveLength(1);
    expect(summary.stoodDown).toHaveLength(4);
    expect(fenceGeneration(await rig.view(), 'd')).toBe(2);
  });

  it('repairs drift that no batch collides with at the next full read', async () => {
    // The cache's clock is performance.now(); only that is faked, so the interval is exact however slow a
    // loaded machine makes the requests in between (sockets and the SDK keep real timers).
    vi.useFakeTimers({ toFake: ['performance'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    await rig.writePlan(1, { api: [10, 20] });
    const enactor = rig.enactor('e1', { fullReadEveryMs: 1_000 });
    await enactor.runOnce();
    const live = (await rig.view()).endpoints.get(`${host('api')} A`)!;
    await rig.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: rig.zoneId,
        ChangeBatch: { Changes: live.sets.map((set) => ({ Action: 'DELETE', ResourceRecordSet: toSdkRecordSet(set) })) },
      }),
    );
    // Within the interval the cached view still says in sync: the documented price of caching.
    expect((await enactor.runOnce()).inSync).toEqual([`${host('api')} A`]);
    vi.advanceTimersByTime(1_050);
    expect((await enactor.runOnce()).repaired).toEqual([`${host('api')} A`]);
    expect(liveWeights(await rig.view(), 'api')).toEqual([10, 20]);
  });

  it('fullReadEveryMs 0 reads the zone on every pass', async () => {
    const { client, requests } = countRequests(rig.client);
    const enactor = rig.enactor('e1', { client, fullReadEveryMs: 0 });
    await rig.writePlan(1, { api: [10] });
    await enactor.runOnce();
    const after = requests.get('ListResourceRecordSets') ?? 0;
    await enactor.runOnce();
    expect(requests.get('ListResourceRecordSets')).toBeGreaterThan(after);
  });
});
