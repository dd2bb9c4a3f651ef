// SigV4 verification: the request is signed again with the configured credentials by @smithy/signature-v4
// (the signer the SDK itself uses), over exactly the headers the client says it signed, and the two
// signatures are compared in constant time. Failures carry AWS's own codes so clients report them plainly.
// Checked as AWS checks them: exactly one Authorization header, `host` among the signed headers, and a
// credential scope naming this authority's region and the service `route53`. A captured request still
// verifies again within the 15-minute window, as on AWS (SigV4 has no nonce); only TLS keeps it secret.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import { Route53Error } from '../store/errors.js';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What a signature must be scoped to, beside the date: Route53 signs in us-east-1 as service `route53`. */
export interface SigningScope {
  region: string;
  service: string;
}

export const ROUTE53_SERVICE = 'route53';

export interface SignedRequest {
  method: string;
  /** The raw request target: path and query, still percent-encoded. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /**
   * The headers as received, name and value alternating (node's rawHeaders). node keeps only the first of
   * duplicate Authorization headers in `headers`, so a second one is only visible here.
   */
  rawHeaders?: string[];
}

/** The signer wants a hash constructor in the @aws-crypto shape; node:crypto provides the algorithm. */
class NodeSha256 implements Checksum {
  private hash;
  constructor(secret?: SourceData) {
    this.hash = secret ? createHmac('sha256', toBuffer(secret)) : createHash('sha256');
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error('not supported');
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;
const MAX_SKEW_MS = 15 * 60 * 1000;

function denied(code: string, message: string): Route53Error {
  return new Route53Error(code, message, 403);
}

function parseAmzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

function header(request: SignedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function authorizationHeaderCount(request: SignedRequest): number {
  if (!request.rawHeaders) return request.headers.authorization === undefined ? 0 : 1;
  let count = 0;
  for (let i = 0; i < request.rawHeaders.length; i += 2)
    if (request.rawHeaders[i].toLowerCase() === 'authorization') count += 1;
  return count;
}

/**
 * Resolves when the request carries a valid signature by `credentials` scoped to `scope`; throws a 403
 * Route53Error in AWS's words otherwise.
 */
export async function verifySignature(
  request: SignedRequest,
  credentials: Credentials,
  scope: SigningScope,
  now = new Date(),
): Promise<void> {
  const authorizations = authorizationHeaderCount(request);
  if (authorizations > 1)
    throw denied(
      'IncompleteSignature',
      `Only one Authorization header is allowed; the request carries ${authorizations}.`,
    );
  const authorization = header(request, 'authorization');
  if (!authorization) throw denied('MissingAuthenticationToken', 'Missing Authentication Token');
  const match = AUTH.exec(authorization.trim());
  if (!match)
    throw denied(
      'IncompleteSignature',
      `Authorization header requires Credential, SignedHeaders and Signature for AWS4-HMAC-SHA256: ${authorization}`,
    );
  const [, accessKeyId, scopeDate, region, service, signedHeaders, signature] = match;
  const names = signedHeaders.split(';');
  // Unsigned, the Host header could be changed: the same signature would then be good for any endpoint.
  if (!names.includes('host'))
    throw denied('IncompleteSignature', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  if (accessKeyId !== credentials.accessKeyId)
    throw denied('InvalidClientTokenId', 'The security token included in the request is invalid.');
  if (region !== scope.region)
    throw denied('SignatureDoesNotMatch', `Credential should be scoped to a valid region, not '${region}'.`);
  if (service !== scope.service)
    throw denied('SignatureDoesNotMatch', `Credential should be scoped to correct service: '${scope.service}'.`);
  const amzDate = header(request, 'x-amz-date') ?? '';
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate) throw denied('IncompleteSignature', 'Authorization requires an X-Amz-Date header');
  if (scopeDate !== amzDate.slice(0, 8)) {
    throw denied(
      'SignatureDoesNotMatch',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_SKEW_MS) {
    throw denied(
      'SignatureDoesNotMatch',
      'Signature expired: the request time is more than 15 minutes from the server time.',
    );
  }

  // The signer takes a signed x-amz-content-sha256 header as the payload hash as it stands, without hashing
  // the body (S3's convention). Unchecked, a captured request's body could be swapped, or a client could sign
  // UNSIGNED-PAYLOAD, under a valid signature: so when the header is there it must be the body's own hash.
  const declaredHash = header(request, 'x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash !== createHash('sha256').update(request.body).digest('hex')) {
    throw new Route53Error(
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      400,
    );
  }

  const headers: Record<string, string> = {};
  for (const name of names) headers[name] = header(request, name) ?? '';
  const expected = await computeSignature(request, headers, credentials, scope, signingDate);
  if (expected.length !== signature.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
    throw denied(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
}

/**
 * The signature `credentials` give `request` in `scope` at `signingDate`, over exactly `signedHeaders` (name ->
 * value, lower-case names). Verification compares it with the client's; a test harness may use it to sign again.
 */
export async function computeSignature(
  request: Pick<SignedRequest, 'method' | 'url' | 'body'>,
  signedHeaders: Record<string, string>,
  credentials: Credentials,
  scope: SigningScope,
  signingDate: Date,
): Promise<string> {
  const headers = signedHeaders;
  const names = Object.keys(signedHeaders);
  const url = new URL(request.url, 'http://localhost');
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const existing = query[key];
    query[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  const signer = new SignatureV4({
    credentials,
    region: scope.region,
    service: scope.service,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: headers.host ?? '',
      path: url.pathname,
      query,
      headers,
      body: request.body,
    },
    { signingDate, signingRegion: scope.region, signingService: scope.service, signableHeaders: new Set(names) },
  );
  return (
    /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? signed.headers.Authorization))?.[1] ?? ''
  );
}
