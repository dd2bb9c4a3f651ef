// A zone followed commit by commit: the newest index is updated in place from the batches committed since,
// and an update from any older index builds afresh from the snapshot, reusing the encodings that index
// serves. These checks build chains and branches of versions and compare each index with one built from
// scratch, so a set removed, changed or re-added is never served from a stale encoding, whichever index an
// update starts from. (Updates from a ZoneStore's own change batches: dns-index-delta.test.ts.)
import { describe, expect, it } from 'vitest';
import {
  EMPTY_INDEX,
  buildZoneIndex,
  updateIndex,
  type FaceIndex,
  type ZoneIndex,
} from '../../src/authority/dns/zone-index.js';
import { nameLabels, wireKey } from '../../src/authority/dns/wire.js';
import type { RecordSet } from '../../src/route53/recordset.js';
import { MemoryZoneSource } from './dns-fixture.js';

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

/** What a query can see: per name, per type, every set's bytes and weight. */
function served(index: FaceIndex | ZoneIndex): Record<string, string[]> {
  const z = 'byId' in index ? (index.byId.get(zone.id) as ZoneIndex) : index;
  const out: Record<string, string[]> = {};
  for (const [key, node] of z.names) {
    out[key] = [...node.types]
      .flatMap(([code, group]) => group.sets.map((set) => `${code}:${set.weight}:${set.bytes.toString('hex')}`))
      .sort();
  }
  return out;
}

const key = (name: string) => wireKey(nameLabels(name));

/** A source of the one zone, and what its current version serves when built from scratch (from copies). */
function zoneSource() {
  const source = new MemoryZoneSource();
  return {
    commit: (recordSets: RecordSet[]) => source.commit(zone, [soa, ...recordSets]),
    follow: (previous: FaceIndex) => updateIndex(source, previous, ignore),
    scratch: () => {
      const [now] = source.snapshots();
      return served(buildZoneIndex({ ...now, recordSets: now.recordSets.map((s) => ({ ...s })) }, undefined, ignore));
    },
  };
}

describe('zone index encoding cache', () => {
  it('a chain of versions serves exactly what a build from scratch serves', () => {
    const { commit, follow, scratch } = zoneSource();
    const a = weighted('a.cache.test.', [1, 2]);
    const b = weighted('deep.b.cache.test.', [3]);
    commit([...a, ...b]);
    const i1 = follow(EMPTY_INDEX);
    // v2: b removed, a's second set changed (a new object, as the store hands it on).
    commit([a[0], { ...a[1], values: ['10.9.9.9'] }]);
    const i2 = follow(i1);
    expect(served(i2)).toEqual(scratch());
    expect(served(i2)[key('deep.b.cache.test.')]).toBeUndefined();
    expect(served(i2)[key('b.cache.test.')]).toBeUndefined();
    // v3: b back (the very same objects as in v1).
    commit([a[0], ...b]);
    const i3 = follow(i2);
    expect(served(i3)).toEqual(scratch());
    expect(served(i3)[key('b.cache.test.')]).toEqual([]);
  });

  it('an update from an older index (a branch) is as correct as one from the newest', () => {
    const { commit, follow, scratch } = zoneSource();
    const a = weighted('a.cache.test.', [1, 2]);
    const c = weighted('c.cache.test.', [5, 5]);
    commit([...a, ...c]);
    const i1 = follow(EMPTY_INDEX);
    commit([...a]);
    const i2 = follow(i1);
    const v2 = scratch();
    // From i1 again, after i2 took its names over: c's removal in i2 must not leak into this branch.
    commit([a[0], ...c, ...weighted('d.cache.test.', [7], 4)]);
    const i3 = follow(i1);
    expect(served(i3)).toEqual(scratch());
    expect(served(i2)).toEqual(v2);
    // And the chain continues correctly from either.
    commit([...c]);
    expect(served(follow(i3))).toEqual(scratch());
    expect(served(follow(i2))).toEqual(scratch());
  });
});
