// The planner's view of the zone (plan and planner commands): where to read the live fences that generation
// numbers must stay above (invariant I8). Read when a Route53 API URL is known (--endpoint-url, or the SDK's
// AWS_ENDPOINT_URL_ROUTE_53 / AWS_ENDPOINT_URL) or a --zone is named (real AWS); otherwise the planner
// numbers from the plan store alone and says so.
import type { Command } from 'commander';
import { highestLiveFence } from '../enactor/highest-fence.js';
import { configuredRoute53Url, createRoute53Client } from '../route53/client.js';
import { sdkPort } from '../route53/port.js';
import { describeError } from '../route53/errors.js';
import { resolveHostedZoneId } from '../route53/listing.js';
import { DEFAULT_OWNER_ID } from '../enactor/shard-fence.js';
import { addEndpointUrlOption } from './endpoint-url.js';
import { checkOwnerId, OWNER_ID_HELP } from './zone-target.js';

export interface LiveFenceOptions {
  endpointUrl?: string;
  zone?: string;
  ownerId?: string;
}

export function addLiveFenceOptions(command: Command): Command {
  return addEndpointUrlOption(
    command,
    'Route53 API URL whose live fences new generation numbers stay above (default: AWS_ENDPOINT_URL_ROUTE_53, AWS_ENDPOINT_URL; with neither and no --zone, the plan store alone numbers)',
  )
    .option(
      '--zone <name-or-id>',
      "hosted zone whose fences to read (default: the fleet file's zone); naming it reads the fences on AWS too",
    )
    .option('--owner-id <id>', OWNER_ID_HELP, DEFAULT_OWNER_ID);
}

export interface LiveFenceReader {
  read: () => Promise<number>;
  /** For logs: which zone at which Route53 URL. */
  describe: string;
  close: () => void;
}

/** The reader the planner is given, or undefined when no Route53 is known (see the file comment). */
export function liveFenceReader(options: LiveFenceOptions, fleetZone: string): LiveFenceReader | undefined {
  checkOwnerId(options.ownerId);
  // An empty variable (AWS_ENDPOINT_URL= in a script) names no URL.
  const url = configuredRoute53Url({ endpoint: options.endpointUrl }) || undefined;
  if (url === undefined && options.zone === undefined) return undefined;
  const zone = options.zone ?? fleetZone;
  const where = url ?? 'AWS';
  const sdk = createRoute53Client({ endpoint: options.endpointUrl, requestTimeoutMs: 10_000 });
  const client = sdkPort(sdk);
  let zoneId: string | undefined;
  return {
    describe: `zone ${zone} at ${where}`,
    async read() {
      try {
        zoneId ??= await resolveHostedZoneId(client, zone);
        return await highestLiveFence(client, zoneId, options.ownerId);
      } catch (error) {
        throw new Error(`reading the fences of zone ${zone} at ${where}: ${describeError(error)}`, { cause: error });
      }
    },
    close: () => sdk.destroy(),
  };
}

/** Printed (stderr) by a writing planner that has no zone to read fences from. */
export const NO_LIVE_FENCES_NOTE =
  'note: no Route53 API URL or --zone given, so live fences are not read: generation numbers come from the plan store alone (pass --endpoint-url URL to keep them above every live fence)';
