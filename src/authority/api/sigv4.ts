// SigV4 verification: the request is signed again with the configured credentials by @smithy/signature-v4
// (the signer the SDK itself uses), over exactly the headers the client says it signed, and the two
// signatures are compared in constant time. Failures carry AWS's own codes so clients report them plainly.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import { Route53Error } from '../store/errors.js';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignedRequest {
  method: string;
  /** The raw request target: path and query, still percent-encoded. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
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
  return Buffer.from(data as ArrayBuffer);
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;
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

/** Resolves when the request carries a valid signature by `credentials`; throws a 403 Route53Error otherwise. */
export async function verifySignature(request: SignedRequest, credentials: Credentials, now = new Date()): Promise<void> {
  const authorization = header(request, 'authorization');
  if (!authorization) throw denied('MissingAuthenticationToken', 'Missing Authentication Token');
  const match = AUTH.exec(authorization.trim());
  if (!match) throw denied('IncompleteSignature', `Authorization header requires Credential, SignedHeaders and Signature for AWS4-HMAC-SHA256: ${authorization}`);
  const [, accessKeyId, , region, service, signedHeaders, signature] = match;
  if (accessKeyId !== credentials.accessKeyId) throw denied('InvalidClientTokenId', 'The security token included in the request is invalid.');
  const signingDate = parseAmzDate(header(request, 'x-amz-date') ?? '');
  if (!signingDate) throw denied('IncompleteSignature', 'Authorization requires an X-Amz-Date header');
  if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_SKEW_MS) {
    throw denied('SignatureDoesNotMatch', 'Signature expired: the request time is more than 15 minutes from the server time.');
  }

  // The signer takes a signed x-amz-content-sha256 header as the payload hash as it stands, without hashing
  // the body (S3's convention). Unchecked, a captured request's body could be swapped, or a client could sign
  // UNSIGNED-PAYLOAD, under a valid signature: so when the header is there it must be the body's own hash.
  const declaredHash = header(request, 'x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash !== createHash('sha256').update(request.body).digest('hex')) {
    throw new Route53Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", 400);
  }

  const names = signedHeaders.split(';');
  const headers: Record<string, string> = {};
  for (const name of names) headers[name] = header(request, name) ?? '';
  const url = new URL(request.url, 'http://localhost');
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const existing = query[key];
    query[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  const signer = new SignatureV4({ credentials, region, service, sha256: NodeSha256, applyChecksum: false });
  const signed = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: headers.host ?? '', path: url.pathname, query, headers, body: request.body },
    { signingDate, signingRegion: region, signingService: service, signableHeaders: new Set(names) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? signed.headers.Authorization))?.[1] ?? '';
  if (expected.length !== signature.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
    throw denied('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
  }
}
