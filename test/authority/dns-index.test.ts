// A zone followed commit by commit, each commit replacing its sets whole, is updated from the batches; the
// result must equal a from-scratch build of the same version.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_INDEX,
  buildZoneIndex,
  pickSet,
  updateIndex,
  type FaceIndex,
  type ZoneIndex,
} from '../../src/authority/dns/zone-index.js';
import type { RecordSet } from '../../src/route53/recordset.js';
import { MemoryZoneSource, apexSets, zoneInfo } from './dns-fixture.js';

const zone = zoneInfo('example.com.');
// Nested names, so that adding and removing them creates and removes empty non-terminals.
const NAMES = [
  'a.example.com.',
  'b.a.example.com.',
  'c.b.a.example.com.',
  'x.y.z.example.com.',
  'z.example.com.',
  '*.w.example.com.',
];

/** Everything a query can observe: names, and per type the sets' bytes and weights. */
function observable(index: ZoneIndex): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, node] of index.names) {
    out[JSON.stringify(key)] = [...node.types]
      .flatMap(([code, g]) => g.sets.map((s) => `${code}:${s.weight}:${s.bytes.toString('hex')}`))
      .sort();
  }
  return out;
}

const setArb = fc.record({
  name: fc.constantFrom(...NAMES),
  id: fc.constantFrom('one', 'two', 'three'),
  weight: fc.integer({ min: 0, max: 3 }),
  last: fc.integer({ min: 1, max: 254 }),
});

describe('zone index', () => {
  it('builds the same index incrementally as from scratch, version after version', () => {
    fc.assert(
      fc.property(fc.array(fc.array(setArb, { maxLength: 8 }), { minLength: 2, maxLength: 6 }), (versions) => {
        const source = new MemoryZoneSource();
        let previous: FaceIndex = EMPTY_INDEX;
        let live = new Map<string, RecordSet>();
        const apex = apexSets('example.com.');
        versions.forEach((changes, v) => {
          const next = new Map(live);
          for (const c of changes) {
            const key = `${c.name}|${c.id}`;
            // weight 0 with an odd address: remove the set, to make names vanish as well as appear.
            if (c.weight === 0 && c.last % 2 === 1) next.delete(key);
            else
              next.set(key, {
                name: c.name,
                type: 'A',
                ttl: 60,
                setIdentifier: c.id,
                weight: c.weight,
                values: [`192.0.2.${c.last}`],
              });
          }
          live = next;
          const recordSets = [...apex, ...live.values()];
          source.commit(zone, recordSets);
          const incremental = updateIndex(source, previous, () => undefined);
          const scratch = buildZoneIndex(
            { zone, version: v + 1, recordSets: recordSets.map((s) => ({ ...s })) },
            undefined,
            () => undefined,
          );
          expect(observable(incremental.byId.get(zone.id)!)).toEqual(observable(scratch));
          previous = incremental;
        });
      }),
      { numRuns: 200, seed: 1 },
    );
  });

  it('picks weighted sets in proportion, and weight-0 sets only when all are 0', () => {
    const sets: RecordSet[] = [
      { name: 'w.example.com.', type: 'A', ttl: 60, setIdentifier: 'a', weight: 0, values: ['192.0.2.1'] },
      { name: 'w.example.com.', type: 'A', ttl: 60, setIdentifier: 'b', weight: 1, values: ['192.0.2.2'] },
      { name: 'w.example.com.', type: 'A', ttl: 60, setIdentifier: 'c', weight: 3, values: ['192.0.2.3'] },
    ];
    const index = buildZoneIndex({ zone, version: 1, recordSets: sets }, undefined, () => undefined);
    const group = [...index.names.values()].find((n) => n.types.size)!.types.get(1)!;
    const counts = new Map<number, number>();
    for (let i = 0; i < 40_000; i++) {
      const picked = group.sets.indexOf(pickSet(group));
      counts.set(picked, (counts.get(picked) ?? 0) + 1);
    }
    expect(counts.get(0)).toBeUndefined();
    expect(counts.get(2)! / 40_000).toBeCloseTo(0.75, 1);
  });

  it('skips a set it cannot encode and reports it, serving the rest', () => {
    const errors: string[] = [];
    const index = buildZoneIndex(
      {
        zone,
        version: 1,
        recordSets: [
          { name: 'bad.example.com.', type: 'A', ttl: 60, values: ['300.1.2.3'] },
          { name: 'good.example.com.', type: 'A', ttl: 60, values: ['192.0.2.1'] },
        ],
      },
      undefined,
      (set, error) => errors.push(`${set.name} ${(error as Error).message}`),
    );
    expect(errors).toEqual(['bad.example.com. invalid IPv4 address "300.1.2.3"']);
    expect([...index.names.keys()].some((k) => k.includes('good'))).toBe(true);
    expect([...index.names.keys()].some((k) => k.includes('bad'))).toBe(false);
  });
});
