// ListResourceRecordSets order and paging, GetChange, and the hosted-zone listings, through the SDK over HTTP.
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  GetChangeCommand,
  ListHostedZonesByNameCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  type Change,
  type ListResourceRecordSetsCommandInput,
} from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/authority/api/server.js';
import { ZoneStore } from '../../src/authority/store/zone-store.js';
import { createRoute53Client } from '../../src/route53/client.js';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';

let t: TestAuthority;
beforeAll(async () => {
  t = await startTestAuthority();
});
afterAll(async () => t?.close());

async function fill(zoneId: string, names: string[], weightedName?: string, groupSize = 0): Promise<void> {
  const changes: Change[] = names.map((name) => ({
    Action: 'CREATE',
    ResourceRecordSet: { Name: name, Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] },
  }));
  for (let i = 0; i < groupSize; i++) {
    changes.push({
      Action: 'CREATE',
      ResourceRecordSet: {
        Name: weightedName!,
        Type: 'A',
        TTL: 60,
        SetIdentifier: `lb-${i}`,
        Weight: i,
        ResourceRecords: [{ Value: `192.0.2.${i + 1}` }],
      },
    });
  }
  await t.client.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }));
}

/** Pages through the zone with the given MaxItems, following NextRecord*; returns "name type id" per set. */
async function pageAll(zoneId: string, maxItems: number): Promise<{ sets: string[]; pages: number }> {
  const sets: string[] = [];
  let input: ListResourceRecordSetsCommandInput = { HostedZoneId: zoneId, MaxItems: maxItems };
  for (let pages = 1; pages < 10_000; pages++) {
    const out = await t.client.send(new ListResourceRecordSetsCommand(input));
    for (const set of out.ResourceRecordSets ?? [])
      sets.push(`${set.Name} ${set.Type}${set.SetIdentifier ? ` ${set.SetIdentifier}` : ''}`);
    if (!out.IsTruncated) return { sets, pages };
    input = {
      HostedZoneId: zoneId,
      MaxItems: maxItems,
      StartRecordName: out.NextRecordName,
      StartRecordType: out.NextRecordType,
      StartRecordIdentifier: out.NextRecordIdentifier,
    };
  }
  throw new Error('paging never ended');
}

describe('ListResourceRecordSets', () => {
  it("lists in Route53's order: labels reversed, then type, then SetIdentifier", async () => {
    const zoneId = await t.createZone('order.test.');
    await fill(
      zoneId,
      ['b.order.test', 'a.b.order.test', 'z.order.test', 'a.order.test', 'a-b.order.test'],
      'm.order.test',
      3,
    );
    const { sets } = await pageAll(zoneId, 300);
    expect(sets).toEqual([
      'order.test. NS',
      'order.test. SOA',
      'a.order.test. A',
      'a-b.order.test. A',
      'b.order.test. A',
      'a.b.order.test. A',
      'm.order.test. A lb-0',
      'm.order.test. A lb-1',
      'm.order.test. A lb-2',
      'z.order.test. A',
    ]);
  });

  it('pages through a weighted group with MaxItems=1, visiting each set exactly once', async () => {
    const zoneId = await t.createZone('paging.test.');
    await fill(zoneId, ['a.paging.test', 'z.paging.test'], 'w.paging.test', 7);
    const whole = await pageAll(zoneId, 300);
    const byOne = await pageAll(zoneId, 1);
    expect(whole.sets).toHaveLength(2 + 2 + 7);
    expect(byOne.sets).toEqual(whole.sets);
    expect(byOne.pages).toBe(whole.sets.length);
    const byThree = await pageAll(zoneId, 3);
    expect(byThree.sets).toEqual(whole.sets);
  });

  it('defaults MaxItems to 100 (as Route53 answers), caps it at 300 and starts at StartRecordName/Type', async () => {
    const zoneId = await t.createZone('many.test.');
    await fill(
      zoneId,
      Array.from({ length: 350 }, (_, i) => `h${String(i).padStart(3, '0')}.many.test`),
    );
    const first = await t.client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    expect(first.ResourceRecordSets).toHaveLength(100);
    expect(first.MaxItems).toBe(100);
    expect(first.IsTruncated).toBe(true);
    const capped = await t.client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, MaxItems: 1000 }));
    expect(capped.ResourceRecordSets).toHaveLength(300);
    expect(capped.MaxItems).toBe(300);
    const from = await t.client.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        StartRecordName: 'h349.many.test',
        StartRecordType: 'A',
      }),
    );
    expect(from.ResourceRecordSets?.map((set) => set.Name)).toEqual(['h349.many.test.']);
    expect(from.IsTruncated).toBe(false);
  });

  it('answers InvalidInput for StartRecordType without StartRecordName and NoSuchHostedZone for an unknown zone', async () => {
    const zoneId = await t.createZone('bad.test.');
    await expect(
      t.client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordType: 'A' })),
    ).rejects.toMatchObject({ name: 'InvalidInput' });
    await expect(
      t.client.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'ZNOSUCHZONE' })),
    ).rejects.toMatchObject({ name: 'NoSuchHostedZone' });
  });
});

describe('GetChange', () => {
  it('reports INSYNC once the DNS face serves the change, and NoSuchChange for an unknown id', async () => {
    const zoneId = await t.createZone('change.test.');
    const out = await t.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            {
              Action: 'CREATE',
              ResourceRecordSet: {
                Name: 'a.change.test',
                Type: 'A',
                TTL: 60,
                ResourceRecords: [{ Value: '192.0.2.1' }],
              },
            },
          ],
        },
      }),
    );
    let status = out.ChangeInfo?.Status;
    for (let i = 0; i < 100 && status !== 'INSYNC'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = (await t.client.send(new GetChangeCommand({ Id: out.ChangeInfo!.Id! }))).ChangeInfo?.Status;
    }
    expect(status).toBe('INSYNC');
    await expect(t.client.send(new GetChangeCommand({ Id: 'CNOSUCHCHANGE' }))).rejects.toMatchObject({
      name: 'NoSuchChange',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it("returns the batch's Comment, as ChangeResourceRecordSets did", async () => {
    const zoneId = await t.createZone('comment.test.');
    const out = await t.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Comment: 'fence 7',
          Changes: [
            {
              Action: 'CREATE',
              ResourceRecordSet: {
                Name: 'a.comment.test',
                Type: 'A',
                TTL: 60,
                ResourceRecords: [{ Value: '192.0.2.1' }],
              },
            },
          ],
        },
      }),
    );
    expect(out.ChangeInfo?.Comment).toBe('fence 7');
    expect((await t.client.send(new GetChangeCommand({ Id: out.ChangeInfo!.Id! }))).ChangeInfo?.Comment).toBe(
      'fence 7',
    );
  });

  it('reports PENDING while the DNS face serves an older version (API over a store whose face lags)', async () => {
    let served = 0;
    const store = new ZoneStore();
    const api: ApiServer = await startApiServer({
      host: '127.0.0.1',
      port: 0,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      region: 'us-east-1',
      store,
      servedVersion: () => served,
    });
    const client = createRoute53Client({
      endpoint: `http://127.0.0.1:${api.port}`,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    try {
      const zone = await client.send(new CreateHostedZoneCommand({ Name: 'lag.test', CallerReference: 'lag' }));
      expect(zone.ChangeInfo?.Status).toBe('PENDING');
      const changed = await client.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zone.HostedZone!.Id!,
          ChangeBatch: {
            Changes: [
              {
                Action: 'UPSERT',
                ResourceRecordSet: {
                  Name: 'a.lag.test',
                  Type: 'A',
                  TTL: 60,
                  ResourceRecords: [{ Value: '192.0.2.1' }],
                },
              },
            ],
          },
        }),
      );
      served = 1;
      expect((await client.send(new GetChangeCommand({ Id: changed.ChangeInfo!.Id! }))).ChangeInfo?.Status).toBe(
        'PENDING',
      );
      expect((await client.send(new GetChangeCommand({ Id: zone.ChangeInfo!.Id! }))).ChangeInfo?.Status).toBe('INSYNC');
      served = 2;
      expect((await client.send(new GetChangeCommand({ Id: changed.ChangeInfo!.Id! }))).ChangeInfo?.Status).toBe(
        'INSYNC',
      );
    } finally {
      client.destroy();
      await api.close();
    }
  });
});

describe('hosted zone listings', () => {
  it('lists zones with paging, and by name in reversed-label order', async () => {
    const ids: string[] = [];
    for (const name of ['zz.list.test.', 'aa.list.test.', 'mm.list.test.']) ids.push(await t.createZone(name));
    const all: string[] = [];
    let marker: string | undefined;
    do {
      const page = await t.client.send(
        new ListHostedZonesCommand({ MaxItems: 2, ...(marker ? { Marker: marker } : {}) }),
      );
      all.push(...(page.HostedZones ?? []).map((zone) => zone.Id!.replace('/hostedzone/', '')));
      marker = page.IsTruncated ? page.NextMarker : undefined;
    } while (marker);
    expect(all).toEqual(expect.arrayContaining(ids));
    expect(new Set(all).size).toBe(all.length);
    const byName = await t.client.send(new ListHostedZonesByNameCommand({ DNSName: 'aa.list.test' }));
    expect(byName.HostedZones?.slice(0, 3).map((zone) => zone.Name)).toEqual([
      'aa.list.test.',
      'mm.list.test.',
      'zz.list.test.',
    ]);
  });

  it('refuses a second zone with the same CallerReference', async () => {
    await t.client.send(new CreateHostedZoneCommand({ Name: 'dup.test', CallerReference: 'same-ref' }));
    await expect(
      t.client.send(new CreateHostedZoneCommand({ Name: 'dup2.test', CallerReference: 'same-ref' })),
    ).rejects.toMatchObject({ name: 'HostedZoneAlreadyExists' });
  });
});
