// SigV4 as AWS checks it beyond the signature itself: the credential scope must name the authority's region
// and the service route53, `host` must be among the signed headers, and one Authorization header only. Each
// refused request here carries a valid signature over what it signed: only the new checks refuse it.
import http from 'node:http';
import { ListHostedZonesCommand } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoute53Client } from '../../src/route53/client.js';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';
import { route53Signer } from '../helpers/sigv4.js';

const LIST_PATH = '/2013-04-01/hostedzone';

/** A signed GET of ListHostedZones; `host: false` leaves the Host header out of what is signed. */
async function signedList(
  t: TestAuthority,
  scope: { region?: string; service?: string } = {},
  { host = true } = {},
): Promise<Record<string, string>> {
  const url = new URL(t.authority.endpoint);
  const signed = await route53Signer(t.authority.credentials, scope).sign({
    method: 'GET',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: LIST_PATH,
    headers: host ? { host: url.host } : {},
  });
  return signed.headers;
}

/** Sends raw header lines (repeats kept), so that a second Authorization header really goes on the wire. */
function rawGet(
  endpoint: string,
  headers: Record<string, string | string[]>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${endpoint}${LIST_PATH}`, { method: 'GET' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    for (const [name, value] of Object.entries(headers)) request.setHeader(name, value);
    request.on('error', reject);
    request.end();
  });
}

const unescapeXml = (text: string | undefined) =>
  text
    ?.replace(/&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
const errorOf = (body: string) => ({
  code: /<Code>([^<]*)<\/Code>/.exec(body)?.[1],
  message: unescapeXml(/<Message>([^<]*)<\/Message>/.exec(body)?.[1]),
});

describe('SigV4 credential scope, signed headers and Authorization count', () => {
  let t: TestAuthority;
  let euWest: TestAuthority;
  beforeAll(async () => {
    t = await startTestAuthority({ region: 'us-east-1' });
    euWest = await startTestAuthority({ region: 'eu-west-1' });
  });
  afterAll(async () => {
    await t?.close();
    await euWest?.close();
  });

  it('refuses an SDK client scoped to another region with SignatureDoesNotMatch in AWS words', async () => {
    const madeUp = createRoute53Client({
      endpoint: t.authority.endpoint,
      credentials: t.authority.credentials,
      region: 'made-up',
      maxAttempts: 1,
    });
    await expect(madeUp.send(new ListHostedZonesCommand({}))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      message: "Credential should be scoped to a valid region, not 'made-up'.",
      $metadata: { httpStatusCode: 403 },
    });
    madeUp.destroy();
  });

  it('takes its region from --region: eu-west-1 signatures pass there, us-east-1 ones do not', async () => {
    const east = createRoute53Client({
      endpoint: euWest.authority.endpoint,
      credentials: euWest.authority.credentials,
      region: 'us-east-1',
      maxAttempts: 1,
    });
    const west = createRoute53Client({
      endpoint: euWest.authority.endpoint,
      credentials: euWest.authority.credentials,
      region: 'eu-west-1',
      maxAttempts: 1,
    });
    await expect(east.send(new ListHostedZonesCommand({}))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      message: "Credential should be scoped to a valid region, not 'us-east-1'.",
    });
    await expect(west.send(new ListHostedZonesCommand({}))).resolves.toBeDefined();
    east.destroy();
    west.destroy();
  });

  it.each(['s3', 'ec2'])('refuses a signature scoped to service %s', async (service) => {
    const response = await fetch(`${t.authority.endpoint}${LIST_PATH}`, { headers: await signedList(t, { service }) });
    expect(response.status).toBe(403);
    expect(errorOf(await response.text())).toEqual({
      code: 'SignatureDoesNotMatch',
      message: "Credential should be scoped to correct service: 'route53'.",
    });
  });

  it('refuses a signature that does not cover the Host header, though it is valid over what it covers', async () => {
    const headers = await signedList(t, {}, { host: false });
    expect(headers.authorization).not.toMatch(/SignedHeaders=[^,]*host/);
    const response = await fetch(`${t.authority.endpoint}${LIST_PATH}`, { headers });
    expect(response.status).toBe(403);
    expect(errorOf(await response.text())).toEqual({
      code: 'IncompleteSignature',
      message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    });
  });

  it('refuses a second Authorization header, even after a valid first one', async () => {
    const headers = await signedList(t);
    const alone = await rawGet(t.authority.endpoint, headers);
    expect(alone.status).toBe(200);
    const doubled = await rawGet(t.authority.endpoint, {
      ...headers,
      authorization: [headers.authorization, 'AWS4-HMAC-SHA256 Credential=bogus'],
    });
    expect(doubled.status).toBe(403);
    expect(errorOf(doubled.body).code).toBe('IncompleteSignature');
  });

  it('lets a captured request replay within the 15-minute window, as AWS does', async () => {
    const captured = await signedList(t);
    for (let i = 0; i < 2; i++)
      expect((await fetch(`${t.authority.endpoint}${LIST_PATH}`, { headers: captured })).status).toBe(200);
  });
});
