// Where an S3 plan store is: the bucket and prefix of an `s3://` spec, the key of each generation, and the
// client that reaches them.
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { defaultRegion, localCredentials } from '../route53/client.js';

const MAX_GENERATION = 999_999_999_999;
export const KEY_PREFIX = 'plan-';
const KEY_PATTERN = /^plan-(\d{12})-g(\d{12})\.json$/;
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function planKeySuffix(generation: number): string {
  if (!Number.isSafeInteger(generation) || generation < 1 || generation > MAX_GENERATION) {
    throw new Error(`plan generation ${generation} is outside 1..${MAX_GENERATION}, which the S3 key scheme can order`);
  }
  const pad = (n: number) => String(n).padStart(12, '0');
  return `${KEY_PREFIX}${pad(MAX_GENERATION - generation)}-g${pad(generation)}.json`;
}

/** The generation a key under the prefix stands for, or undefined for any other object. */
export function generationOfKey(suffix: string): number | undefined {
  const match = KEY_PATTERN.exec(suffix);
  if (!match) return undefined;
  const generation = Number(match[2]);
  return Number(match[1]) === MAX_GENERATION - generation ? generation : undefined;
}

export interface S3Location {
  bucket: string;
  /** Empty, or ending in '/'. */
  prefix: string;
}

export function parseS3Spec(spec: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(spec);
  if (!match) throw new Error(`plan store ${spec} is not of the form s3://bucket/prefix`);
  const [, bucket, rawPrefix] = match;
  if (!BUCKET_PATTERN.test(bucket))
    throw new Error(`plan store ${spec}: "${bucket}" is not a valid S3 bucket name (3-63 of a-z 0-9 . -)`);
  const prefix = rawPrefix.replace(/^\/+/, '');
  return { bucket, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

export interface S3Target {
  /** Overrides AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL. */
  endpoint?: string;
  region?: string;
}

export const S3_REQUEST_TIMEOUT_MS = 10_000;

/** An S3 client from the standard AWS settings; path-style addressing whenever an endpoint is given (moto, LocalStack, MinIO). */
export function createS3Client(target: S3Target = {}): S3Client {
  const endpoint = target.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  // A bucket endpoint that accepts and never answers fails the request after 10 s instead of hanging the command.
  const config: S3ClientConfig = {
    region: target.region ?? defaultRegion(),
    requestHandler: {
      connectionTimeout: S3_REQUEST_TIMEOUT_MS,
      requestTimeout: S3_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  };
  if (endpoint) {
    config.endpoint = endpoint;
    config.forcePathStyle = true;
    const credentials = localCredentials(endpoint);
    if (credentials) config.credentials = credentials;
  }
  return new S3Client(config);
}

/** The HTTP status of an SDK error that is an answer (undefined for one that failed on the way). */
export function httpStatusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** Whether an SDK error is an HTTP answer with this status. */
export function isStatus(error: unknown, status: number): boolean {
  return httpStatusOf(error) === status;
}
