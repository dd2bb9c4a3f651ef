// The enactor through the real SDK against the real local authority.
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAudit, AuditLog } from '../../src/enactor/audit.js';
import type { EnactorEvent } from '../../src/enactor/events.js';
import { toSdkRecordSet } from '../../src/route53/recordset.js';
import { fenceGeneration, host, liveWeights, stallingPort, startRig, type Rig } from './harness.js';

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(async () => {
  await rig.close();
});

describe('enactor against the authority', () => {
  it('applies a plan with a fence per shard, then finds everything in sync', async () => {
    await rig.writePlan(1, { api: [10, 20], web: [5] });
    const enactor = rig.enactor('e1');
    const first = await enactor.runOnce();
    expect(first).toMatchObject({ generation: 1, batches: 1, failed: [], refused: [] });
    expect(first.applied.sort()).toEqual([`${host('api')} A`, `${host('web')} A`]);
    const view = await rig.view();
    expect(liveWeights(view, 'api')).toEqual([10, 20]);
    expect(fenceGeneration(view, 'api')).toBe(1);
    expect(fenceGeneration(view, 'web')).toBe(1);
    const second = await enactor.runOnce();
    expect(second).toMatchObject({ batches: 0, applied: [] });
    expect(second.inSync).toHaveLength(2);
  });

  it('a delayed enactor holding an older plan loses to a newer one and stands down (October 2025)', async () => {
    await rig.writePlan(1, { api: [10, 10] });
    await rig.enactor('bootstrap').runOnce();
    await rig.writePlan(2, { api: [10, 0] });

    // The slow enactor reads plan 2 and the zone, then stalls just before its ChangeResourceRecordSets.
    const { client: delayed, stalled: reachedGate, release } = stallingPort(rig.port, Infinity);
    const auditFile = path.join(rig.dir, 'audit.jsonl');
    const slow = rig.enactor('slow', { client: delayed, audit: new AuditLog(auditFile) });
    const events: EnactorEvent[] = [];
    slow.on('event', (event) => events.push(event));
    const slowRun = slow.runOnce();
    await reachedGate;

    // Meanwhile the planner publishes generation 3 and a healthy enactor applies it.
    await rig.writePlan(3, { api: [30, 40] });
    expect((await rig.enactor('fast').runOnce()).applied).toEqual([`${host('api')} A`]);
    release();
    const slowSummary = await slowRun;

    expect(slowSummary.applied).toEqual([]);
    expect(slowSummary.stoodDown).toEqual([`${host('api')} A`]);
    expect(events.map((event) => event.type).filter((type) => type !== 'progress')).toEqual([
      'batch-sent',
      'batch-rejected',
      'stood-down',
    ]);
    const view = await rig.view();
    expect(fenceGeneration(view, 'api')).toBe(3);
    expect(liveWeights(view, 'api')).toEqual([30, 40]);
    const audit = await readAudit(auditFile);
    expect(audit.map((line) => `${line.enactor} ${line.generation} ${line.endpoint} ${line.outcome}`)).toEqual([
      `slow 2 ${host('api')} A rejected`,
      `slow 2 ${host('api')} A stood-down`,
    ]);
  });

  it('the guard refuses a plan that would leave only weight-0 sets, and nothing of it is applied', async () => {
    await rig.writePlan(1, { api: [10, 20], web: [5] });
    await rig.enactor('e1').runOnce();
    await rig.writePlan(2, { api: [0, 0], web: [7] });
    const auditFile = path.join(rig.dir, 'audit.jsonl');
    const summary = await rig.enactor('e2', { audit: new AuditLog(auditFile) }).runOnce();
    expect(summary.refused).toEqual([
      expect.objectContaining({ endpoint: `${host('api')} A`, reason: 'all-weight-zero' }),
    ]);
    expect(summary.applied).toEqual([`${host('web')} A`]);
    const view = await rig.view();
    expect(liveWeights(view, 'api')).toEqual([10, 20]);
    // api's shard moved on without it: its fence names generation 2 and lists api as excluded (x=).
    expect(view.endpoints.get(`${host('api')} A`)!.fence).toMatchObject({
      generation: 2,
      excluded: [`${host('api')} A`],
    });
    expect(fenceGeneration(view, 'web')).toBe(2);
    expect((await readAudit(auditFile)).find((line) => line.outcome === 'refused')).toMatchObject({
      endpoint: `${host('api')} A`,
      generation: 2,
    });
  });

  it('the guard refuses a plan below the minimum capacity', async () => {
    await rig.writePlan(1, { api: [10, 20, 30] });
    await rig.enactor('e1').runOnce();
    await rig.writePlan(2, { api: [0, 0, 30] });
    const summary = await rig.enactor('e2', { guard: { minCapacity: 2 } }).runOnce();
    expect(summary.refused.map((refusal) => refusal.reason)).toEqual(['below-min-capacity']);
    expect(liveWeights(await rig.view(), 'api')).toEqual([10, 20, 30]);
  });

  it('refuses a pass that changes more than the configured share of the zone, unless forced', async () => {
    await rig.writePlan(1, { a: [1, 1], b: [1, 1], c: [1, 1], d: [1, 1], e: [1, 1] });
    await rig.enactor('e1').runOnce();
    // 4 of the zone's 10 record sets change: 40% > the default 30%.
    await rig.writePlan(2, { a: [2, 2], b: [2, 2], c: [1, 1], d: [1, 1], e: [1, 1] });
    const refused = await rig.enactor('e2').runOnce();
    expect(refused.batches).toBe(0);
    expect(new Set(refused.refused.map((refusal) => refusal.reason))).toEqual(new Set(['change-share']));
    expect(refused.refused[0].message).toMatch(/4 of 10 record sets \(40.0%\).*--force/);
    expect([liveWeights(await rig.view(), 'a'), fenceGeneration(await rig.view(), 'a')]).toEqual([[1, 1], 1]);

    const forced = await rig.enactor('e3', { guard: { force: true } }).runOnce();
    expect(forced.applied).toHaveLength(5);
    expect(liveWeights(await rig.view(), 'a')).toEqual([2, 2]);
  });

  it('repairs a manually emptied endpoint under the same generation', async () => {
    await rig.writePlan(1, { api: [10, 20] });
    await rig.enactor('e1').runOnce();
    const before = await rig.view();
    const live = before.endpoints.get(`${host('api')} A`)!;
    // An operator (or a half-finished legacy write) deletes every record of the endpoint.
    await rig.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: rig.zoneId,
        ChangeBatch: {
          Changes: live.sets.map((set) => ({ Action: 'DELETE', ResourceRecordSet: toSdkRecordSet(set) })),
        },
      }),
    );
    expect(liveWeights(await rig.view(), 'api')).toEqual([]);

    const summary = await rig.enactor('e2').runOnce();
    expect(summary.repaired).toEqual([`${host('api')} A`]);
    const after = await rig.view();
    expect(liveWeights(after, 'api')).toEqual([10, 20]);
    const fence = after.endpoints.get(`${host('api')} A`)!.fence!;
    expect(fence.generation).toBe(1);
    // Same generation, new value: the repair swapped the fence too, so a concurrent writer would have been detected.
    expect(fence.set.values).not.toEqual(live.fence!.set.values);
  });

  it('packs endpoints into one batch near 1,000 elements, and splits beyond it', async () => {
    // Four endpoints of 230 addresses: 920 records + 64 shard fences created = 984 elements, all accepted in one request.
    const many = (label: string, set: number) =>
      Array.from({ length: 230 }, (_, i) => `10.${label.charCodeAt(0)}.${set + Math.floor(i / 200)}.${i % 200}`);
    await rig.writePlan(1, { a: [1], b: [1], c: [1], d: [1] }, many);
    const events: EnactorEvent[] = [];
    const enactor = rig.enactor('e1');
    enactor.on('event', (event) => events.push(event));
    const first = await enactor.runOnce();
    expect(first).toMatchObject({ batches: 1, failed: [] });
    expect(first.applied).toHaveLength(4);
    expect(events.filter((event) => event.type === 'batch-accepted')).toHaveLength(1);
    const view = await rig.view();
    expect(view.endpoints.get(`${host('d')} A`)!.sets[0].values).toHaveLength(230);

    // A fifth endpoint cannot join them: 2 requests (every shard's fence moves too: 128 elements).
    await rig.writePlan(2, { a: [2], b: [2], c: [2], d: [2], e: [2] }, many);
    const second = await enactor.runOnce();
    expect(second.batches).toBeGreaterThanOrEqual(2);
    expect(second.applied).toHaveLength(5);
    expect(second.failed).toEqual([]);
  });
});
