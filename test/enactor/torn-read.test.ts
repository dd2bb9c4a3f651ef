// Reads are not a snapshot: if an endpoint's records were read before its shard's fence, another writer's batch
// could land between the two reads. The fence then reads current (the swap passes) while the records are from
// before. The enactor reads fences strictly first; these tests replay the bad order anyway against the real
// authority through the SDK: whatever a decision was based on, its batch must never leave the endpoint empty.
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toSdkChanges } from '../../src/enactor/changes.js';
import { decideShard } from '../../src/enactor/decide.js';
import { DEFAULT_GUARD } from '../../src/enactor/guard.js';
import type { LiveEndpoint } from '../../src/enactor/live.js';
import { shardOf } from '../../src/enactor/shard-fence.js';
import type { EndpointPlan, Plan } from '../../src/plan/schema.js';
import { classifyError } from '../../src/route53/errors.js';
import { host, startRig, type Rig } from './harness.js';

const api = host('api');
const endpoint = (sets: Array<[string, number, string]>): EndpointPlan => ({
  name: api,
  type: 'A',
  ttl: 30,
  sets: sets.map(([setIdentifier, weight, value]) => ({ setIdentifier, weight, values: [value] })),
});

const planAt = (generation: number, sets: Array<[string, number, string]>): Plan => ({
  generation,
  createdAt: new Date().toISOString(),
  createdBy: 'test',
  zone: 'dnsplane.test.',
  endpoints: [endpoint(sets)],
});
// Velocity is not what these tests are about: any drop is allowed.
const guard = { ...DEFAULT_GUARD, maxDropShare: 1 };
const decide = (generation: number, sets: Array<[string, number, string]>, live: LiveEndpoint) =>
  decideShard({
    shard: shardOf(api, 'A'),
    zone: 'dnsplane.test.',
    writer: 'a',
    guard,
    fence: live.fence,
    live: new Map([[`${api} A`, live.sets]]),
    targets: [planAt(generation, sets)],
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
      await rig.client.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: rig.zoneId,
          ChangeBatch: { Changes: toSdkChanges(changes) },
        }),
      );
      return 'accepted';
    } catch (error) {
      expect(classifyError(error)).toBe('rejected');
      return 'rejected';
    }
  }

  it('cannot empty the endpoint when another writer removed the set it keeps', async () => {
    // Generation 1 is live: lb-0 and lb-1.
    await rig.store.write({
      generation: 1,
      createdAt: new Date().toISOString(),
      createdBy: 'test',
      zone: 'dnsplane.test.',
      endpoints: [
        endpoint([
          ['lb-0', 10, '10.0.0.1'],
          ['lb-1', 20, '10.0.1.1'],
        ]),
      ],
    });
    expect((await rig.enactor('a').runOnce()).applied).toEqual([`${api} A`]);
    const before = (await rig.view()).endpoints.get(`${api} A`)!;

    // Another enactor applies generation 2 (lb-1 only) between our read of the records and our read of the fence.
    await rig.store.write({
      generation: 2,
      createdAt: new Date().toISOString(),
      createdBy: 'test',
      zone: 'dnsplane.test.',
      endpoints: [endpoint([['lb-1', 20, '10.0.1.1']])],
    });
    expect((await rig.enactor('b').runOnce()).applied).toEqual([`${api} A`]);
    const after = (await rig.view()).endpoints.get(`${api} A`)!;
    expect(after.fence?.generation).toBe(2);

    // Generation 3 wants lb-0 only. Torn view: the records of generation 1, the fence of generation 2.
    const decision = decide(3, [['lb-0', 10, '10.0.0.1']], { sets: before.sets, fence: after.fence });
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
    await rig.store.write({
      generation: 1,
      createdAt: new Date().toISOString(),
      createdBy: 'test',
      zone: 'dnsplane.test.',
      endpoints: [
        endpoint([
          ['lb-0', 10, '10.0.0.1'],
          ['lb-1', 20, '10.0.1.1'],
        ]),
      ],
    });
    await rig.enactor('a').runOnce();
    const current = (await rig.view()).endpoints.get(`${api} A`)!;

    const drain = decide(2, [['lb-0', 10, '10.0.0.1']], current);
    if (drain.action !== 'send') throw new Error(`expected a batch, got ${drain.action}`);
    const reasserted = drain.unit.changes
      .filter((change) => change.set.setIdentifier === 'lb-0')
      .map((change) => change.action);
    expect(reasserted).toEqual(['DELETE', 'CREATE']);
    // Re-asserting is not touching: the change-share guard counts lb-1 only.
    expect(drain.unit.recordChanges.map((change) => `${change.action} ${change.set.setIdentifier}`)).toEqual([
      'DELETE lb-1',
    ]);
    expect(await send(drain.unit.changes)).toBe('accepted');

    const live = (await rig.view()).endpoints.get(`${api} A`)!;
    expect(live.sets.map((set) => set.setIdentifier)).toEqual(['lb-0']);
    expect(live.fence?.generation).toBe(2);

    // A batch that creates a serving set proves capacity by itself: nothing is re-asserted.
    const grow = decide(
      3,
      [
        ['lb-0', 10, '10.0.0.1'],
        ['lb-2', 5, '10.0.2.1'],
      ],
      live,
    );
    if (grow.action !== 'send') throw new Error(`expected a batch, got ${grow.action}`);
    expect(
      grow.unit.changes
        .filter((change) => change.set.type === 'A')
        .map((change) => `${change.action} ${change.set.setIdentifier}`),
    ).toEqual(['CREATE lb-2']);
    expect(await send(grow.unit.changes)).toBe('accepted');

    // Nor does a batch that deletes nothing (it cannot empty anything): a fence-only move is the fence swap alone.
    const fenceOnly = decide(
      4,
      [
        ['lb-0', 10, '10.0.0.1'],
        ['lb-2', 5, '10.0.2.1'],
      ],
      (await rig.view()).endpoints.get(`${api} A`)!,
    );
    if (fenceOnly.action !== 'send') throw new Error(`expected a batch, got ${fenceOnly.action}`);
    expect(fenceOnly.unit.changes.map((change) => `${change.action} ${change.set.type}`)).toEqual([
      'DELETE TXT',
      'CREATE TXT',
    ]);
  });
});
