// SigV4 must cover the body actually received. The signer trusts a signed x-amz-content-sha256 header as the
// payload hash, so the authority checks that header against the body: otherwise a captured request's body
// could be replaced (or signed as UNSIGNED-PAYLOAD) and still verify.
import { createHash } from 'node:crypto';
import { ListHostedZonesCommand } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';
import { route53Signer } from '../helpers/sigv4.js';

const createZoneBody = (name: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Name>${name}</Name><CallerReference>${name}-${Date.now()}</CallerReference></CreateHostedZoneRequest>`;

describe('SigV4 payload hash', () => {
  let t: TestAuthority;
  beforeAll(async () => {
    t = await startTestAuthority();
  });
  afterAll(async () => t?.close());

  /** POSTs `sent` with headers signed for `signedBody`, the x-amz-content-sha256 header among them. */
  async function post(signedBody: string, sent: string, contentSha256: string): Promise<Response> {
    const url = new URL(t.authority.endpoint);
    const signed = await route53Signer(t.authority.credentials).sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/2013-04-01/hostedzone',
      headers: { host: url.host, 'content-type': 'application/xml', 'x-amz-content-sha256': contentSha256 },
      body: signedBody,
    });
    expect(String(signed.headers.authorization)).toContain('x-amz-content-sha256');
    return fetch(`${t.authority.endpoint}/2013-04-01/hostedzone`, {
      method: 'POST',
      headers: signed.headers as Record<string, string>,
      body: sent,
    });
  }

  const zoneNames = async () =>
    ((await t.client.send(new ListHostedZonesCommand({}))).HostedZones ?? []).map((zone) => zone.Name);
  const hash = (text: string) => createHash('sha256').update(text).digest('hex');

  it('refuses a body other than the one the signed hash names, and UNSIGNED-PAYLOAD, creating nothing', async () => {
    const signedFor = createZoneBody('signed.test.');
    const swapped = createZoneBody('swapped.test.');
    for (const declared of [hash(signedFor), 'UNSIGNED-PAYLOAD']) {
      const response = await post(signedFor, swapped, declared);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('<Code>XAmzContentSHA256Mismatch</Code>');
    }
    expect(await zoneNames()).not.toContain('swapped.test.');
  });

  it('accepts a signed hash that matches the body', async () => {
    const body = createZoneBody('hashed.test.');
    const response = await post(body, body, hash(body));
    expect(response.status).toBe(201);
    expect(await zoneNames()).toContain('hashed.test.');
  });
});
