// What enact, cleanup, status and dashboard share: the plan store, the Route53 API URL, and the hosted zone (by
// name or id, defaulting to the zone named in the latest plan).
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { Command } from 'commander';
import { DEFAULT_PLANS_SPEC, openPlanStore } from '../plan/open-store.js';
import type { PlanStore } from '../plan/store.js';
import { Route53Caller } from '../route53/caller.js';
import { configuredRoute53Url, createRoute53Client } from '../route53/client.js';
import { describeError } from '../route53/errors.js';
import { resolveHostedZoneId } from '../route53/listing.js';
import { sdkPort } from '../route53/port.js';
import { RateLimiter } from '../route53/throttle.js';
import { DEFAULT_OWNER_ID, ownerLabel } from '../enactor/shard-fence.js';
import { parseDuration } from './duration.js';
import { addEndpointUrlOption } from './endpoint-url.js';
import { UsageError } from './exit-codes.js';
import { parseNumber } from './numbers.js';

export interface ZoneTargetOptions {
  plans: string;
  zone?: string;
  endpointUrl?: string;
  rateLimit?: string;
  requestTimeout: string;
  ownerId: string;
}

export function addZoneTargetOptions(command: Command): Command {
  command
    .option('--plans <spec>', 'plan store: file:DIR, a directory, or s3://bucket/prefix', DEFAULT_PLANS_SPEC)
    .option('--zone <name-or-id>', 'hosted zone name (example.com) or id (default: the zone of the latest plan)');
  return addEndpointUrlOption(
    command,
    'Route53 API URL (default: AWS_ENDPOINT_URL_ROUTE_53, AWS_ENDPOINT_URL, else AWS)',
  )
    .option('--request-timeout <duration>', 'fail (and retry) a Route53 request that takes longer than this', '10s')
    .option('--owner-id <id>', OWNER_ID_HELP, DEFAULT_OWNER_ID);
}

/** --owner-id's help: the same for every command that reads or writes shard fences. */
export const OWNER_ID_HELP =
  'deployment owner id: its shard fences are s<iii>.<id>._dnsplane.<zone> ("default": the original names s<iii>._dnsplane.<zone>); deployments with different ids in one zone never change each other\'s record sets';

export interface ZoneTarget {
  store: PlanStore;
  /** Raw SDK client, created with maxAttempts: 1 (the caller does the retrying). */
  sdk: Route53Client;
  /** The one Route53 port of the command: rate-limited, with one retry budget (the Enactor shares it). */
  caller: Route53Caller;
  /** Stops printing retries to stderr (the Enactor logs its own). */
  quietRetries: () => void;
  zoneId: string;
  zoneName?: string;
}

export async function openZoneTarget(options: ZoneTargetOptions): Promise<ZoneTarget> {
  // Flags first: a usage error must not wait for (or be masked by) the plan store or Route53.
  const requestTimeoutMs = parseDuration(options.requestTimeout, '--request-timeout');
  checkOwnerId(options.ownerId);
  const rate =
    options.rateLimit === undefined ? undefined : parseNumber(options.rateLimit, '--rate-limit', { min: 0.01 });
  const store = await openPlanStore(options.plans);
  const zone = options.zone ?? (await store.latest())?.zone;
  if (!zone) throw new Error(`no --zone given and no plan in ${store.location} to take the zone from`);
  const sdk = createRoute53Client({ endpoint: options.endpointUrl, maxAttempts: 1, requestTimeoutMs });
  const where = configuredRoute53Url({ endpoint: options.endpointUrl }) ?? 'AWS';
  reportSlowRequests(sdk, where, requestTimeoutMs);
  const limiter = rate === undefined ? undefined : new RateLimiter(rate);
  // Never silent: a request that fails and is retried says so, with the attempt and the wait.
  const onRetry = (
    operation: string,
    error: unknown,
    delayMs: number,
    { attempt, attempts }: { attempt: number; attempts: number },
  ) =>
    console.error(
      `dnsplane: Route53 ${operation} at ${where} failed (${describeError(error)}): attempt ${attempt} of ${attempts}, next in ${(delayMs / 1000).toFixed(1)} s`,
    );
  const caller = new Route53Caller(sdkPort(sdk), { limiter });
  const quietRetries = caller.onRetry(onRetry);
  const zoneId = await resolveHostedZoneId(caller, zone).catch((error: unknown) => {
    // Name the endpoint: the usual mistakes are a local Route53 that is not running, or none configured at all.
    const named =
      where === 'AWS' ? 'AWS (no --endpoint-url, AWS_ENDPOINT_URL_ROUTE_53 or AWS_ENDPOINT_URL given)' : where;
    throw new Error(`looking up hosted zone ${zone} at ${named}: ${describeError(error)}`);
  });
  return { store, sdk, caller, quietRetries, zoneId, zoneName: zone.includes('.') ? zone : undefined };
}

/** A bad --owner-id is a usage error, found before anything is read. */
export function checkOwnerId(owner: string | undefined): void {
  try {
    ownerLabel(owner);
  } catch (error) {
    throw new UsageError(`--owner-id: ${(error as Error).message}`);
  }
}

/** How long a request may be quiet before the user hears that we are waiting for it. */
const SLOW_REQUEST_NOTICE_MS = 2_000;

/**
 * An endpoint that accepts and never answers must not look like a hung command: every couple of seconds each
 * request in flight says what it waits for, how long so far and when it gives up (--request-timeout).
 */
function reportSlowRequests(sdk: Route53Client, where: string, requestTimeoutMs: number): void {
  sdk.middlewareStack.add(
    (next, context) => async (args) => {
      let waited = 0;
      const notice = setInterval(() => {
        waited += SLOW_REQUEST_NOTICE_MS;
        console.error(
          `dnsplane: waiting for Route53 ${context.commandName?.replace(/Command$/, '') ?? 'request'} at ${where} (${waited / 1000} s so far; --request-timeout ${requestTimeoutMs / 1000} s)`,
        );
      }, SLOW_REQUEST_NOTICE_MS);
      notice.unref();
      try {
        return await next(args);
      } finally {
        clearInterval(notice);
      }
    },
    { step: 'finalizeRequest', name: 'dnsplaneSlowRequestNotice' },
  );
}
