// One place that decides which Route53 dnsplane talks to. The SDK itself honours AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_ROUTE_53; an explicit URL (the CLI's --endpoint-url) wins over both.
import { Route53Client, type Route53ClientConfig } from '@aws-sdk/client-route-53';
import { defaultRegion } from './region.js';

export interface Route53Target {
  /** Overrides AWS_ENDPOINT_URL_ROUTE_53 / AWS_ENDPOINT_URL. */
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** The SDK's own retries; dnsplane's enactor turns them off and retries with its own budget. */
  maxAttempts?: number;
  /**
   * Fails a request (connect or answer) that takes longer than this, with a retryable TimeoutError. Without it
   * the SDK waits forever on an endpoint that accepted the connection and went silent.
   */
  requestTimeoutMs?: number;
}

/** The URL the SDK will send to (the SDK calls it the endpoint), or undefined for real AWS. */
export function configuredRoute53Url(target: Route53Target = {}): string | undefined {
  return target.endpoint ?? process.env.AWS_ENDPOINT_URL_ROUTE_53 ?? process.env.AWS_ENDPOINT_URL;
}

export { defaultRegion };

/**
 * Against a local endpoint, and only there, the `test`/`test` credentials that the dnsplane authority, moto and
 * LocalStack accept, so that a newcomer needs no AWS profile; undefined when AWS credentials are configured.
 * Shared by every AWS client dnsplane makes (the S3 plan store too).
 */
export function localCredentials(
  endpoint: string | undefined,
): { accessKeyId: string; secretAccessKey: string } | undefined {
  if (!endpoint || process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE) return undefined;
  return { accessKeyId: 'test', secretAccessKey: 'test' };
}

export function createRoute53Client(target: Route53Target = {}): Route53Client {
  const endpoint = configuredRoute53Url(target);
  const config: Route53ClientConfig = {
    region: target.region ?? defaultRegion(),
    maxAttempts: target.maxAttempts ?? 3,
  };
  if (target.endpoint) config.endpoint = target.endpoint;
  if (target.requestTimeoutMs !== undefined) {
    config.requestHandler = {
      connectionTimeout: target.requestTimeoutMs,
      requestTimeout: target.requestTimeoutMs,
      throwOnRequestTimeout: true,
    };
  }
  const credentials = target.credentials ?? localCredentials(endpoint);
  if (credentials) config.credentials = credentials;
  const client = new Route53Client(config);
  // The SDK's logger middleware builds a redacted copy of every request's input for its logger even when that
  // logger discards it (the default no-op logger has an info method), a tenth of the enactor's CPU
  // (BENCHMARKS.md). dnsplane logs its own calls (pino), so the middleware goes.
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}
