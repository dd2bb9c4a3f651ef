// Private hosted zones through the stock SDK: created with a VPC, listed by VPC, associated and disassociated,
// with Route53's errors. A VPC "exists" when its id has EC2's shape (vpc- and 8 or 17 hex digits).
import {
  AssociateVPCWithHostedZoneCommand,
  CreateHostedZoneCommand,
  DisassociateVPCFromHostedZoneCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  GetHostedZoneLimitCommand,
  ListHostedZonesByVPCCommand,
} from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';

let t: TestAuthority;
beforeAll(async () => {
  t = await startTestAuthority();
});
afterAll(async () => t?.close());

const VPC_A = { VPCRegion: 'us-east-1' as const, VPCId: 'vpc-1a2b3c4d' };
const VPC_B = { VPCRegion: 'eu-west-1' as const, VPCId: 'vpc-0123456789abcdef0' };

let references = 0;
const createPrivate = (name: string, vpc: { VPCRegion: 'us-east-1' | 'eu-west-1'; VPCId: string }) =>
  t.client.send(
    new CreateHostedZoneCommand({
      Name: name,
      CallerReference: `private-${++references}-${Date.now()}`,
      VPC: vpc,
      HostedZoneConfig: { PrivateZone: true },
    }),
  );

describe('private hosted zones', () => {
  it('stores the VPC, answers PrivateZone and VPCs, and lists zones by VPC', async () => {
    const created = await createPrivate('internal.test', VPC_A);
    expect(created.HostedZone?.Config?.PrivateZone).toBe(true);
    expect(created.VPC).toEqual(VPC_A);
    expect(created.DelegationSet).toBeUndefined();
    const id = created.HostedZone!.Id!.replace('/hostedzone/', '');
    const got = await t.client.send(new GetHostedZoneCommand({ Id: id }));
    expect(got.VPCs).toEqual([VPC_A]);
    expect(got.HostedZone?.Config?.PrivateZone).toBe(true);

    await t.createZone('public.test.');
    const byVpc = await t.client.send(
      new ListHostedZonesByVPCCommand({ VPCId: VPC_A.VPCId, VPCRegion: VPC_A.VPCRegion }),
    );
    expect(byVpc.HostedZoneSummaries?.map((zone) => [zone.HostedZoneId, zone.Name])).toEqual([[id, 'internal.test.']]);
    expect(
      (await t.client.send(new ListHostedZonesByVPCCommand({ VPCId: VPC_B.VPCId, VPCRegion: VPC_B.VPCRegion })))
        .HostedZoneSummaries,
    ).toEqual([]);
  });

  it('associates and disassociates VPCs, refusing the last one, a public zone and an unknown association', async () => {
    const created = await createPrivate('assoc.test', VPC_A);
    const id = created.HostedZone!.Id!.replace('/hostedzone/', '');
    const associated = await t.client.send(
      new AssociateVPCWithHostedZoneCommand({ HostedZoneId: id, VPC: VPC_B, Comment: 'second region' }),
    );
    expect((await t.client.send(new GetChangeCommand({ Id: associated.ChangeInfo!.Id! }))).ChangeInfo?.Status).toBe(
      'INSYNC',
    );
    expect((await t.client.send(new GetHostedZoneCommand({ Id: id }))).VPCs).toEqual([VPC_A, VPC_B]);
    expect(
      (await t.client.send(new GetHostedZoneLimitCommand({ HostedZoneId: id, Type: 'MAX_VPCS_ASSOCIATED_BY_ZONE' })))
        .Count,
    ).toBe(2);
    expect(
      (
        await t.client.send(new ListHostedZonesByVPCCommand({ VPCId: VPC_B.VPCId, VPCRegion: VPC_B.VPCRegion }))
      ).HostedZoneSummaries?.map((zone) => zone.HostedZoneId),
    ).toEqual([id]);

    await t.client.send(new DisassociateVPCFromHostedZoneCommand({ HostedZoneId: id, VPC: VPC_A }));
    expect((await t.client.send(new GetHostedZoneCommand({ Id: id }))).VPCs).toEqual([VPC_B]);
    await expect(
      t.client.send(new DisassociateVPCFromHostedZoneCommand({ HostedZoneId: id, VPC: VPC_B })),
    ).rejects.toMatchObject({ name: 'LastVPCAssociation' });
    await expect(
      t.client.send(new DisassociateVPCFromHostedZoneCommand({ HostedZoneId: id, VPC: VPC_A })),
    ).rejects.toMatchObject({ name: 'VPCAssociationNotFound' });

    const publicZone = await t.createZone('public-assoc.test.');
    await expect(
      t.client.send(new AssociateVPCWithHostedZoneCommand({ HostedZoneId: publicZone, VPC: VPC_A })),
    ).rejects.toMatchObject({ name: 'PublicZoneVPCAssociation' });
  });

  it('refuses a VPC id EC2 would never issue with InvalidVPCId, and a second private zone of the same name in one VPC', async () => {
    for (const VPCId of ['vpc-123', 'vpc-1A2B3C4D', 'subnet-1a2b3c4d', 'vpc-0123456789abcdef']) {
      await expect(createPrivate('bad-vpc.test', { VPCRegion: 'us-east-1', VPCId })).rejects.toMatchObject({
        name: 'InvalidVPCId',
        message: 'The VPC ID is invalid.',
      });
    }
    await createPrivate('twice.test', VPC_A);
    await expect(createPrivate('twice.test', VPC_A)).rejects.toMatchObject({ name: 'ConflictingDomainExists' });
  });
});
