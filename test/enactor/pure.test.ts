// Unit tests of the enactor's pure parts: fences, diffs, the guard, batch packing and decisions.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { changeCost, packBatches, ROUTE53_LIMITS } from '../../src/enactor/batch.js';
import { applyChanges, desiredSets, recordChanges, setsMatch, type Change } from '../../src/enactor/changes.js';
import { decide, touchedSets } from '../../src/enactor/decide.js';
import { endpointOfFence, fenceName, newFenceSet, parseFence } from '../../src/enactor/fence.js';
import { checkChangeShare, checkEndpointResult, DEFAULT_GUARD } from '../../src/enactor/guard.js';
import { groupZone } from '../../src/enactor/live.js';
import type { EndpointPlan } from '../../src/plan/schema.js';
import type { RecordSet } from '../../src/route53/recordset.js';

const endpoint = (weights: number[], ttl = 30): EndpointPlan => ({
  name: 'api.example.com.',
  type: 'A',
  ttl,
  sets: weights.map((weight, i) => ({ setIdentifier: `lb-${i}`, weight, values: [`192.0.2.${i + 1}`] })),
});

describe('fence', () => {
  it('names one fence per endpoint name and type, and maps it back', () => {
    expect(fenceName('API.example.com', 'A')).toBe('_dnsplane-a.api.example.com.');
    expect(fenceName('api.example.com.', 'AAAA')).toBe('_dnsplane-aaaa.api.example.com.');
    expect(endpointOfFence('_dnsplane-aaaa.api.example.com.')).toEqual({ name: 'api.example.com.', type: 'AAAA' });
    expect(endpointOfFence('api.example.com.')).toBeUndefined();
  });

  it('writes a unique value for every write of the same generation (so a repair still swaps)', () => {
    const a = newFenceSet('api.example.com', 'A', 7, 'enactor one');
    const b = newFenceSet('api.example.com', 'A', 7, 'enactor one');
    expect(a.values[0]).not.toBe(b.values[0]);
    expect(parseFence(a)).toMatchObject({ generation: 7, writer: 'enactor_one' });
  });

  it('reads an unparseable fence as generation 0 and a multi-valued one by its highest generation', () => {
    expect(parseFence({ name: 'x.', type: 'TXT', ttl: 1, values: ['"hand made"'] }).generation).toBe(0);
    expect(parseFence({ name: 'x.', type: 'TXT', ttl: 1, values: ['"gen=3"', '"gen=12 writer=b"'] })).toMatchObject({ generation: 12, writer: 'b' });
  });

  it('refuses to create a fence for a non-positive generation', () => {
    expect(() => newFenceSet('api.example.com', 'A', 0, 'e')).toThrow(/positive/);
  });
});

describe('record changes', () => {
  it('deletes with exact live values and recreates changed sets, leaving equal ones alone', () => {
    const live = desiredSets(endpoint([10, 20, 30]));
    const desired = desiredSets(endpoint([10, 25]));
    const changes = recordChanges(live, desired);
    expect(changes.map((c) => `${c.action} ${c.set.setIdentifier} ${c.set.weight}`)).toEqual(['DELETE lb-1 20', 'DELETE lb-2 30', 'CREATE lb-1 25']);
    expect(setsMatch(applyChanges(live, changes), desired)).toBe(true);
  });

  it('turns any live state into the desired one (property)', () => {
    const sets = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 3 })), { maxLength: 6 });
    const build = (spec: Array<[number, number, number]>): RecordSet[] => {
      const byId = new Map(spec.map(([id, weight, n]) => [id, { weight, n }]));
      return [...byId].map(([id, { weight, n }]) => ({ name: 'a.example.com.', type: 'A', ttl: 30, setIdentifier: `s${id}`, weight, values: Array.from({ length: n }, (_, i) => `10.0.${id}.${i}`) }));
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
    expect(checkEndpointResult('e', result([0, 5]), { ...DEFAULT_GUARD, minCapacity: 2 })?.reason).toBe('below-min-capacity');
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
    changes: [{ action, set: { name: 'x.', type: 'A', ttl: 1, values: Array.from({ length: values }, () => 'v'.repeat(chars)) } as RecordSet }],
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
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 80 })), { maxLength: 30 }), (specs) => {
        const units = specs.map(([n, c]) => unit(n, c));
        const packed = packBatches(units);
        for (const batch of packed.batches) {
          const cost = changeCost(batch.flatMap((u) => u.changes));
          expect(cost.elements).toBeLessThanOrEqual(ROUTE53_LIMITS.elements);
          expect(cost.chars).toBeLessThanOrEqual(ROUTE53_LIMITS.chars);
        }
        expect(packed.batches.flat().length + packed.oversized.length).toBe(units.length);
      }),
    );
  });
});

describe('decide', () => {
  const plan = endpoint([10, 20]);
  const fenceAt = (generation: number) => parseFence(newFenceSet(plan.name, 'A', generation, 'other'));

  it('applies a newer generation with one batch: fence DELETE + CREATE and the record changes', () => {
    const live = { sets: desiredSets(endpoint([10])), fence: fenceAt(4) };
    const decision = decide({ endpoint: plan, generation: 5, live, writer: 'me', guard: DEFAULT_GUARD });
    expect(decision.action).toBe('send');
    if (decision.action !== 'send') return;
    expect(decision.unit.kind).toBe('apply');
    expect(decision.unit.changes.slice(0, 2).map((c) => `${c.action} ${c.set.type}`)).toEqual(['DELETE TXT', 'CREATE TXT']);
    expect(decision.unit.changes[0].set).toEqual(live.fence.set);
  });

  it('creates the fence when there is none (a concurrent creator makes the CREATE fail)', () => {
    const decision = decide({ endpoint: plan, generation: 1, live: { sets: [] }, writer: 'me', guard: DEFAULT_GUARD });
    expect(decision.action === 'send' && decision.unit.changes[0].action).toBe('CREATE');
  });

  it('never writes below the live fence', () => {
    const decision = decide({ endpoint: plan, generation: 5, live: { sets: [], fence: fenceAt(6) }, writer: 'me', guard: DEFAULT_GUARD });
    expect(decision).toMatchObject({ action: 'stand-down', liveGeneration: 6 });
  });

  it('repairs drift under the same generation, and stands down when another writer re-fenced it meanwhile', () => {
    const fence = fenceAt(5);
    const drifted = decide({ endpoint: plan, generation: 5, live: { sets: [], fence }, writer: 'me', guard: DEFAULT_GUARD });
    expect(drifted).toMatchObject({ action: 'send', unit: { kind: 'repair' } });
    const refenced = decide({ endpoint: plan, generation: 5, live: { sets: [], fence: fenceAt(5) }, writer: 'me', guard: DEFAULT_GUARD, previousFence: fence });
    expect(refenced.action).toBe('stand-down');
    expect(decide({ endpoint: plan, generation: 5, live: { sets: desiredSets(plan), fence }, writer: 'me', guard: DEFAULT_GUARD }).action).toBe('in-sync');
  });

  it('counts only updated and deleted live sets toward the change share, never creates (as octoDNS)', () => {
    const fresh = decide({ endpoint: plan, generation: 1, live: { sets: [] }, writer: 'me', guard: DEFAULT_GUARD });
    expect(fresh.action === 'send' && touchedSets(fresh.unit)).toBe(0);
    const reweighted = decide({ endpoint: endpoint([10, 21]), generation: 2, live: { sets: desiredSets(plan), fence: fenceAt(1) }, writer: 'me', guard: DEFAULT_GUARD });
    expect(reweighted.action === 'send' && touchedSets(reweighted.unit)).toBe(1);
  });

  it('refuses a plan that would leave only weight-0 sets', () => {
    const decision = decide({ endpoint: endpoint([0, 0]), generation: 2, live: { sets: desiredSets(plan), fence: fenceAt(1) }, writer: 'me', guard: DEFAULT_GUARD });
    expect(decision).toMatchObject({ action: 'refuse', refusal: { reason: 'all-weight-zero' } });
  });
});

describe('zone grouping', () => {
  it('groups sets and fences per endpoint and counts content sets without SOA, NS and fences', () => {
    const sets: RecordSet[] = [
      { name: 'example.com.', type: 'SOA', ttl: 1, values: ['x'] },
      ...desiredSets(endpoint([1, 2])),
      newFenceSet('api.example.com', 'A', 3, 'e'),
      { name: 'www.example.com.', type: 'CNAME', ttl: 1, values: ['api.example.com.'] },
    ];
    const view = groupZone(sets);
    expect(view.contentSets).toBe(3);
    expect(view.endpoints.get('api.example.com. A')).toMatchObject({ fence: { generation: 3 } });
    expect(view.endpoints.get('api.example.com. A')?.sets).toHaveLength(2);
  });
});
