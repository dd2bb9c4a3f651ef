// The DNS face keeps its index up to date from what each commit changed (ZoneStore.changesSince), not from
// whole snapshots. Whatever batches the store commits, and however many of them one update folds together,
// the index must answer exactly as one built from scratch from a snapshot of the same version.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { respond } from '../../src/authority/dns/answer.js';
import { EMPTY_INDEX, updateIndex, type FaceIndex } from '../../src/authority/dns/zone-index.js';
import type { RequestedChange } from '../../src/authority/store/validate.js';
import { ZoneStore } from '../../src/authority/store/zone-store.js';
import type { ZoneSource } from '../../src/authority/zones.js';
import type { RecordSet } from '../../src/route53/recordset.js';
import { encodeQuery } from './dns-fixture.js';

const APEX = 'delta.test.';
// Nested names, so that sets coming and going make empty non-terminals (a., y.z., w.) appear and vanish.
const NAMES = [
  APEX,
  'a.delta.test.',
  'b.a.delta.test.',
  'c.b.a.delta.test.',
  'x.y.z.delta.test.',
  'z.delta.test.',
  '*.w.delta.test.',
  'v.w.delta.test.',
];
// Every name above, their ancestors, a name the wildcard covers and names that do not exist.
const QUESTIONS = [
  ...NAMES,
  'b.delta.test.',
  'y.z.delta.test.',
  'w.delta.test.',
  'q.w.delta.test.',
  'd.c.b.a.delta.test.',
  'nope.delta.test.',
];
const QTYPES = ['A', 'AAAA', 'TXT', 'SOA', 'NS', 'MX'];
const ignore = () => undefined;

/** Everything a query can observe of a zone: its names (empty non-terminals too), each group's sets, the negative SOA. */
function observable(index: FaceIndex, zoneId: string) {
  const zone = index.byId.get(zoneId);
  if (!zone) return undefined;
  const names: Record<string, string[]> = {};
  for (const [key, node] of zone.names) {
    names[JSON.stringify(key)] = [...node.types]
      .flatMap(([code, g]) => [
        `${code} total ${g.total}`,
        ...g.sets.map((s) => `${code}:${s.weight}:${s.count}:${s.bytes.toString('hex')}`),
      ])
      .sort();
  }
  return { version: zone.version, names, negativeSoa: zone.negativeSoa.toString('hex') };
}

/** The replies a resolver gets: whole, except that a weighted A answer is one random set (header only then). */
function replies(index: FaceIndex): string[] {
  return QUESTIONS.flatMap((name) =>
    QTYPES.map((type) => {
      const reply = respond(index, encodeQuery(name, type, { id: 7 }), true)!;
      return `${name} ${type} ${(type === 'A' ? reply.subarray(0, 12) : reply).toString('hex')}`;
    }),
  );
}

function expectSameAsScratch(face: FaceIndex, store: ZoneStore, zoneId: string): void {
  // From the empty index every zone is built from its snapshot.
  const scratch = updateIndex(store, EMPTY_INDEX, ignore);
  expect(observable(face, zoneId)).toEqual(observable(scratch, zoneId));
  expect(replies(face)).toEqual(replies(scratch));
}

interface Op {
  kind: 'put' | 'upsert' | 'delete' | 'soa';
  name: number;
  type: 'A' | 'AAAA' | 'TXT';
  id: number;
  weight: number;
  value: number;
  twoValues: boolean;
}

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('put', 'put', 'upsert', 'delete', 'delete', 'soa'),
  name: fc.nat(NAMES.length - 1),
  type: fc.constantFrom('A', 'A', 'AAAA', 'TXT'),
  id: fc.nat(2),
  weight: fc.nat(3),
  value: fc.integer({ min: 1, max: 254 }),
  twoValues: fc.boolean(),
});

const batchArb = fc.record({ ops: fc.array(opArb, { maxLength: 8 }), update: fc.boolean() });

function keyOf(set: Pick<RecordSet, 'name' | 'type' | 'setIdentifier'>): string {
  return `${set.name}|${set.type}|${set.setIdentifier ?? ''}`;
}

/** A valid change batch for `live` (the zone's sets other than the apex SOA and NS), which it then updates. */
function batchFor(ops: readonly Op[], live: Map<string, RecordSet>): RequestedChange[] {
  const changes: RequestedChange[] = [];
  const touched = new Set<string>(); // a set may appear only once per batch
  for (const op of ops) {
    if (op.kind === 'soa') {
      if (touched.has('soa')) continue;
      touched.add('soa');
      // The SOA's minimum sets the negative answers' TTL: a change here must reach them.
      changes.push({
        action: 'UPSERT',
        name: APEX,
        type: 'SOA',
        ttl: 900,
        values: [`ns-1.${APEX} hostmaster.${APEX} ${op.value} 7200 900 1209600 ${op.value * 10}`],
      });
      continue;
    }
    if (op.kind === 'delete') {
      const victims = [...live.values()].filter((set) => !touched.has(keyOf(set)));
      const victim = victims[op.value % Math.max(1, victims.length)];
      if (!victim) continue;
      touched.add(keyOf(victim));
      changes.push({ action: 'DELETE', ...victim });
      live.delete(keyOf(victim));
      continue;
    }
    const name = NAMES[op.name];
    const values =
      op.type === 'A'
        ? [`192.0.2.${op.value}`]
        : op.type === 'AAAA'
          ? [`2001:db8::${op.value}`]
          : [`"t${op.value}"`, ...(op.twoValues ? ['"second"'] : [])];
    // A is always a weighted group (1–3 sets), the other types single sets: they never mix under one name and type.
    const set: RecordSet =
      op.type === 'A'
        ? { name, type: 'A', ttl: 60, setIdentifier: `s${op.id}`, weight: op.weight, values }
        : { name, type: op.type, ttl: 60, values };
    const key = keyOf(set);
    if (touched.has(key)) continue;
    touched.add(key);
    const old = live.get(key);
    if (op.kind === 'upsert') changes.push({ action: 'UPSERT', ...set });
    else {
      if (old) changes.push({ action: 'DELETE', ...old }); // a replace: DELETE the exact old set, CREATE the new one
      changes.push({ action: 'CREATE', ...set });
    }
    live.set(key, set);
  }
  return changes;
}

describe('DNS face index updated from change batches', () => {
  it('answers every name and type exactly like a from-scratch build, after any sequence of batches', () => {
    fc.assert(
      fc.property(
        fc.array(batchArb, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 40 }),
        (batches, keptChangeSets) => {
          // A small budget of kept batches makes folded updates fall back to a snapshot now and then.
          const store = new ZoneStore(undefined, { keptChangeSets });
          const { zone } = store.createHostedZone({ name: APEX, callerReference: 'delta' });
          const live = new Map<string, RecordSet>();
          let face = updateIndex(store, EMPTY_INDEX, ignore);
          batches.forEach(({ ops, update }, i) => {
            const changes = batchFor(ops, live);
            if (changes.length) store.changeResourceRecordSets(zone.id, changes);
            // Batches not followed by an update are folded into the next one, as commits in one tick are.
            if (!update && i < batches.length - 1) return;
            face = updateIndex(store, face, ignore);
            expectSameAsScratch(face, store, zone.id);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('follows commits without reading a snapshot once it has built the zone', () => {
    const store = new ZoneStore();
    let reads = 0;
    const source: ZoneSource = {
      snapshots: () => (reads++, store.snapshots()),
      onCommit: (listener) => store.onCommit(listener),
      heads: () => store.heads(),
      changesSince: (id, version) => store.changesSince(id, version),
    };
    const { zone } = store.createHostedZone({ name: APEX, callerReference: 'reads' });
    let face = updateIndex(source, EMPTY_INDEX, ignore);
    expect(reads).toBe(1);
    const live = new Map<string, RecordSet>();
    for (let i = 0; i < 60; i++) {
      const op = (kind: Op['kind'], n: number): Op => ({
        kind,
        name: n % NAMES.length,
        type: n % 3 ? 'A' : 'TXT',
        id: n % 3,
        weight: n % 4,
        value: 1 + (n % 250),
        twoValues: n % 2 === 0,
      });
      store.changeResourceRecordSets(
        zone.id,
        batchFor([op('put', i), op('delete', i * 7), op('put', i * 5 + 1), ...(i % 10 ? [] : [op('soa', i)])], live),
      );
      if (i % 3 === 2) face = updateIndex(source, face, ignore); // two commits folded into every third update
    }
    expect(reads).toBe(1);
    expect(face.byId.get(zone.id)?.version).toBe(61);
    expectSameAsScratch(face, store, zone.id);
  });

  it('builds a zone from its snapshot when it first sees it, and drops a deleted one', () => {
    const store = new ZoneStore();
    const first = store.createHostedZone({ name: APEX, callerReference: 'one' }).zone;
    let face = updateIndex(store, EMPTY_INDEX, ignore);
    store.changeResourceRecordSets(first.id, [
      { action: 'CREATE', name: 'a.delta.test.', type: 'TXT', ttl: 60, values: ['"one"'] },
    ]);
    store.changeResourceRecordSets(first.id, [
      { action: 'DELETE', name: 'a.delta.test.', type: 'TXT', ttl: 60, values: ['"one"'] },
    ]);
    store.deleteHostedZone(first.id);
    // Re-created under the same name, with another id, between two updates.
    const second = store.createHostedZone({ name: APEX, callerReference: 'two' }).zone;
    store.changeResourceRecordSets(second.id, [
      { action: 'CREATE', name: 'b.a.delta.test.', type: 'TXT', ttl: 60, values: ['"two"'] },
    ]);
    face = updateIndex(store, face, ignore);
    expect(face.byId.has(first.id)).toBe(false);
    expect(face.byApex.get(face.byId.get(second.id)!.apexKey)?.id).toBe(second.id);
    expectSameAsScratch(face, store, second.id);
    const reply = respond(face, encodeQuery('a.delta.test.', 'TXT', { id: 1 }), true)!;
    expect(reply[3] & 0x0f).toBe(0); // a. is now an empty non-terminal of the new zone: NOERROR, no data
    expect(reply.readUInt16BE(6)).toBe(0);
  });

  it('an update from an index that is no longer the newest is built from the snapshot, and is as correct', () => {
    const store = new ZoneStore();
    const { zone } = store.createHostedZone({ name: APEX, callerReference: 'branch' });
    const live = new Map<string, RecordSet>();
    const put = (n: number): Op => ({
      kind: 'put',
      name: n,
      type: 'A',
      id: n % 3,
      weight: 1 + (n % 3),
      value: n + 1,
      twoValues: false,
    });
    store.changeResourceRecordSets(zone.id, batchFor([put(1), put(2)], live));
    const older = updateIndex(store, EMPTY_INDEX, ignore);
    store.changeResourceRecordSets(zone.id, batchFor([put(3)], live));
    const newer = updateIndex(store, older, ignore);
    store.changeResourceRecordSets(zone.id, batchFor([{ ...put(4), kind: 'delete' }, put(5)], live));
    const fromOlder = updateIndex(store, older, ignore);
    expectSameAsScratch(fromOlder, store, zone.id);
    // And the newest index still updates in place, untouched by the branch.
    expectSameAsScratch(updateIndex(store, newer, ignore), store, zone.id);
  });

  it('an update that fails is reported, and the zone is built from its snapshot instead', () => {
    const store = new ZoneStore();
    const { zone } = store.createHostedZone({ name: APEX, callerReference: 'fails' });
    let face = updateIndex(store, EMPTY_INDEX, ignore);
    store.changeResourceRecordSets(zone.id, [
      { action: 'CREATE', name: 'a.delta.test.', type: 'TXT', ttl: 60, values: ['"kept"'] },
    ]);
    // A source whose batches disagree with its snapshots: an SOA that cannot be encoded, as no store would keep.
    const broken: ZoneSource = {
      snapshots: () => store.snapshots(),
      onCommit: (listener) => store.onCommit(listener),
      heads: () => store.heads(),
      changesSince: (id, version) =>
        store.changesSince(id, version)?.map((change) => ({
          ...change,
          added: [...change.added, { name: APEX, type: 'SOA', ttl: 900, values: ['not an soa'] }],
        })),
    };
    const failed: string[] = [];
    face = updateIndex(broken, face, ignore, (zoneId) => failed.push(zoneId));
    expect(failed).toEqual([zone.id]);
    expectSameAsScratch(face, store, zone.id);
  });
});
