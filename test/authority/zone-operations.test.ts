// Route53 details that real clients (Terraform, boto3, external-dns) see, checked through the stock SDK against
// the real authority: Location, name servers, wildcard spelling, the zone comment, DNSSEC status, limits, and
// the error for an operation the authority does not implement.
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  CreateReusableDelegationSetCommand,
  GetAccountLimitCommand,
  GetDNSSECCommand,
  GetHostedZoneCommand,
  GetHostedZoneLimitCommand,
  ListResourceRecordSetsCommand,
  UpdateHostedZoneCommentCommand,
} from '@aws-sdk/client-route-53';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';

let t: TestAuthority;
beforeAll(async () => {
  t = await startTestAuthority();
});
afterAll(async () => t?.close());

describe('CreateHostedZone', () => {
  it('answers an absolute Location and four zero-padded ns-N.awsdns-NN name servers', async () => {
    const out = await t.client.send(
      new CreateHostedZoneCommand({ Name: 'loc.test', CallerReference: `loc-${Date.now()}` }),
    );
    const id = out.HostedZone!.Id!.replace('/hostedzone/', '');
    expect(out.Location).toBe(`https://route53.amazonaws.com/2013-04-01/hostedzone/${id}`);
    const servers = out.DelegationSet!.NameServers!;
    expect(servers).toHaveLength(4);
    expect(new Set(servers).size).toBe(4);
    for (const server of servers) expect(server).toMatch(/^ns-\d{1,4}\.awsdns-\d{2}\.(com|net|org|co\.uk)$/);
  });
});

describe('wildcard owners', () => {
  it('accepts \\052 and * alike, lists the owner as \\052., and pages from a \\052 NextRecordName', async () => {
    const zoneId = await t.createZone('wild.test.');
    const a = (name: string, value: string) => ({
      Action: 'CREATE' as const,
      ResourceRecordSet: { Name: name, Type: 'A' as const, TTL: 60, ResourceRecords: [{ Value: value }] },
    });
    await t.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Changes: [a('\\052.wild.test', '192.0.2.1'), a('*.sub.wild.test', '192.0.2.2')] },
      }),
    );
    // The same set spelled the other way is the same set: CREATE of it again is refused.
    await expect(
      t.client.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: { Changes: [a('*.wild.test', '192.0.2.1')] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidChangeBatch' });
    const listed = await t.client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    expect(listed.ResourceRecordSets!.filter((set) => set.Type === 'A').map((set) => set.Name)).toEqual([
      '\\052.wild.test.',
      '\\052.sub.wild.test.',
    ]);
    const first = await t.client.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        StartRecordName: 'wild.test',
        StartRecordType: 'SOA',
        MaxItems: 1,
      }),
    );
    expect(first.NextRecordName).toBe('\\052.wild.test.');
    const next = await t.client.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        StartRecordName: first.NextRecordName,
        StartRecordType: first.NextRecordType,
      }),
    );
    expect(next.ResourceRecordSets!.map((set) => set.Name)).toEqual(['\\052.wild.test.', '\\052.sub.wild.test.']);
    await t.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Changes: [{ ...a('\\052.wild.test', '192.0.2.1'), Action: 'DELETE' }] },
      }),
    );
  });
});

describe('names with a raw space or tab', () => {
  it("are refused with Route53's UnsupportedCharacter message, in listings and before anything else in a change", async () => {
    const zoneId = await t.createZone('space.test.');
    const message = "FATAL problem: UnsupportedCharacter (Value contains unsupported characters) encountered with ' '";
    await expect(
      t.client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: 'a b.space.test' })),
    ).rejects.toMatchObject({ name: 'InvalidInput', message });
    // Escaped with a backslash, a space is an ordinary character of the name.
    await t.client.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: 'a\\ b.space.test' }),
    );
    // No TTL either: the name is what Route53 reports.
    const change = { Action: 'CREATE' as const, ResourceRecordSet: { Name: 'a b.space.test', Type: 'TXT' as const } };
    await expect(
      t.client.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [change] } })),
    ).rejects.toMatchObject({ name: 'InvalidChangeBatch', message });
  });
});

describe('UpdateHostedZoneComment', () => {
  it('sets, returns and clears the comment, and the comment survives a restart', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-comment-'));
    try {
      const first = await startTestAuthority({ dataDir });
      const zoneId = await first.createZone('comment.test.');
      const updated = await first.client.send(
        new UpdateHostedZoneCommentCommand({ Id: zoneId, Comment: 'owned by team dns' }),
      );
      expect(updated.HostedZone?.Config?.Comment).toBe('owned by team dns');
      await first.close();
      const again = await startTestAuthority({ dataDir });
      try {
        expect((await again.client.send(new GetHostedZoneCommand({ Id: zoneId }))).HostedZone?.Config?.Comment).toBe(
          'owned by team dns',
        );
        const cleared = await again.client.send(new UpdateHostedZoneCommentCommand({ Id: zoneId }));
        expect(cleared.HostedZone?.Config?.Comment).toBeUndefined();
        expect(cleared.HostedZone?.ResourceRecordSetCount).toBe(2);
      } finally {
        await again.close();
      }
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
    await expect(
      t.client.send(new UpdateHostedZoneCommentCommand({ Id: 'ZNOSUCHZONE', Comment: 'x' })),
    ).rejects.toMatchObject({ name: 'NoSuchHostedZone' });
  });
});

describe('GetDNSSEC and limits', () => {
  it('answers NOT_SIGNING with no keys, and NoSuchHostedZone for an unknown zone', async () => {
    const zoneId = await t.createZone('dnssec.test.');
    const out = await t.client.send(new GetDNSSECCommand({ HostedZoneId: zoneId }));
    expect(out.Status?.ServeSignature).toBe('NOT_SIGNING');
    expect(out.KeySigningKeys ?? []).toEqual([]);
    await expect(t.client.send(new GetDNSSECCommand({ HostedZoneId: 'ZNOSUCHZONE' }))).rejects.toMatchObject({
      name: 'NoSuchHostedZone',
    });
  });

  it("reports Route53's default account and hosted-zone limits with the current counts", async () => {
    const zoneId = await t.createZone('limits.test.');
    const zones = await t.client.send(new GetAccountLimitCommand({ Type: 'MAX_HOSTED_ZONES_BY_OWNER' }));
    expect(zones.Limit).toEqual({ Type: 'MAX_HOSTED_ZONES_BY_OWNER', Value: 500 });
    expect(zones.Count).toBeGreaterThanOrEqual(1);
    expect((await t.client.send(new GetAccountLimitCommand({ Type: 'MAX_HEALTH_CHECKS_BY_OWNER' }))).Limit?.Value).toBe(
      200,
    );
    const rrsets = await t.client.send(
      new GetHostedZoneLimitCommand({ HostedZoneId: zoneId, Type: 'MAX_RRSETS_BY_ZONE' }),
    );
    expect(rrsets).toMatchObject({ Limit: { Type: 'MAX_RRSETS_BY_ZONE', Value: 10000 }, Count: 2 });
    expect(
      (
        await t.client.send(
          new GetHostedZoneLimitCommand({ HostedZoneId: zoneId, Type: 'MAX_VPCS_ASSOCIATED_BY_ZONE' }),
        )
      ).Limit?.Value,
    ).toBe(300);
    await expect(t.client.send(new GetAccountLimitCommand({ Type: 'MAX_NOTHING' as never }))).rejects.toMatchObject({
      name: 'InvalidInput',
    });
  });
});

describe('operations the authority does not implement', () => {
  it("answer Route53's error shape naming the operation", async () => {
    const failure = await t.client
      .send(new CreateReusableDelegationSetCommand({ CallerReference: 'x' }))
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'NotImplemented', $metadata: { httpStatusCode: 501 } });
    expect((failure as Error).message).toContain('CreateReusableDelegationSet');
  });
});
