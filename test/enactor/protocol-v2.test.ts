// The counterexamples of issue 11, replayed with the real Enactor against the real authority over HTTP through
// the SDK, and the cost of a generation. Each case is one the per-endpoint fences (v1) got wrong; the naive
// fence policy (moving only the fences of shards whose content changes) must still be caught by case 1.
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupPlans } from '../../src/enactor/cleanup.js';
import type { EnactorOptions } from '../../src/enactor/options.js';
import { shardOf } from '../../src/enactor/shard-fence.js';
import { FilePlanStore } from '../../src/plan/file-store.js';
import { hookPort } from '../../src/route53/port.js';
import { countRequests } from '../../src/route53/request-counter.js';
import { toSdkRecordSet } from '../../src/route53/recordset.js';
import {
  fenceGeneration,
  host,
  liveWeights,
  planOf,
  poisonWithCname,
  stallingPort,
  startRig,
  ZONE,
  type Rig,
} from './harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function storeWith(rig: Rig, name: string, ...plans: Array<ReturnType<typeof planOf>>): Promise<FilePlanStore> {
  const store = new FilePlanStore(path.join(rig.dir, name));
  for (const plan of plans) await store.write(plan);
  return store;
}

describe('case 1: a stale enactor never re-writes an endpoint newer plans removed', () => {
  it('plans 3 and 4 drop web; gen 4 applied, plan 2 cleaned up; the delayed gen-2 batch is rejected and web stays gone', async () => {
    rig = await startRig();
    await rig.writePlan(1, { api: [10], web: [10] });
    await rig.enactor('bootstrap').runOnce();
    await rig.writePlan(2, { api: [20], web: [20] });
    const slow = stallingPort(rig.port);
    const slowRun = rig.enactor('slow', { client: slow.client }).runOnce();
    await slow.stalled;

    await rig.writePlan(3, { api: [30] });
    await rig.writePlan(4, { api: [40] });
    expect((await rig.enactor('fast').runOnce()).generation).toBe(4);
    const cleanup = await cleanupPlans({ store: rig.store, client: rig.port, zoneId: rig.zoneId, retention: 1 });
    expect(cleanup.deleted).toContain(2);

    slow.release();
    const summary = await slowRun;
    expect(summary.applied).toEqual([]);
    const view = await rig.view();
    expect([liveWeights(view, 'api'), liveWeights(view, 'web')]).toEqual([[40], []]);
    expect([fenceGeneration(view, 'api'), fenceGeneration(view, 'web')]).toEqual([4, 4]);
    // No fence names the deleted plan 2.
    expect([...view.shardFences.get(ZONE)!.values()].every((fence) => fence.generation === 4)).toBe(true);
  });

  it('also after an operator deleted web by hand: the removal is fenced and the stale batch still fails', async () => {
    rig = await startRig();
    await rig.writePlan(1, { api: [10], web: [10] });
    await rig.enactor('bootstrap').runOnce();
    await rig.writePlan(2, { api: [20], web: [20] });
    const slow = stallingPort(rig.port);
    const slowRun = rig.enactor('slow', { client: slow.client }).runOnce();
    await slow.stalled;

    const web = (await rig.view()).endpoints.get(`${host('web')} A`)!;
    await rig.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: rig.zoneId,
        ChangeBatch: { Changes: web.sets.map((set) => ({ Action: 'DELETE', ResourceRecordSet: toSdkRecordSet(set) })) },
      }),
    );
    await rig.writePlan(3, { api: [30] });
    // The removal's DELETE of web's sets is refused (they are gone); Route53 names web, it is read again: nothing to remove.
    const fast = await rig.enactor('fast').runOnce();
    expect(fast.failed).toEqual([]);

    slow.release();
    await slowRun;
    const view = await rig.view();
    expect([liveWeights(view, 'api'), liveWeights(view, 'web')]).toEqual([[30], []]);
    expect(fenceGeneration(view, 'web')).toBe(3);
  });

  it('the naive policy (only changed shards move their fence) lets the delayed batch land: the counterexample I4 forbids', async () => {
    // Gen 3 gives web its gen-1 content back: its shard's content is unchanged from the fence (1), so the naive
    // fast enactor leaves web's fence at 1, and the slow gen-2 batch, which DELETEs fence 1, is accepted.
    const outcome = async (fenceMoves: EnactorOptions['fenceMoves']) => {
      rig = await startRig();
      await rig.writePlan(1, { api: [10], web: [10] });
      await rig.enactor('bootstrap', { fenceMoves }).runOnce();
      await rig.writePlan(2, { api: [20], web: [20] });
      const slow = stallingPort(rig.port);
      const slowRun = rig.enactor('slow', { client: slow.client, fenceMoves }).runOnce();
      await slow.stalled;
      await rig.writePlan(3, { api: [30], web: [10] });
      await rig.enactor('fast', { fenceMoves }).runOnce();
      slow.release();
      await slowRun;
      const view = await rig.view();
      const result = { web: liveWeights(view, 'web'), webFence: fenceGeneration(view, 'web') };
      await rig.close();
      rig = undefined;
      return result;
    };
    expect(shardOf(host('api'), 'A')).not.toBe(shardOf(host('web'), 'A'));
    // The protocol: gen 3's content stays.
    expect(await outcome('every-shard')).toEqual({ web: [10], webFence: 3 });
    // The naive variant: web carries gen-2 content after gen 3 was enacted (found, as it must be).
    expect(await outcome('changed-shards-only')).toEqual({ web: [20], webFence: 2 });
  });
});

describe('case 2: a torn read (records before fence) cannot certify stale content', () => {
  it("content A at 5, B at 7, A at 9: a gen-7 batch landing between the enactor's reads is caught by the fence", async () => {
    rig = await startRig();
    const A = { api: [10, 20] };
    const B = { api: [20, 20] };
    await rig.writePlan(5, A);
    await rig.enactor('bootstrap').runOnce();
    // The rival holds plan 7 (B) only; the enactor holds 9 (A) and reads the fences first.
    const rivalStore = await storeWith(rig, 'rival', planOf(5, A), planOf(7, B));
    await rig.writePlan(7, B);
    await rig.writePlan(9, A);
    let rivalRan = false;
    const { client: counted } = countRequests(rig.port);
    const torn = hookPort(counted, {
      async after(call) {
        if (!rivalRan && call.method === 'listResourceRecordSets') {
          // Right after the enactor's fence read: the stale gen-7 batch lands.
          rivalRan = true;
          const rival = await rig!.enactor('rival', { store: rivalStore }).runOnce();
          expect(rival.applied).toEqual([`${host('api')} A`]);
        }
      },
    });
    const summary = await rig.enactor('f', { client: torn }).runOnce();
    expect(rivalRan).toBe(true);
    expect(summary.failed).toEqual([]);
    const view = await rig.view();
    // Never fence 9 over gen-7 content: the enactor's batch DELETEd fence 5, was rejected, and went again from 7.
    expect([fenceGeneration(view, 'api'), liveWeights(view, 'api')]).toEqual([9, [10, 20]]);
  });
});

describe('case 3: velocity holds for what is enacted', () => {
  it('an enactor that skipped generations 2-3 walks 255x4 -> 255/85x3 -> 255 instead of dropping 75% in one batch', async () => {
    rig = await startRig();
    await rig.writePlan(1, { api: [255, 255, 255, 255] });
    await rig.enactor('e1').runOnce();
    await rig.writePlan(2, { api: [255, 170, 170, 170] });
    await rig.writePlan(3, { api: [255, 85, 85, 85] });
    await rig.writePlan(4, { api: [255, 0, 0, 0] });
    const enactor = rig.enactor('late');
    const first = await enactor.runOnce();
    expect(first.refused).toEqual([]);
    let view = await rig.view();
    // 1020 -> 510 (50%, within the limit), not 1020 -> 255.
    expect([fenceGeneration(view, 'api'), liveWeights(view, 'api')]).toEqual([3, [255, 85, 85, 85]]);
    await enactor.runOnce();
    view = await rig.view();
    expect([fenceGeneration(view, 'api'), liveWeights(view, 'api')]).toEqual([4, [255, 0, 0, 0]]);
  });
});

describe('case 4: two plans with one generation (a non-atomic plan store)', () => {
  it('the second stands down with generation-conflict instead of repairing back and forth', async () => {
    rig = await startRig();
    await rig.writePlan(1, { api: [10, 10] });
    await rig.enactor('bootstrap').runOnce();
    const x = await storeWith(rig, 'x', planOf(1, { api: [10, 10] }), planOf(2, { api: [10, 15] }));
    const y = await storeWith(rig, 'y', planOf(1, { api: [10, 10] }), planOf(2, { api: [15, 10] }));
    const ex = rig.enactor('ex', { store: x });
    const ey = rig.enactor('ey', { store: y });
    expect((await ex.runOnce()).applied).toEqual([`${host('api')} A`]);
    for (let round = 0; round < 3; round++) {
      const fromY = await ey.runOnce();
      expect(fromY.batches).toBe(0);
      expect(fromY.refused).toEqual([
        expect.objectContaining({ endpoint: `${host('api')} A`, reason: 'generation-conflict' }),
      ]);
      expect((await ex.runOnce()).batches).toBe(0);
      expect(liveWeights(await rig.view(), 'api')).toEqual([10, 15]);
    }
  });
});

describe('case 5: a poisoned endpoint', () => {
  it('is isolated: it costs its own request once per pass, and the others go in one request', async () => {
    rig = await startRig();
    await poisonWithCname(rig, 'bad');
    const labels = ['a', 'b', 'c', 'd', 'e'];
    await rig.writePlan(1, { ...Object.fromEntries(labels.map((label) => [label, [10]])), bad: [10] });
    const { client, requests } = countRequests(rig.port);
    const enactor = rig.enactor('e1', { client });
    const first = await enactor.runOnce();
    expect(first.poisoned).toEqual([`${host('bad')} A`]);
    expect(first.applied.sort()).toEqual(labels.map((label) => `${host(label)} A`));

    const changesBefore = requests.get('ChangeResourceRecordSets') ?? 0;
    const second = await enactor.runOnce();
    expect(second.poisoned).toEqual([`${host('bad')} A`]);
    // Nothing else to do: bad alone, once.
    expect((requests.get('ChangeResourceRecordSets') ?? 0) - changesBefore).toBe(1);

    await rig.writePlan(2, { ...Object.fromEntries(labels.map((label) => [label, [20]])), bad: [10] });
    const beforeThird = requests.get('ChangeResourceRecordSets') ?? 0;
    const third = await enactor.runOnce();
    expect(third.applied.sort()).toEqual(labels.map((label) => `${host(label)} A`));
    // The five in one request, bad in its own.
    expect((requests.get('ChangeResourceRecordSets') ?? 0) - beforeThird).toBe(2);
    const view = await rig.view();
    expect(labels.map((label) => liveWeights(view, label))).toEqual(labels.map(() => [20]));
  });
});

describe('cost', () => {
  it('with 2,000 endpoints and 1 changed, a generation costs at most 3 requests; an idle enactor lists only fences and one page per sweep', async () => {
    rig = await startRig();
    const labels = Array.from({ length: 2_000 }, (_, i) => `n${i}`);
    const weights = (changed: number) =>
      Object.fromEntries(labels.map((label, i) => [label, [i === 0 ? changed : 10]]));
    const address = (label: string) => {
      const i = Number(label.slice(1));
      return [`10.${Math.floor(i / 256)}.${i % 256}.1`];
    };
    await rig.writePlan(1, weights(10), address);
    const { client, requests } = countRequests(rig.port);
    const total = () => [...requests.values()].reduce((sum, n) => sum + n, 0);
    const enactor = rig.enactor('e1', { client, verifyEveryMs: 3_600_000 });
    await enactor.runOnce();

    await rig.writePlan(2, weights(20), address);
    const before = total();
    const changesBefore = requests.get('ChangeResourceRecordSets')!;
    const summary = await enactor.runOnce();
    expect(summary.applied).toHaveLength(2_000);
    expect(liveWeights(await rig.view(), 'n0')).toEqual([20]);
    // One fence read and one batch (the change and all 64 fence swaps).
    expect(total() - before).toBeLessThanOrEqual(3);
    expect(requests.get('ChangeResourceRecordSets')! - changesBefore).toBe(1);

    // Idle: in sync, plan unchanged: nothing is read at all until the sweep.
    const idle = total();
    for (let pass = 0; pass < 5; pass++) expect((await enactor.runOnce()).batches).toBe(0);
    expect(total()).toBe(idle);

    // A sweeping enactor: the fences and one page of records per sweep.
    const sweeper = rig.enactor('e2', { client, verifyEveryMs: 0 });
    const sweepStart = total();
    const listsStart = requests.get('ListResourceRecordSets') ?? 0;
    for (let pass = 0; pass < 3; pass++) expect((await sweeper.runOnce()).batches).toBe(0);
    expect((requests.get('ListResourceRecordSets') ?? 0) - listsStart).toBe(6);
    expect(total() - sweepStart).toBe(6 + 1); // + the hosted zone lookup of the new enactor
  });
});
