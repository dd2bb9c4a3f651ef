// Weighted routing: the group rules Route53 enforces, and the two places where a weaker implementation hurts
// an enactor most (a DELETE that reaches other names, and paging that never ends).
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
  uniqueName,
  weighted,
} from './expect.js';

/** Route53 reports schema violations as InvalidInput and semantic ones as InvalidChangeBatch. */
const REJECTED = ['InvalidChangeBatch', 'InvalidInput'];
const MAX_WEIGHTED_SETS = 100;

export const weightedCases: ConformanceCase[] = [
  {
    name: 'weighted-simple-mix-rejected',
    description: 'a weighted set cannot join a name and type that already has a simple set',
    async run(client, zoneId, zoneName) {
      const simple = recordSet(uniqueName('mix', zoneName), 'A', ['192.0.2.1']);
      await changeBatch(client, zoneId, [create(simple)]);
      await expectRejected(
        changeBatch(client, zoneId, [create(weighted(simple.name, 'blue', 1, ['192.0.2.2']))]),
        REJECTED,
        'a weighted CREATE beside a simple set',
      );
      await expectExactly(client, zoneId, [simple]);
    },
  },
  {
    name: 'weight-over-255-rejected',
    description: 'Weight must be an integer from 0 to 255',
    async run(client, zoneId, zoneName) {
      const tooHeavy = weighted(uniqueName('weight', zoneName), 'blue', 256, ['192.0.2.1']);
      await expectRejected(changeBatch(client, zoneId, [create(tooHeavy)]), REJECTED, 'a weighted set with Weight 256');
      await expectExactly(client, zoneId, [], tooHeavy.name);
    },
  },
  {
    name: 'weighted-group-max-100-sets',
    description: `a name and type holds at most ${MAX_WEIGHTED_SETS} weighted sets: ${MAX_WEIGHTED_SETS} are accepted, one more is rejected`,
    async run(client, zoneId, zoneName) {
      const name = uniqueName('hundred', zoneName);
      const group = Array.from({ length: MAX_WEIGHTED_SETS }, (_, i) =>
        weighted(name, `lb-${i}`, 1, [`198.51.100.${i + 1}`]),
      );
      await changeBatch(client, zoneId, group.map(create));
      const extra = weighted(name, `lb-${MAX_WEIGHTED_SETS}`, 1, ['203.0.113.1']);
      await expectRejected(
        changeBatch(client, zoneId, [create(extra)]),
        REJECTED,
        `weighted set number ${MAX_WEIGHTED_SETS + 1}`,
      );
      const stored = await listByName(client, zoneId, name);
      check(
        stored.length === MAX_WEIGHTED_SETS,
        `${name} holds ${stored.length} weighted sets; expected ${MAX_WEIGHTED_SETS}`,
      );
    },
  },
  {
    name: 'weighted-delete-scoped-to-name',
    description: 'DELETE of a weighted set leaves the set with the same SetIdentifier under another name alone',
    async run(client, zoneId, zoneName) {
      const mine = weighted(uniqueName('scoped-a', zoneName), 'blue', 10, ['192.0.2.1']);
      const theirs = weighted(uniqueName('scoped-b', zoneName), 'blue', 10, ['192.0.2.2']);
      await changeBatch(client, zoneId, [create(mine), create(theirs)]);
      await changeBatch(client, zoneId, [remove(mine)]);
      await expectExactly(client, zoneId, [], mine.name);
      await expectExactly(client, zoneId, [theirs]);
    },
  },
  {
    name: 'weighted-paging-terminates',
    description: 'paging a weighted group with MaxItems=1 visits each set exactly once and ends',
    async run(client, zoneId, zoneName) {
      const name = uniqueName('paging', zoneName);
      const group = ['a', 'b', 'c', 'd', 'e'].map((id, i) => weighted(name, id, i + 1, [`192.0.2.${i + 1}`]));
      await changeBatch(client, zoneId, group.map(create));
      // Paging throws when a cursor repeats, so a non-advancing implementation fails here instead of hanging.
      const visited = await listByName(client, zoneId, name, 1);
      const identifiers = visited.map((set) => set.setIdentifier ?? '(none)');
      check(
        identifiers.length === group.length && new Set(identifiers).size === group.length,
        `paging visited [${identifiers.join(', ')}]; expected each of a..e exactly once`,
      );
    },
  },
  {
    name: 'weighted-ttl-last-wins',
    description: 'a weighted group keeps one TTL: the one given last applies to every set in the group',
    async run(client, zoneId, zoneName) {
      const name = uniqueName('ttl', zoneName);
      await changeBatch(client, zoneId, [create(weighted(name, 'blue', 1, ['192.0.2.1'], 60))]);
      await changeBatch(client, zoneId, [create(weighted(name, 'green', 1, ['192.0.2.2'], 300))]);
      const ttls = (await listByName(client, zoneId, name)).map((set) => `${set.setIdentifier}=${set.ttl}`);
      check(
        ttls.sort().join(',') === 'blue=300,green=300',
        `the group's TTLs are ${ttls.join(', ')}; expected both 300`,
      );
    },
  },
];
