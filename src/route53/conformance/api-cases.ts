// Request limits, input validation and the API's own error codes: what a client can rely on before any
// record is changed, and how it learns that a change has reached the name servers.
import { GetChangeCommand, ListResourceRecordSetsCommand, type Change } from '@aws-sdk/client-route-53';
import { sleep } from '../throttle.js';
import type { ConformanceCase } from './case.js';
import { changeBatch, check, create, expectExactly, expectRejected, recordSet, upsert, uniqueName } from './expect.js';

const REJECTED = ['InvalidChangeBatch', 'InvalidInput'];
const MAX_VALUES_PER_SET = 400;
// Real Route53 typically reaches INSYNC within about a minute; local implementations at once.
const INSYNC_TIMEOUT_MS = 180_000;
const UNKNOWN_ZONE_ID = 'ZDNSPLANENOSUCHZONE01';

/** `count` A values spread over as few sets as Route53's 400-values-per-record limit allows, all under fresh names. */
function setsWithValues(count: number, zoneName: string, label: string) {
  const sets = [];
  for (let first = 0; first < count; first += MAX_VALUES_PER_SET) {
    const values = [];
    for (let i = first; i < Math.min(count, first + MAX_VALUES_PER_SET); i++)
      values.push(`10.${(i >> 8) & 255}.${i & 255}.1`);
    sets.push(recordSet(uniqueName(label, zoneName), 'A', values));
  }
  return sets;
}

export const apiCases: ConformanceCase[] = [
  {
    name: 'record-limit-1000-upsert-counts-twice',
    description: 'a batch carries at most 1,000 ResourceRecord elements, and an UPSERT counts twice',
    async run(client, zoneId, zoneName) {
      await changeBatch(client, zoneId, setsWithValues(1000, zoneName, 'limit-create').map(create));
      const tooMany = setsWithValues(1001, zoneName, 'limit-create-over');
      await expectRejected(changeBatch(client, zoneId, tooMany.map(create)), REJECTED, 'CREATEs carrying 1,001 values');
      await changeBatch(client, zoneId, setsWithValues(500, zoneName, 'limit-upsert').map(upsert));
      const upsertsOver = setsWithValues(501, zoneName, 'limit-upsert-over');
      await expectRejected(
        changeBatch(client, zoneId, upsertsOver.map(upsert)),
        REJECTED,
        'UPSERTs carrying 501 values (1,002 counted)',
      );
      await expectExactly(client, zoneId, [], upsertsOver[0].name);
    },
  },
  {
    name: 'empty-resource-records-rejected',
    description: 'a record set with an empty ResourceRecords list is rejected',
    async run(client, zoneId, zoneName) {
      const empty = recordSet(uniqueName('empty', zoneName), 'A', []);
      await expectRejected(changeBatch(client, zoneId, [create(empty)]), REJECTED, 'a CREATE with no values');
      await expectExactly(client, zoneId, [], empty.name);
    },
  },
  {
    name: 'missing-ttl-rejected',
    description: 'a non-alias record set without TTL is rejected with InvalidInput',
    async run(client, zoneId, zoneName) {
      const name = uniqueName('no-ttl', zoneName);
      const change: Change = {
        Action: 'CREATE',
        ResourceRecordSet: { Name: name, Type: 'A', ResourceRecords: [{ Value: '192.0.2.1' }] },
      };
      await expectRejected(changeBatch(client, zoneId, [change]), ['InvalidInput'], 'a CREATE without TTL');
      await expectExactly(client, zoneId, [], name);
    },
  },
  {
    name: 'change-reaches-insync',
    description: 'a change starts PENDING or INSYNC, and GetChange reports INSYNC soon after',
    async run(client, zoneId, zoneName) {
      const info = await changeBatch(client, zoneId, [
        create(recordSet(uniqueName('insync', zoneName), 'A', ['192.0.2.1'])),
      ]);
      check(info.Status === 'PENDING' || info.Status === 'INSYNC', `the change answered status ${info.Status}`);
      check(info.Id, 'the change answered without an Id');
      const deadline = Date.now() + INSYNC_TIMEOUT_MS;
      // Back off to 5 s between polls, well inside Route53's request rate.
      for (let delay = 100; ; delay = Math.min(5_000, delay * 2)) {
        const { ChangeInfo } = await client.send(new GetChangeCommand({ Id: info.Id }));
        if (ChangeInfo?.Status === 'INSYNC') return;
        check(ChangeInfo?.Status === 'PENDING', `GetChange answered status ${ChangeInfo?.Status}`);
        check(Date.now() < deadline, `the change was still PENDING after ${INSYNC_TIMEOUT_MS} ms`);
        await sleep(delay);
      }
    },
  },
  {
    name: 'unknown-change-no-such-change',
    description: 'GetChange of an unknown change id fails with NoSuchChange',
    async run(client) {
      await expectRejected(
        client.send(new GetChangeCommand({ Id: 'CDNSPLANENOSUCHCHANGE' })),
        ['NoSuchChange'],
        'GetChange of an unknown id',
      );
    },
  },
  {
    name: 'unknown-zone-no-such-hosted-zone',
    description: 'listing or changing an unknown hosted zone fails with NoSuchHostedZone',
    async run(client, _zoneId, zoneName) {
      await expectRejected(
        client.send(new ListResourceRecordSetsCommand({ HostedZoneId: UNKNOWN_ZONE_ID })),
        ['NoSuchHostedZone'],
        'ListResourceRecordSets of an unknown zone',
      );
      const change = create(recordSet(uniqueName('nozone', zoneName), 'A', ['192.0.2.1']));
      await expectRejected(
        changeBatch(client, UNKNOWN_ZONE_ID, [change]),
        ['NoSuchHostedZone'],
        'ChangeResourceRecordSets on an unknown zone',
      );
    },
  },
];
