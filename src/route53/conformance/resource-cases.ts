// What real clients (Terraform, external-dns, octoDNS) call besides record changes: tags, the zone comment,
// DNSSEC status, health checks, private-zone VPC checks, and details of listings recorded from Route53.
import {
  ChangeTagsForResourceCommand,
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  DeleteHealthCheckCommand,
  DeleteHostedZoneCommand,
  GetDNSSECCommand,
  GetHealthCheckCommand,
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourceCommand,
  UpdateHealthCheckCommand,
  UpdateHostedZoneCommentCommand,
} from '@aws-sdk/client-route-53';
import { randomBytes } from 'node:crypto';
import type { ConformanceCase } from './case.js';
import { changeBatch, check, create, describeError, expectRejected, recordSet, uniqueName } from './expect.js';

const tagsOf = async (client: Parameters<ConformanceCase['run']>[0], zoneId: string) =>
  (
    (await client.send(new ListTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: zoneId })))
      .ResourceTagSet?.Tags ?? []
  )
    .map((tag) => `${tag.Key}=${tag.Value}`)
    .sort()
    .join(',');

export const resourceCases: ConformanceCase[] = [
  {
    name: 'zone-tags-round-trip',
    description: "ChangeTagsForResource adds and removes a zone's tags; ListTagsForResource lists them",
    async run(client, fullZoneId) {
      // Unlike HostedZoneId, the SDK passes a ResourceId through as given: the bare id, as Route53 wants it.
      const zoneId = fullZoneId.replace('/hostedzone/', '');
      await client.send(
        new ChangeTagsForResourceCommand({
          ResourceType: 'hostedzone',
          ResourceId: zoneId,
          AddTags: [
            { Key: 'team', Value: 'dns' },
            { Key: 'env', Value: 'test' },
          ],
        }),
      );
      check(
        (await tagsOf(client, zoneId)) === 'env=test,team=dns',
        `tags after adding two: '${await tagsOf(client, zoneId)}'`,
      );
      await client.send(
        new ChangeTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: zoneId, RemoveTagKeys: ['env'] }),
      );
      check(
        (await tagsOf(client, zoneId)) === 'team=dns',
        `tags after removing env: '${await tagsOf(client, zoneId)}'`,
      );
    },
  },
  {
    name: 'zone-comment-update',
    description: 'UpdateHostedZoneComment changes the comment GetHostedZone returns',
    async run(client, zoneId) {
      await client.send(new UpdateHostedZoneCommentCommand({ Id: zoneId, Comment: 'conformance comment' }));
      const comment = (await client.send(new GetHostedZoneCommand({ Id: zoneId }))).HostedZone?.Config?.Comment;
      check(comment === 'conformance comment', `GetHostedZone returned the comment '${comment}'`);
    },
  },
  {
    name: 'dnssec-not-signing',
    description: 'GetDNSSEC of an unsigned zone answers NOT_SIGNING',
    async run(client, zoneId) {
      const status = (await client.send(new GetDNSSECCommand({ HostedZoneId: zoneId }))).Status?.ServeSignature;
      check(status === 'NOT_SIGNING', `GetDNSSEC answered ServeSignature ${status}`);
    },
  },
  {
    name: 'list-max-items-default-100',
    description: 'ListResourceRecordSets without MaxItems returns at most 100 record sets',
    async run(client, zoneId, zoneName) {
      const label = uniqueName('page', zoneName);
      const sets = Array.from({ length: 101 }, (_, i) =>
        recordSet(`n${String(i).padStart(3, '0')}.${label}`, 'A', ['192.0.2.1']),
      );
      await changeBatch(client, zoneId, sets.map(create));
      const page = await client.send(
        new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: label }),
      );
      check(
        page.ResourceRecordSets?.length === 100 && page.IsTruncated === true,
        `listed ${page.ResourceRecordSets?.length} sets (MaxItems ${page.MaxItems}) with IsTruncated=${page.IsTruncated}`,
      );
    },
  },
  {
    name: 'wildcard-listed-as-octal-escape',
    description: 'a wildcard owner is listed as \\052 and the \\052 spelling names the same set',
    async run(client, zoneId, zoneName) {
      const parent = uniqueName('wild', zoneName);
      const wildcard = recordSet(`*.${parent}`, 'A', ['192.0.2.1']);
      await changeBatch(client, zoneId, [create(wildcard)]);
      const listed = await client.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          StartRecordName: wildcard.name,
          StartRecordType: 'A',
          MaxItems: 1,
        }),
      );
      const name = listed.ResourceRecordSets?.[0]?.Name;
      check(name === `\\052.${parent}`, `the wildcard was listed as ${name}`);
      const escaped = { ...wildcard, name: `\\052.${parent}` };
      await expectRejected(
        changeBatch(client, zoneId, [create(escaped)]),
        ['InvalidChangeBatch'],
        'a CREATE of the same wildcard spelled \\052',
      );
    },
  },
  {
    name: 'health-check-lifecycle',
    description: "a health check is created with Route53's defaults, updated under HealthCheckVersion, and deleted",
    async run(client) {
      const created = await client.send(
        new CreateHealthCheckCommand({
          CallerReference: `conformance-${randomBytes(6).toString('hex')}`,
          HealthCheckConfig: { Type: 'HTTP', IPAddress: '198.51.100.7', ResourcePath: '/health' },
        }),
      );
      const id = created.HealthCheck?.Id;
      check(id, 'CreateHealthCheck answered without an Id');
      try {
        const config = (await client.send(new GetHealthCheckCommand({ HealthCheckId: id }))).HealthCheck
          ?.HealthCheckConfig;
        check(
          config?.Port === 80 && config.RequestInterval === 30 && config.FailureThreshold === 3,
          `defaults were Port ${config?.Port}, RequestInterval ${config?.RequestInterval}, FailureThreshold ${config?.FailureThreshold}; Route53's are 80, 30, 3`,
        );
        const updated = await client.send(
          new UpdateHealthCheckCommand({ HealthCheckId: id, HealthCheckVersion: 1, FailureThreshold: 5 }),
        );
        check(
          updated.HealthCheck?.HealthCheckVersion === 2,
          `the update made HealthCheckVersion ${updated.HealthCheck?.HealthCheckVersion}`,
        );
        await expectRejected(
          client.send(new UpdateHealthCheckCommand({ HealthCheckId: id, HealthCheckVersion: 1, FailureThreshold: 4 })),
          ['HealthCheckVersionMismatch'],
          'an update naming a stale HealthCheckVersion',
        );
      } finally {
        await client.send(new DeleteHealthCheckCommand({ HealthCheckId: id }));
      }
      await expectRejected(
        client.send(new GetHealthCheckCommand({ HealthCheckId: id })),
        ['NoSuchHealthCheck'],
        'GetHealthCheck of a deleted check',
      );
    },
  },
  {
    name: 'private-zone-invalid-vpc-id',
    description: 'a private zone in a VPC that does not exist is refused with InvalidVPCId',
    async run(client, _zoneId, zoneName) {
      const request = client.send(
        new CreateHostedZoneCommand({
          Name: `private.${zoneName}`,
          CallerReference: `conformance-${randomBytes(6).toString('hex')}`,
          VPC: { VPCRegion: 'us-east-1', VPCId: 'vpc-nosuchvpc' },
        }),
      );
      try {
        const created = await request;
        // Accepted: remove the zone it made, then report.
        await client.send(new DeleteHostedZoneCommand({ Id: created.HostedZone!.Id! })).catch(() => undefined);
        check(false, 'a zone in VPC vpc-nosuchvpc was created; Route53 refuses it with InvalidVPCId');
      } catch (error) {
        if ((error as Error).name === 'ConformanceFailure') throw error;
        const { code, text } = describeError(error);
        check(code === 'InvalidVPCId', `the zone was refused with ${text.slice(0, 200)} instead of InvalidVPCId`);
      }
    },
  },
];
