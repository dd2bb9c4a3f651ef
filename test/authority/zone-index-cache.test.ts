// A zone followed by whole snapshots: the newest index is updated in place from what changed between two
// snapshots (by RecordSet identity), and a build from any other index starts afresh, reusing the encodings
// that index serves. These checks build chains and branches of versions and compare each index with one
// built from scratch, so a set removed, changed or re-added is never served from a stale encoding, whichever
// index a build starts from. (Updates from a store's change batches: dns-index-delta.test.ts.)
import { describe, expect, it } from 'vitest';
import { EMPTY_INDEX, buildIndex, type FaceIndex, type ZoneIndex } from '../../src/authority/dns/zone-index.js';
import { nameLabels, wireKey } from '../../src/authority/dns/wire.js';
import type { ZoneSnapshot } from '../../src/authority/zones.js';
import type { RecordSet } from '../../src/route53/recordset.js';

const zone = { id: 'ZCACHE', name: 'cache.test.', callerReference: 'r', nameServers: ['ns1.cache.test.'] };
const soa: RecordSet = {
  name: 'cache.test.',
  type: 'SOA',
  ttl: 900,
  values: ['ns1.cache.test. host.cache.test. 1 7200 900 1209600 86400'],
};
const ignore = () => undefined;

function weighted(name: string, weights: number[], octet = 1): RecordSet[] {
  return weights.map((weight, i) => ({
    name,
    type: 'A',
    ttl: 60,
    setIdentifier: `s${i}`,
    weight,
    values: [`10.${octet}.${i}.1`],
  }));
}

function snapshot(version: number, recordSets: RecordSet[]): ZoneSnapshot[] {
  return [{ zone, version, recordSets: [soa, ...recordSets] }];
}

/** What a query can see: per name, per type, every set's bytes and weight. */
function served(index: FaceIndex): Record<string, string[]> {
  const z = index.byId.get(zone.id) as ZoneIndex;
  const out: Record<string, string[]> = {};
  for (const [key, node] of z.names) {
    out[key] = [...node.types]
      .flatMap(([code, group]) => group.sets.map((set) => `${code}:${set.weight}:${set.bytes.toString('hex')}`))
      .sort();
  }
  return out;
}

const key = (name: string) => wireKey(nameLabels(name));

describe('zone index encoding cache', () => {
  it('a chain of versions serves exactly what a build from scratch serves', () => {
    const a = weighted('a.cache.test.', [1, 2]);
    const b = weighted('deep.b.cache.test.', [3]);
    const v1 = snapshot(1, [...a, ...b]);
    const i1 = buildIndex(v1, EMPTY_INDEX, ignore);
    // v2: b removed, a's second set changed (a new object, as the store hands it on).
    const v2 = snapshot(2, [a[0], { ...a[1], values: ['10.9.9.9'] }]);
    const i2 = buildIndex(v2, i1, ignore);
    expect(served(i2)).toEqual(served(buildIndex(v2, EMPTY_INDEX, ignore)));
    expect(served(i2)[key('deep.b.cache.test.')]).toBeUndefined();
    expect(served(i2)[key('b.cache.test.')]).toBeUndefined();
    // v3: b back (the very same objects as in v1).
    const v3 = snapshot(3, [a[0], ...b]);
    const i3 = buildIndex(v3, i2, ignore);
    expect(served(i3)).toEqual(served(buildIndex(v3, EMPTY_INDEX, ignore)));
    expect(served(i3)[key('b.cache.test.')]).toEqual([]);
  });

  it('a build from an older index (a branch) is as correct as one from the newest', () => {
    const a = weighted('a.cache.test.', [1, 2]);
    const c = weighted('c.cache.test.', [5, 5]);
    const i1 = buildIndex(snapshot(1, [...a, ...c]), EMPTY_INDEX, ignore);
    const i2 = buildIndex(snapshot(2, [...a]), i1, ignore);
    // Built from i1 again, after i2 took the cache over: c's removal in i2 must not leak into this branch.
    const branch = snapshot(3, [a[0], ...c, ...weighted('d.cache.test.', [7], 4)]);
    const i3 = buildIndex(branch, i1, ignore);
    expect(served(i3)).toEqual(served(buildIndex(branch, EMPTY_INDEX, ignore)));
    expect(served(i2)).toEqual(served(buildIndex(snapshot(2, [...a]), EMPTY_INDEX, ignore)));
    // And the chain continues correctly from either.
    const next = snapshot(4, [...c]);
    expect(served(buildIndex(next, i3, ignore))).toEqual(served(buildIndex(next, EMPTY_INDEX, ignore)));
    expect(served(buildIndex(next, i2, ignore))).toEqual(served(buildIndex(next, EMPTY_INDEX, ignore)));
  });
});
