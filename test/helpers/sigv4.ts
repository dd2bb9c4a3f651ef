// A SigV4 signer for tests that sign requests by hand (raw fetch): @smithy/signature-v4, the SDK's own signer,
// with node:crypto's SHA-256 in the hash-constructor shape it wants.
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

class Sha256 {
  private h;
  constructor(secret?: string | Uint8Array) {
    this.h = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data: Uint8Array) {
    this.h.update(data);
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
}

/** Signs for Route53 in us-east-1 unless told another scope (to test that a wrong one is refused). */
export function route53Signer(
  credentials: { accessKeyId: string; secretAccessKey: string },
  scope: { region?: string; service?: string } = {},
): SignatureV4 {
  return new SignatureV4({
    credentials,
    region: scope.region ?? 'us-east-1',
    service: scope.service ?? 'route53',
    sha256: Sha256 as never,
  });
}
