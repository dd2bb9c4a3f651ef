// The fleet file: what the planner plans for. It names the zone, each endpoint (a DNS name and type) and the
// load balancers behind it, with their capacity and health-check URL. JSON, validated by zod, so a typo in
// the file is reported with the file and the field rather than surfacing later as a strange plan.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { strictObject } from '../config/strict.js';
import { checkAddresses, fqdn as dnsName, refineEndpointsInZone } from './schema.js';

/** The planner's default velocity limit; rollback chains use it too unless told otherwise. */
export const DEFAULT_MAX_DROP_SHARE = 0.25;

const ttl = z.number().int().min(0).max(2147483647);

export const FleetDefaultsSchema = strictObject({
  ttl: ttl.default(60),
  /** The largest share of an endpoint's capacity one generation may take out of service (velocity control). */
  maxCapacityDropShare: z.number().gt(0).max(1).default(DEFAULT_MAX_DROP_SHARE),
  /** Consecutive failed checks before a healthy load balancer counts as unhealthy. */
  failuresToUnhealthy: z.number().int().min(1).max(100).default(3),
  /** Consecutive good checks before an unhealthy load balancer counts as healthy again. */
  successesToHealthy: z.number().int().min(1).max(100).default(2),
  /** Per-check timeout; a target that does not answer in time has failed that check. */
  healthTimeoutMs: z.number().int().min(1).max(60_000).default(2000),
});

export const LoadBalancerSchema = strictObject({
  /** Becomes the record set's SetIdentifier. */
  id: z.string().min(1).max(128),
  addresses: z.array(z.string().min(1)).min(1).max(400),
  /** Relative capacity (any unit, the same across the endpoint); weights are proportional to it. */
  capacity: z.number().positive(),
  healthCheckUrl: z.url({ protocol: /^https?$/ }),
});

export const FleetEndpointSchema = strictObject({
  name: dnsName,
  type: z.enum(['A', 'AAAA']),
  ttl: ttl.optional(),
  loadBalancers: z.array(LoadBalancerSchema).min(1, 'an endpoint needs at least one load balancer').max(100),
}).superRefine((endpoint, ctx) => {
  const seen = new Set<string>();
  endpoint.loadBalancers.forEach((lb, i) => {
    if (seen.has(lb.id))
      ctx.addIssue({
        code: 'custom',
        path: ['loadBalancers', i, 'id'],
        message: `duplicate load balancer id ${lb.id}`,
      });
    seen.add(lb.id);
    checkAddresses(endpoint.type, lb.addresses, ['loadBalancers', i, 'addresses'], ctx);
  });
});

export const FleetSchema = strictObject({
  zone: dnsName,
  defaults: FleetDefaultsSchema.prefault({}),
  endpoints: z.array(FleetEndpointSchema).min(1),
}).superRefine(refineEndpointsInZone);

export type Fleet = z.infer<typeof FleetSchema>;
export type FleetEndpoint = z.infer<typeof FleetEndpointSchema>;
export type LoadBalancer = z.infer<typeof LoadBalancerSchema>;
export type FleetDefaults = z.infer<typeof FleetDefaultsSchema>;

export class FleetValidationError extends Error {
  constructor(
    readonly source: string,
    readonly zodError?: z.ZodError,
    detail?: string,
  ) {
    super(
      `${source} is not a valid fleet file:\n${detail ?? (zodError ? z.prettifyError(zodError) : 'unknown error')}`,
    );
    this.name = 'FleetValidationError';
  }
}

export function parseFleet(input: unknown, source = 'fleet'): Fleet {
  const result = FleetSchema.safeParse(input);
  if (!result.success) throw new FleetValidationError(source, result.error);
  return result.data;
}

export async function loadFleet(file: string): Promise<Fleet> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read fleet file ${file}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FleetValidationError(file, undefined, `not JSON: ${(error as Error).message}`);
  }
  return parseFleet(json, file);
}

/** The TTL an endpoint's records get: its own, or the fleet default. */
export function endpointTtl(fleet: Fleet, endpoint: FleetEndpoint): number {
  return endpoint.ttl ?? fleet.defaults.ttl;
}
