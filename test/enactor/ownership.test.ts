// The ownership rules of the per-shard decision (decide.ts), without a network: a set dnsplane did not write is
// never deleted or replaced unless adopting; upsert-only never deletes. Each rule beside its counterexample.
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { describe, expect, it } from 'vitest';
import { decideShard, type ShardInput } from '../../src/enactor/decide.js';
import { DEFAULT_GUARD } from '../../src/enactor/guard.js';
import { shardOf, shardPlan } from '../../src/enactor/shard-fence.js';
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

  it('leaves a foreign set that needs no change alone, and changes the endpoint around it only by creating', () => {
    const kept = set('lb-0', 10, '10.0.0.1');
    const decision = decide([{ ...kept, ttl: 30 }], [{ ...kept, ttl: 30 }]);
    expect(decision.refused).toEqual([]);
    expect(decision.action === 'send' && decision.unit.recordChanges).toEqual([]);
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

describe('ownership in the enactor', () => {
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
