// The API's gates: SigV4 (unsigned, wrong secret, unknown key), the body cap, the optional rate limit, and
// the AWS CLI working unmodified against it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ListHostedZonesCommand } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoute53Client } from '../../src/route53/client.js';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';
import { route53Signer } from '../helpers/sigv4.js';
import { describeWithTools } from '../helpers/tools.js';

const run = promisify(execFile);

describe('SigV4 and request limits', () => {
  let t: TestAuthority;
  beforeAll(async () => {
    t = await startTestAuthority();
  });
  afterAll(async () => t?.close());

  it('refuses an unsigned request with 403 MissingAuthenticationToken in the ErrorResponse shape', async () => {
    const response = await fetch(`${t.authority.endpoint}/2013-04-01/hostedzone`);
    expect(response.status).toBe(403);
    const body = await response.text();
    expect(body).toContain('<ErrorResponse');
    expect(body).toContain('<Type>Sender</Type>');
    expect(body).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(body).toMatch(/<RequestId>[0-9a-f-]{36}<\/RequestId>/);
  });

  it('refuses a client with the wrong secret (SignatureDoesNotMatch) or an unknown key (InvalidClientTokenId)', async () => {
    const wrongSecret = createRoute53Client({
      endpoint: t.authority.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'nope' },
      maxAttempts: 1,
    });
    const wrongKey = createRoute53Client({
      endpoint: t.authority.endpoint,
      credentials: { accessKeyId: 'AKIAOTHER', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    await expect(wrongSecret.send(new ListHostedZonesCommand({}))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(wrongKey.send(new ListHostedZonesCommand({}))).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(t.client.send(new ListHostedZonesCommand({}))).resolves.toBeDefined();
  });

  it('answers InvalidInput for malformed XML and for a DOCTYPE, through a correctly signed request', async () => {
    const url = new URL(t.authority.endpoint);
    const signer = route53Signer(t.authority.credentials);
    for (const body of [
      '<CreateHostedZoneRequest><Name>x.test',
      '<!DOCTYPE x [<!ENTITY a "aaaa">]><CreateHostedZoneRequest><Name>&a;</Name></CreateHostedZoneRequest>',
    ]) {
      const signed = await signer.sign({
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/2013-04-01/hostedzone',
        headers: { host: url.host, 'content-type': 'application/xml' },
        body,
      });
      const response = await fetch(`${t.authority.endpoint}/2013-04-01/hostedzone`, {
        method: 'POST',
        headers: signed.headers as Record<string, string>,
        body,
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('<Code>InvalidInput</Code>');
    }
  });

  it('refuses a body over 1 MiB with 413 before reading it all', async () => {
    const response = await fetch(`${t.authority.endpoint}/2013-04-01/hostedzone`, {
      method: 'POST',
      body: 'x'.repeat(1024 * 1024 + 1),
    });
    expect(response.status).toBe(413);
    expect(await response.text()).toContain('<Code>InvalidInput</Code>');
  });
});

describe('rate limit', () => {
  let t: TestAuthority;
  beforeAll(async () => {
    t = await startTestAuthority({ rateLimit: 2 });
  });
  afterAll(async () => t?.close());

  it('answers HTTP 400 Throttling "Rate exceeded" once the bucket (5 x rate) is empty', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => t.client.send(new ListHostedZonesCommand({}))),
    );
    const throttled = results
      .filter((r) => r.status === 'rejected')
      .map(
        (r) =>
          r.reason as {
            name: string;
            message: string;
            $metadata: { httpStatusCode: number };
          },
      );
    // 20 requests in well under a second: the 10-token bucket admits 10 (or 11 with a refill), the rest wait.
    expect(results.length - throttled.length).toBeGreaterThanOrEqual(10);
    expect(results.length - throttled.length).toBeLessThanOrEqual(12);
    expect(throttled[0]).toMatchObject({
      name: 'Throttling',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describeWithTools(['aws'], 'the AWS CLI against the authority', () => {
  let t: TestAuthority;
  beforeAll(async () => {
    t = await startTestAuthority();
  });
  afterAll(async () => t?.close());

  const aws = async (...args: string[]) => {
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
    };
    const { stdout } = await run(
      'aws',
      ['route53', ...args, '--endpoint-url', t.authority.endpoint, '--output', 'json'],
      { env },
    );
    return JSON.parse(stdout || '{}') as Record<string, unknown>;
  };

  it('creates a zone and a weighted set, lists them, and gets InvalidChangeBatch for a repeat CREATE', async () => {
    const created = (await aws('create-hosted-zone', '--name', 'cli.test', '--caller-reference', 'cli-1')) as {
      HostedZone: { Id: string };
    };
    const zoneId = created.HostedZone.Id;
    const batch = JSON.stringify({
      Changes: [
        {
          Action: 'CREATE',
          ResourceRecordSet: {
            Name: 'w.cli.test',
            Type: 'A',
            TTL: 60,
            SetIdentifier: 'blue',
            Weight: 3,
            ResourceRecords: [{ Value: '192.0.2.1' }],
          },
        },
      ],
    });
    await aws('change-resource-record-sets', '--hosted-zone-id', zoneId, '--change-batch', batch);
    const listed = (await aws('list-resource-record-sets', '--hosted-zone-id', zoneId)) as {
      ResourceRecordSets: Array<{ Name: string; Type: string; SetIdentifier?: string; Weight?: number }>;
    };
    expect(
      listed.ResourceRecordSets.map((set) => `${set.Name} ${set.Type} ${set.SetIdentifier ?? ''}${set.Weight ?? ''}`),
    ).toEqual(['cli.test. NS ', 'cli.test. SOA ', 'w.cli.test. A blue3']);
    const repeat = aws('change-resource-record-sets', '--hosted-zone-id', zoneId, '--change-batch', batch);
    await expect(repeat).rejects.toMatchObject({ stderr: expect.stringContaining('(InvalidChangeBatch)') });
  }, 90_000); // four runs of the Python CLI: about 2 s each on a busy 2-core machine
});
