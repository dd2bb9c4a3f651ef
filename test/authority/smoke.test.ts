import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
} from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';

describe('authority round trip through the SDK', () => {
  let t: TestAuthority;
  beforeAll(async () => {
    t = await startTestAuthority();
  });
  afterAll(async () => t?.close());

  it('creates a zone with SOA and NS, takes a batch, lists it in order and reports the change INSYNC', async () => {
    const zoneId = await t.createZone('example.test.');
    const changed = await t.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            {
              Action: 'CREATE',
              ResourceRecordSet: {
                Name: 'www.example.test',
                Type: 'A',
                TTL: 60,
                ResourceRecords: [{ Value: '192.0.2.1' }],
              },
            },
            {
              Action: 'CREATE',
              ResourceRecordSet: {
                Name: 'api.example.test',
                Type: 'A',
                TTL: 30,
                SetIdentifier: 'blue',
                Weight: 3,
                ResourceRecords: [{ Value: '192.0.2.2' }],
              },
            },
          ],
        },
      }),
    );
    expect(changed.ChangeInfo?.Id).toMatch(/^\/change\/C/);
    const listed = await t.client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    expect(listed.ResourceRecordSets?.map((set) => `${set.Name} ${set.Type}`)).toEqual([
      'example.test. NS',
      'example.test. SOA',
      'api.example.test. A',
      'www.example.test. A',
    ]);
    const change = await t.client.send(new GetChangeCommand({ Id: changed.ChangeInfo!.Id! }));
    expect(['PENDING', 'INSYNC']).toContain(change.ChangeInfo?.Status);
  });
});
