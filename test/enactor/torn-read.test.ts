// A zone listing is not a snapshot: an endpoint's records come before its fence (a child name), so another
// writer's batch can land between the two reads. The fence then reads current (the swap passes) while the
// records are from before. These tests replay that interleaving against the real authority through the SDK:
// whatever the enactor read, a batch it decides must never leave the endpoint empty.
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toSdkChanges } from '../../src/enactor/changes.js';
import { decide } from '../../src/enactor/decide.js';
import { DEFAULT_GUARD } from '../../src/enactor/guard.js';
import type { EndpointPlan } from '../../src/plan/schema.js';
import { classifyError } from '../../src/route53/errors.js';
import { host, startRig, type Rig } from './harness.js';

const api = host('api');
const endpoint = (sets: Array<[string, number, string]>): EndpointPlan => ({
  name: api,
  type: 'A',
  ttl: 30,
  sets: sets.map(([setIdentifier, weight, value]) => ({ setIdentifier, weight, values: [value] })),
});

describe('a batch decided on records read before the fence', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  async function send(changes: Parameters<typeof toSdkChanges>[0]): Promise<'accepted' | 'rejected'> {
    try {
      await rig.client.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: rig.zoneId, ChangeBatch: { Changes: toSdkChanges(changes) } }));
      return 'accepted';
    } catch (error) {
      expect(classifyError(error)).toBe('rejected');
      return 'rejected';
    }
  }

  it('cannot empty the endpoint when another writer removed the set it keeps', async () => {
    // Generation 1 is live: lb-0 and lb-1.
    await rig.store.write({ generation: 1, createdAt: new Date().toISOString(), createdBy: 'test', zone: 'dnsplane.test.', endpoints: [endpoint([['lb-0', 10, '10.0.0.1'], ['lb-1', 20, '10.0.1.1']])] });
    expect((await rig.enactor('a').runOnce()).applied).toEqual([`${api} A`]);
    const before = (await rig.view()).endpoints.get(`${api} A`)!;

    // Another enactor applies generation 2 (lb-1 only) between our read of the records and our read of the fence.
    await rig.store.write({ generation: 2, createdAt: new Date().toISOString(), createdBy: 'test', zone: 'dnsplane.test.', endpoints: [endpoint([['lb-1', 20, '10.0.1.1']])] });
    expect((await rig.enactor('b').runOnce()).applied).toEqual([`${api} A`]);
    const after = (await rig.view()).endpoints.get(`${api} A`)!;
    expect(after.fence?.generation).toBe(2);

    // Generation 3 wants lb-0 only. Torn view: the records of generation 1, the fence of generation 2.
    const decision = decide({ endpoint: endpoint([['lb-0', 10, '10.0.0.1']]), generation: 3, live: { sets: before.sets, fence: after.fence }, writer: 'a', guard: DEFAULT_GUARD });
    expect(decision.action).toBe('send');
    if (decision.action !== 'send') return;
    const outcome = await send(decision.unit.changes);

    const live = (await rig.view()).endpoints.get(`${api} A`)!;
    expect(live.sets.length).toBeGreaterThan(0);
    // The stale batch must not land at all: lb-0, which it believed live, is gone.
    expect(outcome).toBe('rejected');
    expect(live.fence?.generation).toBe(2);
  });

  it('still lands when the view is current, re-asserting a kept set only when the batch deletes and creates no serving set', async () => {
    await rig.store.write({ generation: 1, createdAt: new Date().toISOString(), createdBy: 'test', zone: 'dnsplane.test.', endpoints: [endpoint([['lb-0', 10, '10.0.0.1'], ['lb-1', 20, '10.0.1.1']])] });
    await rig.enactor('a').runOnce();
    const current = (await rig.view()).endpoints.get(`${api} A`)!;

    const drain = decide({ endpoint: endpoint([['lb-0', 10, '10.0.0.1']]), generation: 2, live: current, writer: 'a', guard: DEFAULT_GUARD });
    if (drain.action !== 'send') throw new Error(`expected a batch, got ${drain.action}`);
    const reasserted = drain.unit.changes.filter((change) => change.set.setIdentifier === 'lb-0').map((change) => change.action);
    expect(reasserted).toEqual(['DELETE', 'CREATE']);
    // Re-asserting is not touching: the change-share guard counts lb-1 only.
    expect(drain.unit.recordChanges.map((change) => `${change.action} ${change.set.setIdentifier}`)).toEqual(['DELETE lb-1']);
    expect(await send(drain.unit.changes)).toBe('accepted');

    const live = (await rig.view()).endpoints.get(`${api} A`)!;
    expect(live.sets.map((set) => set.setIdentifier)).toEqual(['lb-0']);
    expect(live.fence?.generation).toBe(2);

    // A batch that creates a serving set proves capacity by itself: nothing is re-asserted.
    const grow = decide({ endpoint: endpoint([['lb-0', 10, '10.0.0.1'], ['lb-2', 5, '10.0.2.1']]), generation: 3, live, writer: 'a', guard: DEFAULT_GUARD });
    if (grow.action !== 'send') throw new Error(`expected a batch, got ${grow.action}`);
    expect(grow.unit.changes.filter((change) => change.set.type === 'A').map((change) => `${change.action} ${change.set.setIdentifier}`)).toEqual(['CREATE lb-2']);
    expect(await send(grow.unit.changes)).toBe('accepted');

    // Nor does a batch that deletes nothing (it cannot empty anything): a fence-only move is the fence swap alone.
    const fenceOnly = decide({ endpoint: endpoint([['lb-0', 10, '10.0.0.1'], ['lb-2', 5, '10.0.2.1']]), generation: 4, live: (await rig.view()).endpoints.get(`${api} A`)!, writer: 'a', guard: DEFAULT_GUARD });
    if (fenceOnly.action !== 'send') throw new Error(`expected a batch, got ${fenceOnly.action}`);
    expect(fenceOnly.unit.changes.map((change) => `${change.action} ${change.set.type}`)).toEqual(['DELETE TXT', 'CREATE TXT']);
  });
});
