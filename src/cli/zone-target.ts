// What enact, cleanup, status and dashboard share: the plan store, the Route53 endpoint, and the hosted zone (by
// name or id, defaulting to the zone named in the latest plan).
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { Command } from 'commander';
import { DEFAULT_PLANS_SPEC, openPlanStore } from '../plan/open-store.js';
import type { PlanStore } from '../plan/store.js';
import { Route53Caller } from '../route53/caller.js';
import { configuredEndpoint, createRoute53Client } from '../route53/client.js';
import { describeError } from '../route53/errors.js';
import { resolveHostedZoneId } from '../route53/listing.js';
import { RateLimiter } from '../route53/throttle.js';
import { parseDuration } from './duration.js';
import { parseNumber } from './numbers.js';

export interface ZoneTargetOptions {
  plans: string;
  zone?: string;
  endpoint?: string;
  rateLimit?: string;
  requestTimeout: string;
}

export function addZoneTargetOptions(command: Command): Command {
  return command
    .option('--plans <spec>', 'plan store: file:DIR, a directory, or s3://bucket/prefix', DEFAULT_PLANS_SPEC)
    .option('--zone <name-or-id>', 'hosted zone name (example.com) or id (default: the zone of the latest plan)')
    .option('--endpoint <url>', 'Route53 endpoint URL (default: AWS_ENDPOINT_URL_ROUTE_53, AWS_ENDPOINT_URL, else AWS)')
    .option('--request-timeout <duration>', 'fail (and retry) a Route53 request that takes longer than this', '10s');
}

export interface ZoneTarget {
  store: PlanStore;
  /** Raw SDK client, created with maxAttempts: 1 (the caller does the retrying). */
  sdk: Route53Client;
  caller: Route53Caller;
  /** The caller as a client: rate-limited, with budgeted retries. */
  client: Route53Client;
  zoneId: string;
  zoneName?: string;
}

export async function openZoneTarget(options: ZoneTargetOptions): Promise<ZoneTarget> {
  // Flags first: a usage error must not wait for (or be masked by) the plan store or Route53.
  const requestTimeoutMs = parseDuration(options.requestTimeout, '--request-timeout');
  const rate = options.rateLimit === undefined ? undefined : parseNumber(options.rateLimit, '--rate-limit', { min: 0.01 });
  const store = await openPlanStore(options.plans);
  const zone = options.zone ?? (await store.latest())?.zone;
  if (!zone) throw new Error(`no --zone given and no plan in ${store.location} to take the zone from`);
  const sdk = createRoute53Client({ endpoint: options.endpoint, maxAttempts: 1, requestTimeoutMs });
  const limiter = rate === undefined ? undefined : new RateLimiter(rate);
  const caller = new Route53Caller(sdk, { limiter });
  const client = caller.asClient();
  const zoneId = await resolveHostedZoneId(client, zone).catch((error: unknown) => {
    // Name the endpoint: the usual mistakes are a local Route53 that is not running, or none configured at all.
    const where = configuredEndpoint({ endpoint: options.endpoint }) ?? 'AWS (no --endpoint, AWS_ENDPOINT_URL_ROUTE_53 or AWS_ENDPOINT_URL given)';
    throw new Error(`looking up hosted zone ${zone} at ${where}: ${describeError(error)}`);
  });
  return { store, sdk, caller, client, zoneId, zoneName: zone.includes('.') ? zone : undefined };
}
