// Unit tests of the enactor's pure parts: fences, diffs, the guard, batch packing and decisions.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { packBatches } from '../../src/enactor/batch.js';
import { changeCost, ROUTE53_LIMITS } from '../../src/route53/change-batch.js';
import { applyChanges, desiredSets, recordChanges, setsMatch, type Change } from '../../src/enactor/changes.js';
import { decideShard, namedInError } from '../../src/enactor/decide.js';
import { touchedSets } from '../../src/enactor/guard.js';
import { endpointOfFence, fenceName, parseFence } from '../../src/enactor/fence.js';
import {
  newShardFenceSet,
  parseShardFence,
  shardDigest,
  shardFenceName,
  shardOf,
  shardPlan,
} from '../../src/enactor/shard-fence.js';
import { checkChangeShare, checkEndpointResult, checkVelocity, DEFAULT_GUARD } from '../../src/enactor/guard.js';
import { groupZone } from '../../src/enactor/live.js';
import type { EndpointPlan, Plan } from '../../src/plan/schema.js';
import type { RecordSet } from '../../src/route53/recordset.js';

const endpoint = (weights: number[], ttl = 30): EndpointPlan => ({
  name: 'api.example.com.',
  type: 'A',
  ttl,
  sets: weights.map((weight, i) => ({ setIdentifier: `lb-${i}`, weight, values: [`192.0.2.${i + 1}`] })),
});

describe('v1 fence (recognised for migration only)', () => {
  it('names one fence per endpoint name and type, and maps it back', () => {
    expect(fenceName('API.example.com', 'A')).toBe('_dnsplane-a.api.example.com.');
    expect(fenceName('api.example.com.', 'AAAA')).toBe('_dnsplane-aaaa.api.example.com.');
    expect(endpointOfFence('_dnsplane-aaaa.api.example.com.')).toEqual({ name: 'api.example.com.', type: 'AAAA' });
    expect(endpointOfFence('api.example.com.')).toBeUndefined();
  });

  it('reads an unparseable fence as generation 0 and a multi-valued one by its highest generation', () => {
    expect(parseFence({ name: 'x.', type: 'TXT', ttl: 1, values: ['"hand made"'] }).generation).toBe(0);
    expect(parseFence({ name: 'x.', type: 'TXT', ttl: 1, values: ['"gen=3"', '"gen=12 writer=b"'] })).toMatchObject({
      generation: 12,
      writer: 'b',
    });
  });
});

describe('record changes', () => {
  it('deletes with exact live values and recreates changed sets, leaving equal ones alone', () => {
    const live = desiredSets(endpoint([10, 20, 30]));
    const desired = desiredSets(endpoint([10, 25]));
    const changes = recordChanges(live, desired);
    expect(changes.map((c) => `${c.action} ${c.set.setIdentifier} ${c.set.weight}`)).toEqual([
      'DELETE lb-1 20',
      'DELETE lb-2 30',
      'CREATE lb-1 25',
    ]);
    expect(setsMatch(applyChanges(live, changes), desired)).toBe(true);
  });

  it('turns any live state into the desired one (property)', () => {
    const sets = fc.array(
      fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 3 })),
      { maxLength: 6 },
    );
    const build = (spec: Array<[number, number, number]>): RecordSet[] => {
      const byId = new Map(spec.map(([id, weight, n]) => [id, { weight, n }]));
      return [...byId].map(([id, { weight, n }]) => ({
        name: 'a.example.com.',
        type: 'A',
        ttl: 30,
        setIdentifier: `s${id}`,
        weight,
        values: Array.from({ length: n }, (_, i) => `10.0.${id}.${i}`),
      }));
    };
    fc.assert(
      fc.property(sets, sets, (from, to) => {
        const live = build(from);
        const desired = build(to);
        expect(setsMatch(applyChanges(live, recordChanges(live, desired)), desired)).toBe(true);
      }),
    );
  });

  it('matches sets in any order, and only when every set is the same', () => {
    const desired = desiredSets(endpoint([10, 20, 30]));
    expect(setsMatch(desired, desiredSets(endpoint([10, 20, 30])))).toBe(true);
    expect(setsMatch([...desired].reverse(), desired)).toBe(true);
    expect(setsMatch(desiredSets(endpoint([10, 20, 31])), desired)).toBe(false);
    expect(setsMatch(desiredSets(endpoint([10, 20, 31])).reverse(), desired)).toBe(false);
    expect(setsMatch(desiredSets(endpoint([10, 20])), desired)).toBe(false);
    expect(setsMatch([{ ...desired[0], values: ['192.0.2.9'] }, desired[1], desired[2]], desired)).toBe(false);
  });

  it('rejects a simulated DELETE that does not match, as Route53 would', () => {
    const live = desiredSets(endpoint([10]));
    const stale: Change = { action: 'DELETE', set: { ...live[0], weight: 11 } };
    expect(() => applyChanges(live, [stale])).toThrow(/does not match/);
  });
});

describe('guard', () => {
  const result = (weights: number[]) => desiredSets(endpoint(weights));
  it('refuses an empty endpoint, an all-weight-0 endpoint and one below the minimum capacity', () => {
    expect(checkEndpointResult('e', [], DEFAULT_GUARD)?.reason).toBe('empty');
    expect(checkEndpointResult('e', result([0, 0]), DEFAULT_GUARD)?.reason).toBe('all-weight-zero');
    expect(checkEndpointResult('e', result([0, 5]), { ...DEFAULT_GUARD, minCapacity: 2 })?.reason).toBe(
      'below-min-capacity',
    );
    expect(checkEndpointResult('e', result([0, 5]), DEFAULT_GUARD)).toBeUndefined();
  });

  it('refuses changing more than the share of a zone unless forced, and exempts small zones', () => {
    expect(checkChangeShare(4, 10, DEFAULT_GUARD)?.reason).toBe('change-share');
    expect(checkChangeShare(3, 10, DEFAULT_GUARD)).toBeUndefined();
    expect(checkChangeShare(4, 10, { ...DEFAULT_GUARD, force: true })).toBeUndefined();
    expect(checkChangeShare(5, 9, DEFAULT_GUARD)).toBeUndefined();
  });
});

describe('batch packing', () => {
  const unit = (values: number, chars = 10, action: Change['action'] = 'CREATE') => ({
    changes: [
      {
        action,
        set: {
          name: 'x.',
          type: 'A',
          ttl: 1,
          values: Array.from({ length: values }, () => 'v'.repeat(chars)),
        } as RecordSet,
      },
    ],
  });

  it('counts UPSERT twice', () => {
    expect(changeCost(unit(10, 5, 'UPSERT').changes)).toEqual({ elements: 20, chars: 100 });
    expect(changeCost(unit(10, 5, 'DELETE').changes)).toEqual({ elements: 10, chars: 50 });
  });

  it('fills a batch up to exactly 1,000 elements and starts another past it, never splitting a unit', () => {
    const packed = packBatches([unit(600), unit(400), unit(1)]);
    expect(packed.batches.map((b) => b.map((u) => changeCost(u.changes).elements))).toEqual([[600, 400], [1]]);
  });

  it('respects the 32,000-character limit and reports a unit too large for any request', () => {
    const packed = packBatches([unit(100, 200), unit(100, 200), unit(1001, 1)]);
    expect(packed.batches.map((b) => b.length)).toEqual([1, 1]);
    expect(packed.oversized).toHaveLength(1);
  });

  it('never exceeds the limits and keeps every unit (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 80 })), { maxLength: 30 }),
        (specs) => {
          const units = specs.map(([n, c]) => unit(n, c));
          const packed = packBatches(units);
          for (const batch of packed.batches) {
            const cost = changeCost(batch.flatMap((u) => u.changes));
            expect(cost.elements).toBeLessThanOrEqual(ROUTE53_LIMITS.elements);
            expect(cost.chars).toBeLessThanOrEqual(ROUTE53_LIMITS.chars);
          }
          expect(packed.batches.flat().length + packed.oversized.length).toBe(units.length);
        },
      ),
    );
  });
});

describe('decideShard', () => {
  const ZONE = 'example.com.';
  const key = 'api.example.com. A';
  const shard = shardOf('api.example.com.', 'A');
  const planOf = (generation: number, endpoints: Record<string, number[]>): Plan => ({
    generation,
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: 'test',
    zone: ZONE,
    endpoints: Object.entries(endpoints).map(([name, weights]) => ({ ...endpoint(weights), name })),
  });
  const fenceAt = (generation: number, plan: Plan) =>
    parseShardFence(
      shard,
      newShardFenceSet(shard, ZONE, { generation, digest: shardDigest(plan, shard), writer: 'other' }),
    );
  const liveOf = (...plans: Plan[]) => new Map(plans.flatMap((plan) => [...shardPlan(plan).content[shard]]));
  const input = (targets: Plan[], live: Map<string, RecordSet[]>, fence?: ReturnType<typeof fenceAt>) => ({
    shard,
    zone: ZONE,
    writer: 'me',
    guard: DEFAULT_GUARD,
    fence,
    live,
    targets,
  });

  it('applies a newer generation in one unit: DELETE of the exact fence read, CREATE of (g, digest), the record changes', () => {
    const p4 = planOf(4, { 'api.example.com.': [10] });
    const p5 = planOf(5, { 'api.example.com.': [10, 20] });
    const decision = decideShard(input([p5], liveOf(p4), fenceAt(4, p4)));
    if (decision.action !== 'send') throw new Error(decision.action);
    expect(decision.unit).toMatchObject({ kind: 'apply', generation: 5, changed: [key], excluded: [] });
    expect(decision.unit.changes.map((c) => `${c.action} ${c.set.type} ${c.set.setIdentifier ?? ''}`)).toEqual([
      'DELETE TXT ',
      'CREATE TXT ',
      'CREATE A lb-1',
    ]);
    expect(decision.unit.changes[0].set).toEqual(decision.unit.liveFence!.set);
    expect(parseShardFence(shard, decision.unit.newFence)).toMatchObject({
      generation: 5,
      digest: shardDigest(p5, shard),
      writer: 'me',
    });
  });

  it('creates the fence when the shard has none (a concurrent creator makes the CREATE fail), and moves a fence with nothing else to change', () => {
    const p1 = planOf(1, { 'api.example.com.': [10] });
    const fresh = decideShard(input([p1], new Map()));
    expect(fresh.action === 'send' && fresh.unit.changes.map((c) => `${c.action} ${c.set.type}`)).toEqual([
      'CREATE TXT',
      'CREATE A',
    ]);
    const p2 = { ...p1, generation: 2 };
    const fenceOnly = decideShard(input([p2], liveOf(p1), fenceAt(1, p1)));
    expect(fenceOnly.action === 'send' && fenceOnly.unit.changes.map((c) => `${c.action} ${c.set.type}`)).toEqual([
      'DELETE TXT',
      'CREATE TXT',
    ]);
  });

  it('removes an endpoint the target drops with a DELETE of its exact sets, in the fenced unit', () => {
    const other = [...Array(200).keys()].map((i) => `e${i}.example.com.`).find((name) => shardOf(name, 'A') === shard)!;
    const p1 = planOf(1, { 'api.example.com.': [10], [other]: [5] });
    const p2 = planOf(2, { 'api.example.com.': [10] });
    const decision = decideShard(input([p2], liveOf(p1), fenceAt(1, p1)));
    if (decision.action !== 'send') throw new Error(decision.action);
    expect(decision.unit.changed).toEqual([`${other} A`]);
    expect(decision.unit.recordChanges).toEqual([
      { action: 'DELETE', set: shardPlan(p1).content[shard].get(`${other} A`)![0] },
    ]);
    expect(touchedSets(decision.unit)).toBe(1);
  });

  it('walks stored plans instead of jumping past the velocity limit (I7): 255x4 -> 255 goes through 255/85x3', () => {
    const p1 = planOf(1, { 'api.example.com.': [255, 255, 255, 255] });
    const p2 = planOf(2, { 'api.example.com.': [255, 170, 170, 170] });
    const p3 = planOf(3, { 'api.example.com.': [255, 85, 85, 85] });
    const p4 = planOf(4, { 'api.example.com.': [255, 0, 0, 0] });
    const jump = decideShard(input([p4], liveOf(p1), fenceAt(1, p1)));
    expect(jump).toMatchObject({ action: 'refuse', refused: [{ endpoint: key, refusal: { reason: 'velocity' } }] });
    const walk = decideShard(input([p4, p3, p2], liveOf(p1), fenceAt(1, p1)));
    expect(walk.action === 'send' && walk.unit.generation).toBe(3);
    const next = decideShard(input([p4], liveOf(p3), fenceAt(3, p3)));
    expect(next.action === 'send' && next.unit.generation).toBe(4);
  });

  it('leaves an endpoint the guard refuses out of the unit (x=, digest without it) and still moves the rest of the shard', () => {
    const other = [...Array(200).keys()].map((i) => `e${i}.example.com.`).find((name) => shardOf(name, 'A') === shard)!;
    const p1 = planOf(1, { 'api.example.com.': [10, 10], [other]: [5] });
    const p2 = planOf(2, { 'api.example.com.': [0, 0], [other]: [6] });
    // Any drop allowed: this is about the guard, not velocity.
    const decision = decideShard({
      ...input([p2], liveOf(p1), fenceAt(1, p1)),
      guard: { ...DEFAULT_GUARD, maxDropShare: 1 },
    });
    if (decision.action !== 'send') throw new Error(decision.action);
    expect(decision.refused).toMatchObject([{ endpoint: key, refusal: { reason: 'all-weight-zero' } }]);
    expect(decision.unit.excluded).toEqual([key]);
    expect(decision.unit.changed).toEqual([`${other} A`]);
    expect(parseShardFence(shard, decision.unit.newFence)).toMatchObject({
      excluded: [key],
      digest: shardDigest(p2, shard, [key]),
    });
  });

  it('deletes the v1 fences of the shard in the same unit (migration)', () => {
    const p1 = planOf(1, { 'api.example.com.': [10] });
    const v1: RecordSet = {
      name: fenceName('api.example.com.', 'A'),
      type: 'TXT',
      ttl: 60,
      values: ['"dnsplane gen=3 writer=old nonce=1"'],
    };
    const decision = decideShard({ ...input([p1], liveOf(p1)), v1Fences: [v1] });
    expect(decision.action === 'send' && decision.unit.changes.map((c) => `${c.action} ${c.set.name}`)).toEqual([
      `CREATE ${shardFenceName(shard, ZONE)}`,
      `DELETE ${v1.name}`,
    ]);
  });
});

describe('velocity guard', () => {
  const sets = (weights: number[]) => desiredSets(endpoint(weights));
  it('measures the weight taken away (a removed set loses all of it) against the weight served now', () => {
    expect(checkVelocity('e', sets([255, 255, 255, 255]), sets([255, 85, 85, 85]), DEFAULT_GUARD)).toBeUndefined();
    expect(checkVelocity('e', sets([255, 255, 255, 255]), sets([255]), DEFAULT_GUARD)?.reason).toBe('velocity');
    expect(checkVelocity('e', sets([10, 10]), sets([10, 30]), DEFAULT_GUARD)).toBeUndefined();
    expect(checkVelocity('e', [], sets([10]), DEFAULT_GUARD)).toBeUndefined();
    expect(
      checkVelocity('e', sets([255, 255, 255, 255]), sets([255]), { ...DEFAULT_GUARD, maxDropShare: 0.8 }),
    ).toBeUndefined();
  });
});

describe('Route53 messages naming records', () => {
  it("finds the name and type in both of Route53's spellings", () => {
    expect(
      namedInError(
        "InvalidChangeBatch: [Tried to delete resource record set [name='API.example.com.', type='A', set-identifier='lb-0'] but it was not found]",
      ),
    ).toEqual([{ name: 'api.example.com.', type: 'A' }]);
    expect(
      namedInError(
        'InvalidChangeBatch: RRSet of type CNAME with DNS name web.example.com. is not permitted as it conflicts with other records',
      ),
    ).toEqual([{ name: 'web.example.com.', type: 'CNAME' }]);
  });
});

describe('zone grouping', () => {
  it('groups sets per endpoint with its shard fence (and a v1 fence), and counts content sets without SOA, NS and fences', () => {
    const p = {
      generation: 3,
      createdAt: '2026-01-01T00:00:00.000Z',
      createdBy: 't',
      zone: 'example.com.',
      endpoints: [endpoint([1, 2])],
    };
    const shard = shardOf('api.example.com.', 'A');
    const sets: RecordSet[] = [
      { name: 'example.com.', type: 'SOA', ttl: 1, values: ['x'] },
      ...desiredSets(endpoint([1, 2])),
      newShardFenceSet(shard, 'example.com.', { generation: 3, digest: shardDigest(p, shard), writer: 'e' }),
      {
        name: fenceName('api.example.com.', 'A'),
        type: 'TXT',
        ttl: 60,
        values: ['"dnsplane gen=2 writer=old nonce=1"'],
      },
      { name: 'www.example.com.', type: 'CNAME', ttl: 1, values: ['api.example.com.'] },
    ];
    const view = groupZone(sets);
    expect(view.contentSets).toBe(3);
    expect(view.endpoints.get('api.example.com. A')).toMatchObject({
      fence: { generation: 3, shard },
      v1Fence: { generation: 2 },
    });
    expect(view.endpoints.get('api.example.com. A')?.sets).toHaveLength(2);
    expect(view.shardFences.get('example.com.')?.get(shard)?.generation).toBe(3);
  });
});
