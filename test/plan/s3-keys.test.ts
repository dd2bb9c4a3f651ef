// The S3 key scheme, without S3: keys must sort newest first, map back to their generation, and reject
// anything that is not a plan key.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generationOfKey, parseS3Spec, planKeySuffix } from '../../src/plan/s3-client.js';

describe('S3 plan keys', () => {
  it('sort newest first in S3 (byte-wise) order and map back to their generation', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 999_999_999_999 }),
        fc.integer({ min: 1, max: 999_999_999_999 }),
        (a, b) => {
          expect(generationOfKey(planKeySuffix(a))).toBe(a);
          const [first] = [planKeySuffix(a), planKeySuffix(b)].sort();
          expect(generationOfKey(first)).toBe(Math.max(a, b));
        },
      ),
    );
  });

  it('refuses generations the scheme cannot order, and ignores foreign keys', () => {
    expect(() => planKeySuffix(0)).toThrow(/outside 1\.\.999999999999/);
    expect(() => planKeySuffix(1e12)).toThrow(/outside/);
    expect(generationOfKey('notes.txt')).toBeUndefined();
    // A hand-made key whose two numbers disagree is not trusted.
    expect(generationOfKey('plan-000000000001-g000000000001.json')).toBeUndefined();
  });

  it('parses s3://bucket/prefix specs', () => {
    expect(parseS3Spec('s3://plans-bucket/dnsplane/prod')).toEqual({
      bucket: 'plans-bucket',
      prefix: 'dnsplane/prod/',
    });
    expect(parseS3Spec('s3://plans-bucket/')).toEqual({ bucket: 'plans-bucket', prefix: '' });
    expect(parseS3Spec('s3://plans-bucket')).toEqual({ bucket: 'plans-bucket', prefix: '' });
    expect(() => parseS3Spec('s3://Bad_Bucket/x')).toThrow(/not a valid S3 bucket name/);
    expect(() => parseS3Spec('file:/tmp')).toThrow(/s3:\/\/bucket\/prefix/);
  });
});
