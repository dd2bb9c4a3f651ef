// Alias records and failover routing: the validation Route53 applies to them, and how it lists them back.
// (An alias with a TTL is refused by Route53 too, tested against the authority in test/authority; it is not a
// case here because moto accepts it and then cannot delete it, HTTP 500, which would strand the scratch zone.)
import { ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import type { ConformanceCase } from './case.js';
import { changeBatch, check, create, expectExactly, expectRejected, recordSet, uniqueName } from './expect.js';
import type { RecordSet } from '../recordset.js';

const REJECTED = ['InvalidChangeBatch', 'InvalidInput'];

function alias(name: string, zoneId: string, target: string, extra: Partial<RecordSet> = {}): RecordSet {
  return {
    name,
    type: 'A',
    ttl: 0,
    values: [],
    aliasTarget: { hostedZoneId: zoneId, dnsName: target, evaluateTargetHealth: false },
    ...extra,
  };
}

function failover(name: string, setIdentifier: string, role: 'PRIMARY' | 'SECONDARY', value: string): RecordSet {
  return recordSet(name, 'A', [value], { setIdentifier, failover: role });
}

export const routingCases: ConformanceCase[] = [
  {
    name: 'alias-listed-without-ttl',
    description:
      'an alias to a record in the same zone is accepted and listed with its AliasTarget and no TTL or ResourceRecords',
    async run(client, zoneId, zoneName) {
      const target = recordSet(uniqueName('alias-target', zoneName), 'A', ['192.0.2.1']);
      const name = uniqueName('alias', zoneName);
      await changeBatch(client, zoneId, [create(target), create(alias(name, zoneId, target.name))]);
      const page = await client.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          StartRecordName: name,
          StartRecordType: 'A',
          MaxItems: 1,
        }),
      );
      const listed = page.ResourceRecordSets?.[0];
      check(listed?.Name === name, `listing from ${name} returned ${listed?.Name ?? 'nothing'}`);
      check(
        listed.AliasTarget?.DNSName?.toLowerCase() === target.name && listed.AliasTarget.EvaluateTargetHealth === false,
        `${name} is listed with AliasTarget ${JSON.stringify(listed.AliasTarget)}`,
      );
      check(
        listed.TTL === undefined && !listed.ResourceRecords?.length,
        `${name} is listed with TTL ${listed.TTL} and ${listed.ResourceRecords?.length ?? 0} ResourceRecords`,
      );
    },
  },
  {
    name: 'alias-target-missing-rejected',
    description:
      'an alias to a name the same zone does not hold is rejected (InvalidChangeBatch: that target was not found)',
    async run(client, zoneId, zoneName) {
      const bad = alias(uniqueName('alias-missing', zoneName), zoneId, uniqueName('nothing', zoneName));
      await expectRejected(
        changeBatch(client, zoneId, [create(bad)]),
        ['InvalidChangeBatch'],
        'an alias to a missing target',
      );
      await expectExactly(client, zoneId, [], bad.name);
    },
  },
  {
    name: 'failover-pair-listed',
    description: 'a PRIMARY and a SECONDARY failover set are accepted and listed with their Failover roles',
    async run(client, zoneId, zoneName) {
      const name = uniqueName('failover', zoneName);
      const pair = [failover(name, 'main', 'PRIMARY', '192.0.2.1'), failover(name, 'backup', 'SECONDARY', '192.0.2.2')];
      await changeBatch(client, zoneId, pair.map(create));
      const page = await client.send(
        new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: name, MaxItems: 2 }),
      );
      const roles = (page.ResourceRecordSets ?? [])
        .filter((set) => set.Name === name)
        .map((set) => `${set.SetIdentifier}=${set.Failover}`)
        .sort();
      check(roles.join(',') === 'backup=SECONDARY,main=PRIMARY', `${name} is listed with roles [${roles.join(', ')}]`);
    },
  },
  {
    name: 'failover-needs-set-identifier',
    description: 'a Failover set without a SetIdentifier is rejected (InvalidInput)',
    async run(client, zoneId, zoneName) {
      const bad = recordSet(uniqueName('failover-noid', zoneName), 'A', ['192.0.2.1'], { failover: 'PRIMARY' });
      await expectRejected(
        changeBatch(client, zoneId, [create(bad)]),
        ['InvalidInput'],
        'a PRIMARY set without SetIdentifier',
      );
      await expectExactly(client, zoneId, [], bad.name);
    },
  },
  {
    name: 'failover-two-primaries-rejected',
    description: 'a name and type has at most one PRIMARY failover set',
    async run(client, zoneId, zoneName) {
      const name = uniqueName('primaries', zoneName);
      await expectRejected(
        changeBatch(client, zoneId, [
          create(failover(name, 'a', 'PRIMARY', '192.0.2.1')),
          create(failover(name, 'b', 'PRIMARY', '192.0.2.2')),
        ]),
        REJECTED,
        'two PRIMARY sets',
      );
      await expectExactly(client, zoneId, [], name);
    },
  },
  {
    name: 'routing-policy-mix-rejected',
    description: 'a failover set cannot join a name and type that has a weighted set',
    async run(client, zoneId, zoneName) {
      const name = uniqueName('policy-mix', zoneName);
      const weightedSet = recordSet(name, 'A', ['192.0.2.1'], { setIdentifier: 'w', weight: 1 });
      await changeBatch(client, zoneId, [create(weightedSet)]);
      await expectRejected(
        changeBatch(client, zoneId, [create(failover(name, 'f', 'PRIMARY', '192.0.2.2'))]),
        REJECTED,
        'a PRIMARY set beside a weighted one',
      );
      await expectExactly(client, zoneId, [weightedSet]);
    },
  },
];
