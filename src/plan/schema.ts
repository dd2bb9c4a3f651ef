// A plan is the planner's whole intent for one generation. Types are inferred from the schema so that the
// schema is the single source of truth, and every plan read from disk or S3 is parsed through it.
import { z } from 'zod';
import { strictObject } from '../config/strict.js';
import { normalizeName } from '../route53/recordset.js';

export const FQDN_PATTERN = /^([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.?$/i;

/** A DNS name, normalised (lower case, trailing dot). Shared with the fleet file schema. */
export const fqdn = z.string().min(1).max(255).regex(FQDN_PATTERN, 'must be a DNS name').transform(normalizeName);

export const WeightedSetSchema = strictObject({
  /** The load balancer this set stands for; Route53's SetIdentifier. */
  setIdentifier: z.string().min(1).max(128),
  weight: z.number().int().min(0).max(255),
  values: z.array(z.string().min(1)).min(1).max(400),
});

/**
 * Issues for values that are not addresses of the endpoint's family, or repeat one. Route53 rejects such a
 * batch (ARRDATAIllegalIPv4Address, Duplicate Resource Record), and an enactor would resend it every pass,
 * failing the endpoints packed with it: a plan or fleet file is refused here instead, naming the field.
 */
// Built once: constructing a zod schema per endpoint was a fifth of a 1,000-endpoint plan's parse.
const ADDRESS = { A: z.ipv4(), AAAA: z.ipv6() };

/** Whether `value` is an address of the family `type` (zod's own check, shared with the plan's fast path). */
export function isAddressOf(type: 'A' | 'AAAA', value: string): boolean {
  return ADDRESS[type].safeParse(value).success;
}

export function checkAddresses(
  type: 'A' | 'AAAA',
  values: readonly string[],
  path: Array<string | number>,
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  values.forEach((value, j) => {
    if (!isAddressOf(type, value)) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, j],
        message: `${value} is not an ${type === 'A' ? 'IPv4' : 'IPv6'} address`,
      });
    } else if (seen.has(value)) {
      ctx.addIssue({ code: 'custom', path: [...path, j], message: `duplicate address ${value}` });
    }
    seen.add(value);
  });
}

export const EndpointPlanSchema = strictObject({
  name: fqdn,
  type: z.enum(['A', 'AAAA']),
  ttl: z.number().int().min(0).max(2147483647),
  sets: z.array(WeightedSetSchema).min(1, 'an endpoint must have at least one record set').max(100),
}).superRefine((endpoint, ctx) => {
  const seen = new Set<string>();
  endpoint.sets.forEach((set, i) => {
    if (seen.has(set.setIdentifier)) {
      ctx.addIssue({
        code: 'custom',
        path: ['sets', i, 'setIdentifier'],
        message: `duplicate setIdentifier ${set.setIdentifier}`,
      });
    }
    seen.add(set.setIdentifier);
    checkAddresses(endpoint.type, set.values, ['sets', i, 'values'], ctx);
  });
});

export const PlanSchema = strictObject({
  generation: z.number().int().positive(),
  createdAt: z.string().datetime(),
  createdBy: z.string().min(1),
  /** The hosted zone every endpoint lives in. */
  zone: fqdn,
  endpoints: z.array(EndpointPlanSchema),
}).superRefine(refineEndpointsInZone);

/** Endpoints are unique by name and type and lie inside the zone (shared by the plan and fleet schemas). */
export function refineEndpointsInZone(
  document: { zone: string; endpoints: ReadonlyArray<{ name: string; type: string }> },
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  document.endpoints.forEach((endpoint, i) => {
    const key = `${endpoint.name}|${endpoint.type}`;
    if (seen.has(key))
      ctx.addIssue({ code: 'custom', path: ['endpoints', i, 'name'], message: `duplicate endpoint ${key}` });
    seen.add(key);
    if (endpoint.name !== document.zone && !endpoint.name.endsWith(`.${document.zone}`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['endpoints', i, 'name'],
        message: `${endpoint.name} is outside zone ${document.zone}`,
      });
    }
  });
}

export type WeightedSet = z.infer<typeof WeightedSetSchema>;
export type EndpointPlan = z.infer<typeof EndpointPlanSchema>;
export type Plan = z.infer<typeof PlanSchema>;

/** Parses untrusted input into a plan; the error names every offending field. */
export function parsePlan(input: unknown, source = 'plan'): Plan {
  const result = PlanSchema.safeParse(input);
  if (!result.success) throw new PlanValidationError(source, result.error);
  return result.data;
}

export class PlanValidationError extends Error {
  constructor(
    readonly source: string,
    readonly zodError: z.ZodError,
  ) {
    super(`${source} is not a valid plan:\n${z.prettifyError(zodError)}`);
    this.name = 'PlanValidationError';
  }
}
