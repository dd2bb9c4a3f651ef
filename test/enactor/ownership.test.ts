// The ownership rules of the per-shard decision (decide.ts), without a network: a set dnsplane did not write is
// never deleted or replaced unless adopting; upsert-only never deletes. Each rule beside its counterexample.
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { describe, expect, it } from 'vitest';
import { decideShard, type ShardInput } from '../../src/enactor/decide.js';
import { DEFAULT_GUARD } from '../../src/enactor/guard.js';
import { parseShardFence, setIdHash, shardOf, shardPlan } from '../../src/enactor/shard-fence.js';
import type { Plan } from '../../src/plan/schema.js';
import type { RecordSet } from '../../src/route53/recordset.js';
import { host, liveWeights, startRig } from './harness.js';

const ZONE = 'own.test.';
const NAME = `api.${ZONE}`;
const KEY = `${NAME} A`;
const SHARD = shardOf(NAME, 'A');

const plan: Plan = {
  generation: 2,
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'test',
  zone: ZONE,
  endpoints: [{ name: NAME, type: 'A', ttl: 30, sets: [{ setIdentifier: 'lb-0', weight: 10, values: ['10.0.0.1'] }] }],
};
const set = (id: string, weight: number, value: string): RecordSet => ({
  name: NAME,
  type: 'A',
  ttl: 60,
  setIdentifier: id,
  weight,
  values: [value],
});
const blue = set('blue', 50, '192.0.2.1');
const old = set('lb-9', 5, '10.0.9.1');

function decide(live: RecordSet[], foreign: RecordSet[], guard: Partial<typeof DEFAULT_GUARD> = {}) {
  const input: ShardInput = {
    shard: SHARD,
    zone: ZONE,
    writer: 't',
    guard: { ...DEFAULT_GUARD, ...guard },
    live: new Map([[KEY, live]]),
    foreign: new Map(foreign.length > 0 ? [[KEY, foreign]] : []),
    targets: [plan],
  };
  return decideShard(input);
}

describe('ownership in decideShard', () => {
  it('refuses an endpoint whose changes would delete a set dnsplane did not write, naming it; --adopt deletes it', () => {
    const refused = decide([blue], [blue]);
    expect(refused.action).toBe('send');
    expect(refused.refused).toEqual([
      {
        endpoint: KEY,
        refusal: expect.objectContaining({ reason: 'foreign-sets', message: expect.stringContaining('"blue"') }),
      },
    ]);
    if (refused.action === 'send') {
      expect(refused.unit.excluded).toEqual([KEY]);
      expect(refused.unit.recordChanges).toEqual([]);
    }
    // The counterexample: the same decision without the ownership information deletes blue (velocity aside:
    // replacing every serving set at once is a 100% drop of the weight it serves).
    const blind = decide([blue], [], { maxDropShare: 1 });
    expect(
      blind.action === 'send' && blind.unit.recordChanges.map((c) => `${c.action} ${c.set.setIdentifier}`),
    ).toEqual(['DELETE blue', 'CREATE lb-0']);
    const adopted = decide([blue], [blue], { adopt: true });
    expect(adopted.refused).toEqual([]);
    expect(adopted.action === 'send' && adopted.unit.adopted).toEqual([{ endpoint: KEY, sets: [blue] }]);
  });

  it("leaves a foreign set that needs no change alone, and its fence does not make it dnsplane's (f=); --adopt does", () => {
    const kept = { ...set('lb-0', 10, '10.0.0.1'), ttl: 30 };
    const decision = decide([kept], [kept]);
    expect(decision.refused).toEqual([]);
    if (decision.action !== 'send') throw new Error('expected a unit');
    expect(decision.unit.recordChanges).toEqual([]);
    expect(decision.unit.adopted).toEqual([]);
    // The plan names lb-0, so without f= the next fence would claim it and the next plan change it unrefused.
    expect(parseShardFence(SHARD, decision.unit.newFence).notOwned).toEqual(new Map([[KEY, [setIdHash('lb-0')]]]));
    const adopted = decide([kept], [kept], { adopt: true });
    if (adopted.action !== 'send') throw new Error('expected a unit');
    expect(adopted.unit.adopted).toEqual([{ endpoint: KEY, sets: [kept] }]);
    expect(parseShardFence(SHARD, adopted.unit.newFence).notOwned).toBeUndefined();
  });

  it("a refused endpoint's fence lists the foreign sets its plan names, and an endpoint left unknown keeps them", () => {
    const squatter = set('lb-0', 50, '192.0.2.9');
    const refused = decide([squatter], [squatter]);
    if (refused.action !== 'send') throw new Error('expected a unit');
    expect(refused.refused.map((entry) => entry.refusal.reason)).toEqual(['foreign-sets']);
    const fence = parseShardFence(SHARD, refused.unit.newFence);
    expect([fence.excluded, fence.notOwned]).toEqual([[KEY], new Map([[KEY, [setIdHash('lb-0')]]])]);
    // Next pass, the endpoint still excluded and not read: the new fence carries what the old one said.
    const carried = decideShard({
      shard: SHARD,
      zone: ZONE,
      writer: 't',
      guard: DEFAULT_GUARD,
      fence,
      live: new Map(),
      unknown: new Set([KEY]),
      targets: [{ ...plan, generation: 3 }],
    });
    if (carried.action !== 'send') throw new Error('expected a unit');
    expect(parseShardFence(SHARD, carried.unit.newFence).notOwned).toEqual(fence.notOwned);
  });

  it('upsert-only never deletes a set the plan drops; sync does', () => {
    const live = [set('lb-0', 10, '10.0.0.1'), old];
    const sync = decide(live, []);
    const upsert = decide(live, [], { policy: 'upsert-only' });
    const actions = (d: ReturnType<typeof decide>) =>
      d.action === 'send' ? d.unit.recordChanges.map((c) => `${c.action} ${c.set.setIdentifier}`) : [];
    expect(actions(sync)).toEqual(['DELETE lb-0', 'DELETE lb-9', 'CREATE lb-0']);
    expect(actions(upsert)).toEqual(['DELETE lb-0', 'CREATE lb-0']);
    expect(shardPlan(plan).content[SHARD].get(KEY)).toHaveLength(1);
  });
});

/** A weighted A set made by hand (as the aws CLI would), at host(label). */
async function byHand(rig: Awaited<ReturnType<typeof startRig>>, label: string, id: string, value: string, ttl = 60) {
  await rig.client.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: rig.zoneId,
      ChangeBatch: {
        Changes: [
          {
            Action: 'CREATE',
            ResourceRecordSet: {
              Name: host(label),
              Type: 'A',
              TTL: ttl,
              SetIdentifier: id,
              Weight: 1,
              ResourceRecords: [{ Value: value }],
            },
          },
        ],
      },
    }),
  );
}

describe('ownership in the enactor', () => {
  it("a refused endpoint stays refused on the next passes, though its fence's plan names the hand-made set", async () => {
    const rig = await startRig();
    try {
      await rig.writePlan(1, { api: [10] });
      const enactor = rig.enactor('e1', { verifyEveryMs: 0 });
      expect((await enactor.runOnce()).applied).toHaveLength(1);
      // Made by hand with the identifier the plan will give its own set (lb-0), and another address.
      await byHand(rig, 'web', 'lb-0', '192.0.2.7');
      await rig.writePlan(2, { api: [10], web: [5] });
      for (let pass = 0; pass < 3; pass++) {
        const summary = await enactor.runOnce();
        expect(summary.refused, `pass ${pass}`).toEqual([
          expect.objectContaining({ endpoint: `${host('web')} A`, reason: 'foreign-sets' }),
        ]);
        expect(summary.repaired).toEqual([]);
      }
      const view = await rig.view();
      expect(view.endpoints.get(`${host('web')} A`)?.sets.map((set) => set.values)).toEqual([['192.0.2.7']]);
      // Adopting is what changes it.
      const adopted = await rig.enactor('e2', { verifyEveryMs: 0, guard: { adopt: true } }).runOnce();
      expect(adopted.refused).toEqual([]);
      expect(liveWeights(await rig.view(), 'web')).toEqual([5]);
    } finally {
      await rig.close();
    }
  });

  it("a hand-made set already as planned is left alone but stays not dnsplane's until adopted", async () => {
    const rig = await startRig();
    try {
      await byHand(rig, 'web', 'lb-0', '10.0.0.1', 30);
      await rig.writePlan(1, { web: [1] }); // exactly the hand-made set
      const enactor = rig.enactor('e1', { verifyEveryMs: 0 });
      expect((await enactor.runOnce()).refused).toEqual([]);
      await rig.writePlan(2, { web: [2] });
      expect((await enactor.runOnce()).refused).toEqual([
        expect.objectContaining({ endpoint: `${host('web')} A`, reason: 'foreign-sets' }),
      ]);
      expect(liveWeights(await rig.view(), 'web')).toEqual([1]);
      const adopted = await rig.enactor('e2', { verifyEveryMs: 0, guard: { adopt: true } }).runOnce();
      expect([adopted.refused, liveWeights(await rig.view(), 'web')]).toEqual([[], [2]]);
      // Adopted, it is dnsplane's: the next change needs no --adopt.
      await rig.writePlan(3, { web: [3] });
      expect((await enactor.runOnce()).refused).toEqual([]);
      expect(liveWeights(await rig.view(), 'web')).toEqual([3]);
    } finally {
      await rig.close();
    }
  });

  it('reads a name the plan newly manages in a fenced shard before writing, and refuses the sets found there', async () => {
    const rig = await startRig();
    try {
      await rig.writePlan(1, { api: [10] });
      // No sweep in these passes: only the read of newly managed names can see what is there.
      const enactor = rig.enactor('e1', { verifyEveryMs: 3_600_000 });
      expect((await enactor.runOnce()).applied).toHaveLength(1);
      await rig.client.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: rig.zoneId,
          ChangeBatch: {
            Changes: [
              {
                Action: 'CREATE',
                ResourceRecordSet: {
                  Name: host('web'),
                  Type: 'A',
                  TTL: 60,
                  SetIdentifier: 'blue',
                  Weight: 1,
                  ResourceRecords: [{ Value: '192.0.2.7' }],
                },
              },
            ],
          },
        }),
      );
      await rig.writePlan(2, { api: [10], web: [5] });
      const summary = await enactor.runOnce();
      expect(summary.refused).toEqual([
        expect.objectContaining({ endpoint: `${host('web')} A`, reason: 'foreign-sets' }),
      ]);
      expect(liveWeights(await rig.view(), 'web')).toEqual([1]);
    } finally {
      await rig.close();
    }
  });
});
