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

export function route53Signer(credentials: { accessKeyId: string; secretAccessKey: string }): SignatureV4 {
  return new SignatureV4({ credentials, region: 'us-east-1', service: 'route53', sha256: Sha256 as never });
}
