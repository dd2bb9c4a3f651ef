// Change-batch semantics: atomicity and exact-match DELETE, the two properties that make compare-and-swap
// fencing possible. Each case builds its own records under a fresh name and checks what was left behind.
import type { ConformanceCase } from './case.js';
import {
  changeBatch,
  check,
  create,
  expectExactly,
  expectRejected,
  listByName,
  recordSet,
  remove,
  upsert,
  uniqueName,
} from './expect.js';

const INVALID_CHANGE_BATCH = ['InvalidChangeBatch'];

export const batchCases: ConformanceCase[] = [
  {
    name: 'upsert-replaces-whole-set',
    description: 'UPSERT creates a set, and a second UPSERT replaces its TTL and every value',
    async run(client, zoneId, zoneName) {
      const name = uniqueName('upsert', zoneName);
      await changeBatch(client, zoneId, [upsert(recordSet(name, 'A', ['192.0.2.1', '192.0.2.2']))]);
      const replacement = recordSet(name, 'A', ['192.0.2.3'], { ttl: 120 });
      await changeBatch(client, zoneId, [upsert(replacement)]);
      await expectExactly(client, zoneId, [replacement]);
    },
  },
  {
    name: 'exact-delete-removes-set',
    description: 'DELETE naming the current TTL and values removes the set',
    async run(client, zoneId, zoneName) {
      const set = recordSet(uniqueName('delete', zoneName), 'A', ['192.0.2.1', '192.0.2.2']);
      await changeBatch(client, zoneId, [create(set)]);
      await changeBatch(client, zoneId, [remove(set)]);
      await expectExactly(client, zoneId, [], set.name);
    },
  },
  {
    name: 'batch-is-atomic',
    description: 'a batch whose last change fails applies none of its earlier changes',
    async run(client, zoneId, zoneName) {
      // The last change names a record outside the zone: an implementation that checks that while applying
      // changes one by one, rather than validating the batch first, has already applied the first change.
      const fresh = recordSet(uniqueName('atomic', zoneName), 'A', ['192.0.2.1']);
      const outside = recordSet(uniqueName('atomic', 'not-this-zone.example.'), 'A', ['192.0.2.2']);
      await expectRejected(
        changeBatch(client, zoneId, [create(fresh), create(outside)]),
        INVALID_CHANGE_BATCH,
        'a batch ending in a change outside the zone',
      );
      const left = await listByName(client, zoneId, fresh.name);
      check(left.length === 0, `the rejected batch's earlier CREATE of ${fresh.name} was applied anyway`);
    },
  },
  {
    name: 'stale-delete-rejected',
    description: 'DELETE with values that no longer match is rejected with InvalidChangeBatch and changes nothing',
    async run(client, zoneId, zoneName) {
      const current = recordSet(uniqueName('stale', zoneName), 'A', ['192.0.2.1']);
      await changeBatch(client, zoneId, [create(current)]);
      const stale = { ...current, values: ['192.0.2.2'] };
      await expectRejected(
        changeBatch(client, zoneId, [remove(stale)]),
        INVALID_CHANGE_BATCH,
        'a DELETE with stale values',
      );
      await expectExactly(client, zoneId, [current]);
    },
  },
  {
    name: 'stale-ttl-delete-rejected',
    description: 'DELETE with the right values but a stale TTL is rejected too',
    async run(client, zoneId, zoneName) {
      const current = recordSet(uniqueName('stale-ttl', zoneName), 'A', ['192.0.2.1'], { ttl: 300 });
      await changeBatch(client, zoneId, [create(current)]);
      await expectRejected(
        changeBatch(client, zoneId, [remove({ ...current, ttl: 60 })]),
        INVALID_CHANGE_BATCH,
        'a DELETE with a stale TTL',
      );
      await expectExactly(client, zoneId, [current]);
    },
  },
  {
    name: 'delete-missing-rejected',
    description: 'DELETE of a set that does not exist is rejected with InvalidChangeBatch',
    async run(client, zoneId, zoneName) {
      const missing = recordSet(uniqueName('missing', zoneName), 'A', ['192.0.2.1']);
      await expectRejected(
        changeBatch(client, zoneId, [remove(missing)]),
        INVALID_CHANGE_BATCH,
        'a DELETE of a missing set',
      );
    },
  },
  {
    name: 'create-existing-rejected',
    description: 'CREATE over an existing set with other values is rejected and does not duplicate it',
    async run(client, zoneId, zoneName) {
      const current = recordSet(uniqueName('exists', zoneName), 'A', ['192.0.2.1']);
      await changeBatch(client, zoneId, [create(current)]);
      await expectRejected(
        changeBatch(client, zoneId, [create({ ...current, values: ['192.0.2.2'] })]),
        INVALID_CHANGE_BATCH,
        'a CREATE over an existing set',
      );
      await expectExactly(client, zoneId, [current]);
    },
  },
  {
    name: 'create-identical-rejected',
    description: 'CREATE of a set identical to an existing one is rejected',
    async run(client, zoneId, zoneName) {
      const current = recordSet(uniqueName('identical', zoneName), 'A', ['192.0.2.1']);
      await changeBatch(client, zoneId, [create(current)]);
      await expectRejected(
        changeBatch(client, zoneId, [create(current)]),
        INVALID_CHANGE_BATCH,
        'a CREATE of an identical existing set',
      );
      await expectExactly(client, zoneId, [current]);
    },
  },
  {
    name: 'same-set-twice-rejected',
    description: 'one batch that changes the same set twice is rejected',
    async run(client, zoneId, zoneName) {
      const name = uniqueName('twice', zoneName);
      const first = recordSet(name, 'A', ['192.0.2.1']);
      const second = recordSet(name, 'A', ['192.0.2.2']);
      await expectRejected(
        changeBatch(client, zoneId, [upsert(first), upsert(second)]),
        INVALID_CHANGE_BATCH,
        'a batch with the same set twice',
      );
      await expectExactly(client, zoneId, [], name);
    },
  },
  {
    name: 'name-outside-zone-rejected',
    description: 'a change to a name outside the hosted zone is rejected',
    async run(client, zoneId) {
      const outside = recordSet(uniqueName('outside', 'not-this-zone.example.'), 'A', ['192.0.2.1']);
      await expectRejected(
        changeBatch(client, zoneId, [create(outside)]),
        INVALID_CHANGE_BATCH,
        'a CREATE outside the zone',
      );
    },
  },
  {
    name: 'stale-fenced-batch-rejected',
    description: 'compare-and-swap: a delayed writer whose fence DELETE is stale cannot overwrite a newer plan',
    async run(client, zoneId, zoneName) {
      // The October 2025 race: two enactors both read fence gen=0. The newer plan (gen 2) lands first; the
      // delayed one (gen 1) must then fail as a whole, or it overwrites the newer records.
      const name = uniqueName('fenced', zoneName);
      const fence = (generation: number) => recordSet(`_fence.${name}`, 'TXT', [`"gen=${generation}"`]);
      const endpoint = (value: string) => recordSet(name, 'A', [value]);
      await changeBatch(client, zoneId, [create(fence(0)), create(endpoint('192.0.2.10'))]);
      await changeBatch(client, zoneId, [remove(fence(0)), create(fence(2)), upsert(endpoint('192.0.2.12'))]);
      await expectRejected(
        changeBatch(client, zoneId, [remove(fence(0)), create(fence(1)), upsert(endpoint('192.0.2.11'))]),
        INVALID_CHANGE_BATCH,
        "the delayed writer's batch (DELETE fence gen=0, CREATE gen=1) after gen=2 landed",
      );
      await expectExactly(client, zoneId, [endpoint('192.0.2.12')]);
      await expectExactly(client, zoneId, [fence(2)]);
    },
  },
];
