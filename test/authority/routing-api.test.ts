// Alias targets, routing policies (failover, multivalue, latency, geolocation, geoproximity) and HealthCheckId
// through the stock SDK against a real authority: accepted with Route53's checks and error codes, journalled,
// and listed back exactly as written, also after a restart.
import {
  ChangeResourceRecordSetsCommand,
  CreateHealthCheckCommand,
  ListResourceRecordSetsCommand,
  type Change,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import fs from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';

const ZONE = 'routing.test.';
let t: TestAuthority;
let zoneId: string;

const a = (name: string, values: string[], extra: Partial<ResourceRecordSet> = {}): ResourceRecordSet => ({
  Name: name,
  Type: 'A',
  TTL: 60,
  ResourceRecords: values.map((Value) => ({ Value })),
  ...extra,
});
const alias = (
  name: string,
  target: string,
  extra: Partial<ResourceRecordSet> = {},
  zone = () => zoneId,
): ResourceRecordSet => ({
  Name: name,
  Type: 'A',
  AliasTarget: { HostedZoneId: zone(), DNSName: target, EvaluateTargetHealth: true },
  ...extra,
});
const create = (set: ResourceRecordSet): Change => ({ Action: 'CREATE', ResourceRecordSet: set });
const del = (set: ResourceRecordSet): Change => ({ Action: 'DELETE', ResourceRecordSet: set });
const change = (...changes: Change[]) =>
  t.client.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }));

async function listed(client = t.client): Promise<ResourceRecordSet[]> {
  const out = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
  return (out.ResourceRecordSets ?? []).filter(
    (set) => !(set.Name === ZONE && (set.Type === 'SOA' || set.Type === 'NS')),
  );
}

async function rejection(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  throw new Error('expected the request to be rejected');
}

let HC = '';
beforeAll(async () => {
  t = await startTestAuthority();
  const check = await t.client.send(
    new CreateHealthCheckCommand({
      CallerReference: 'routing-api',
      HealthCheckConfig: { Type: 'TCP', IPAddress: '127.0.0.1', Port: 9, RequestInterval: 30, FailureThreshold: 3 },
    }),
  );
  HC = check.HealthCheck!.Id!;
});
afterAll(async () => {
  await t?.close();
  // The first authority's data dir, reopened after the restart below, is not removed by close().
  await fs.rm(t.dataDir, { recursive: true, force: true });
});
beforeEach(async () => {
  zoneId = await t.createZone(ZONE);
});

describe('routing policies and aliases: stored and listed back as Route53 lists them', () => {
  const sets = (): ResourceRecordSet[] => [
    a('target.routing.test.', ['192.0.2.1']),
    alias('routing.test.', 'target.routing.test.'),
    a('fo.routing.test.', ['192.0.2.10'], { SetIdentifier: 'main', Failover: 'PRIMARY', HealthCheckId: HC }),
    a('fo.routing.test.', ['192.0.2.11'], { SetIdentifier: 'backup', Failover: 'SECONDARY' }),
    a('geo.routing.test.', ['192.0.2.20'], { SetIdentifier: 'de', GeoLocation: { CountryCode: 'DE' } }),
    a('geo.routing.test.', ['192.0.2.21'], { SetIdentifier: 'eu', GeoLocation: { ContinentCode: 'EU' } }),
    a('geo.routing.test.', ['192.0.2.22'], { SetIdentifier: 'default', GeoLocation: { CountryCode: '*' } }),
    a('geo.routing.test.', ['192.0.2.23'], {
      SetIdentifier: 'ca',
      GeoLocation: { CountryCode: 'US', SubdivisionCode: 'CA' },
    }),
    a('lat.routing.test.', ['192.0.2.30'], { SetIdentifier: 'east', Region: 'us-east-1' }),
    a('mv.routing.test.', ['192.0.2.40'], { SetIdentifier: 'one', MultiValueAnswer: true, HealthCheckId: HC }),
    a('prox.routing.test.', ['192.0.2.50'], {
      SetIdentifier: 'p1',
      GeoProximityLocation: { Coordinates: { Latitude: '49.22', Longitude: '-74.01' }, Bias: 10 },
    }),
    a('prox.routing.test.', ['192.0.2.51'], { SetIdentifier: 'p2', GeoProximityLocation: { AWSRegion: 'eu-west-1' } }),
    alias('lb.routing.test.', 'dualstack.my-lb-123.us-east-1.elb.amazonaws.com.', {}, () => 'Z35SXDOTRQ7X7K'),
    alias('w.routing.test.', 'target.routing.test.', { SetIdentifier: 'blue', Weight: 5 }),
  ];

  it('keeps every field, in Route53 order, through the journal and a restart', async () => {
    await change(...sets().map(create));
    const byKey = (list: ResourceRecordSet[]) =>
      new Map(list.map((set) => [`${set.Name} ${set.Type} ${set.SetIdentifier ?? ''}`, set]));
    const got = byKey(await listed());
    for (const [key, set] of byKey(sets())) expect(got.get(key), key).toEqual(set);
    expect(got.size).toBe(sets().length);
    // An alias set lists no TTL and no ResourceRecords.
    expect(got.get('routing.test. A ')).not.toHaveProperty('TTL');

    const dataDir = t.dataDir;
    await t.authority.close();
    const again = await startTestAuthority({ dataDir });
    try {
      expect(byKey(await listed(again.client))).toEqual(got);
    } finally {
      await again.close();
      t = await startTestAuthority({ dataDir });
    }
  });

  it('DELETE must name the same routing fields, health check and alias target', async () => {
    await change(...sets().slice(0, 4).map(create));
    const stale = await rejection(
      change(del(a('fo.routing.test.', ['192.0.2.10'], { SetIdentifier: 'main', Failover: 'PRIMARY' }))),
    );
    expect(stale).toEqual({
      name: 'InvalidChangeBatch',
      message: expect.stringContaining('the values provided do not match the current values'),
    });
    const staleAlias = await rejection(
      change(
        del({
          ...alias('routing.test.', 'target.routing.test.'),
          AliasTarget: { HostedZoneId: zoneId, DNSName: 'target.routing.test.', EvaluateTargetHealth: false },
        }),
      ),
    );
    expect(staleAlias.name).toBe('InvalidChangeBatch');
    await change(del(sets()[2]), del(sets()[1]));
    expect((await listed()).map((set) => set.Name)).toEqual(['fo.routing.test.', 'target.routing.test.']);
  });
});

describe('routing policies and aliases: Route53 refusals', () => {
  const cases: Array<[string, () => Change[], string, string]> = [
    [
      'an alias with a TTL',
      () => [create({ ...alias('x.routing.test.', 'routing.test.'), TTL: 60 })],
      'InvalidInput',
      'Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one',
    ],
    [
      'a SetIdentifier without a policy',
      () => [create(a('x.routing.test.', ['192.0.2.1'], { SetIdentifier: 'x' }))],
      'InvalidInput',
      'but found none',
    ],
    [
      'a policy without a SetIdentifier',
      () => [create(a('x.routing.test.', ['192.0.2.1'], { Failover: 'PRIMARY' }))],
      'InvalidInput',
      "Missing field 'SetIdentifier'",
    ],
    [
      'two policies',
      () => [create(a('x.routing.test.', ['192.0.2.1'], { SetIdentifier: 'x', Weight: 1, Failover: 'PRIMARY' }))],
      'InvalidInput',
      'but found more than one',
    ],
    [
      'an unknown failover role',
      () => [create(a('x.routing.test.', ['192.0.2.1'], { SetIdentifier: 'x', Failover: 'TERTIARY' as 'PRIMARY' }))],
      'InvalidInput',
      'Member must satisfy enum value set: [PRIMARY, SECONDARY]',
    ],
    [
      'an unknown region',
      () => [
        create(a('x.routing.test.', ['192.0.2.1'], { SetIdentifier: 'x', Region: 'mars-north-1' as 'us-east-1' })),
      ],
      'InvalidInput',
      "Value 'mars-north-1'",
    ],
    [
      'a continent with a country',
      () => [
        create(
          a('x.routing.test.', ['192.0.2.1'], {
            SetIdentifier: 'x',
            GeoLocation: { ContinentCode: 'EU', CountryCode: 'DE' },
          }),
        ),
      ],
      'InvalidInput',
      'cannot have a ContinentCode together with a CountryCode',
    ],
    [
      'an alias to a name that does not exist',
      () => [create(alias('x.routing.test.', 'nothing.routing.test.'))],
      'InvalidChangeBatch',
      'but that target was not found',
    ],
    [
      'an alias to a name outside the target zone',
      () => [create(alias('x.routing.test.', 'www.example.org.'))],
      'InvalidChangeBatch',
      'the alias target name does not lie within the target zone',
    ],
    [
      'an alias of another type than its target',
      () => [
        create(a('t.routing.test.', ['192.0.2.1'])),
        create({ ...alias('x.routing.test.', 't.routing.test.'), Type: 'AAAA' }),
      ],
      'InvalidChangeBatch',
      'type AAAA in zone',
    ],
    [
      'an alias without EvaluateTargetHealth',
      () => [
        create({
          Name: 'x.routing.test.',
          Type: 'A',
          AliasTarget: { HostedZoneId: zoneId, DNSName: 'routing.test.' } as never,
        }),
      ],
      'InvalidInput',
      'EvaluateTargetHealth',
    ],
    [
      'failover beside weighted under one name and type',
      () => [
        create(a('x.routing.test.', ['192.0.2.1'], { SetIdentifier: 'p', Failover: 'PRIMARY' })),
        create(a('x.routing.test.', ['192.0.2.2'], { SetIdentifier: 'w', Weight: 1 })),
      ],
      'InvalidChangeBatch',
      'cannot mix routing policies',
    ],
    [
      'CIDR routing, which the authority does not implement',
      () => [
        create(
          a('x.routing.test.', ['192.0.2.1'], {
            SetIdentifier: 'x',
            CidrRoutingConfig: { CollectionId: 'c', LocationName: '*' },
          }),
        ),
      ],
      'InvalidInput',
      'CidrRoutingConfig is not supported',
    ],
    [
      'two PRIMARY sets',
      () => [
        create(a('x.routing.test.', ['192.0.2.1'], { SetIdentifier: 'p', Failover: 'PRIMARY' })),
        create(a('x.routing.test.', ['192.0.2.2'], { SetIdentifier: 'q', Failover: 'PRIMARY' })),
      ],
      'InvalidChangeBatch',
      'more than one PRIMARY',
    ],
  ];
  for (const [what, changes, code, message] of cases) {
    it(`refuses ${what}`, async () => {
      expect(await rejection(change(...changes()))).toEqual({ name: code, message: expect.stringContaining(message) });
      expect(await listed()).toEqual([]); // nothing of the batch was applied
    });
  }

  it('keeps each failover set its own TTL (only weighted groups share one)', async () => {
    await change(
      create(a('t.routing.test.', ['192.0.2.1'], { SetIdentifier: 'p', Failover: 'PRIMARY', TTL: 30 })),
      create(a('t.routing.test.', ['192.0.2.2'], { SetIdentifier: 's', Failover: 'SECONDARY', TTL: 300 })),
    );
    expect((await listed()).map((set) => `${set.SetIdentifier}=${set.TTL}`)).toEqual(['p=30', 's=300']);
  });

  it('refuses a HealthCheckId the authority does not have with NoSuchHealthCheck', async () => {
    const unknown = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    expect(
      await rejection(
        change(
          create(
            a('x.routing.test.', ['192.0.2.1'], { SetIdentifier: 'p', Failover: 'PRIMARY', HealthCheckId: unknown }),
          ),
        ),
      ),
    ).toEqual({
      name: 'NoSuchHealthCheck',
      message: expect.stringContaining(unknown),
    });
    expect(await listed()).toEqual([]);
  });

  it('accepts an alias created in the same batch as its target, and one into another zone the authority holds', async () => {
    await change(create(alias('x.routing.test.', 't.routing.test.')), create(a('t.routing.test.', ['192.0.2.1'])));
    const other = await t.createZone('other.test.');
    await t.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: other,
        ChangeBatch: { Changes: [create(a('www.other.test.', ['192.0.2.9']))] },
      }),
    );
    await change(create(alias('y.routing.test.', 'www.other.test.', {}, () => other)));
    const missing = await rejection(change(create(alias('z.routing.test.', 'nope.other.test.', {}, () => other))));
    expect(missing).toEqual({
      name: 'InvalidChangeBatch',
      message: expect.stringContaining(`in zone ${other}, but that target was not found`),
    });
  });
});
