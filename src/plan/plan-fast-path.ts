// A hand-written check of a plan that replaces zod on one measured hot path: an enactor reading a stored plan
// (BENCHMARKS.md, "Scale": zod was 1.2 s of CPU for a 100,000-endpoint plan, the largest part of reading it).
// PlanSchema (schema.ts) stays the one schema. This check only ever ACCEPTS: when it returns a plan, zod would
// have accepted the same input and returned an equal value (test/plan/plan-fast-path.test.ts checks both on
// generated and mutated plans); whenever it is unsure it returns undefined and zod decides, so an error
// still names the field.
import { normalizeName } from '../route53/recordset.js';
import { FQDN_PATTERN, isAddressOf, parsePlan, PlanSchema, type EndpointPlan, type Plan } from './schema.js';

const ENDPOINT_KEYS = ['name', 'type', 'ttl', 'sets'];
const SET_KEYS = ['setIdentifier', 'weight', 'values'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Exactly these own keys, no others (a strict object with every field required). */
function hasExactly(value: Record<string, unknown>, keys: readonly string[]): boolean {
  const own = Object.keys(value);
  return own.length === keys.length && keys.every((key) => Object.hasOwn(value, key));
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** A name zod would accept and leave unchanged (so the value returned is zod's). */
function isNormalName(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= 255 &&
    FQDN_PATTERN.test(value) &&
    normalizeName(value) === value
  );
}

function isSet(value: unknown, type: 'A' | 'AAAA'): value is Record<string, unknown> {
  if (!isRecord(value) || !hasExactly(value, SET_KEYS)) return false;
  const { setIdentifier, weight, values } = value;
  if (typeof setIdentifier !== 'string' || setIdentifier.length < 1 || setIdentifier.length > 128) return false;
  if (!isIntegerIn(weight, 0, 255)) return false;
  if (!Array.isArray(values) || values.length < 1 || values.length > 400) return false;
  const seen = new Set<string>();
  for (const address of values as unknown[]) {
    if (typeof address !== 'string' || seen.has(address) || !isAddressOf(type, address)) return false;
    seen.add(address);
  }
  return true;
}

function isEndpoint(value: unknown, zone: string): value is Record<string, unknown> {
  if (!isRecord(value) || !hasExactly(value, ENDPOINT_KEYS)) return false;
  const { name, type, ttl, sets } = value;
  if (!isNormalName(name) || (name !== zone && !name.endsWith(`.${zone}`))) return false;
  if (type !== 'A' && type !== 'AAAA') return false;
  if (!isIntegerIn(ttl, 0, 2147483647)) return false;
  if (!Array.isArray(sets) || sets.length < 1 || sets.length > 100) return false;
  const identifiers = new Set<unknown>();
  for (const set of sets as unknown[]) {
    if (!isSet(set, type)) return false;
    if (identifiers.has(set.setIdentifier)) return false;
    identifiers.add(set.setIdentifier);
  }
  return true;
}

/** The plan `input` already is, when it certainly passes PlanSchema unchanged; else undefined (ask zod). */
export function acceptPlanFast(input: unknown): Plan | undefined {
  if (!isRecord(input) || !Array.isArray(input.endpoints)) return undefined;
  // The few top-level fields go through zod itself (with no endpoints: cheap); their output must equal the input.
  const header = PlanSchema.safeParse({ ...input, endpoints: [] });
  if (!header.success || header.data.zone !== input.zone) return undefined;
  return acceptEndpointsFast(input.endpoints, header.data.zone) ? (input as Plan) : undefined;
}

/** The endpoints `input` already is, when each certainly passes the plan's schema unchanged and none repeats. */
export function acceptEndpointsFast(input: unknown, zone: string): EndpointPlan[] | undefined {
  if (!Array.isArray(input)) return undefined;
  const keys = new Set<string>();
  for (const endpoint of input as unknown[]) {
    if (!isEndpoint(endpoint, zone)) return undefined;
    const key = `${endpoint.name as string}|${endpoint.type as string}`;
    if (keys.has(key)) return undefined;
    keys.add(key);
  }
  return input as EndpointPlan[];
}

/**
 * parsePlan for a value the caller owns outright (JSON it has just parsed): the plan returned may be `input`
 * itself rather than a copy, so nothing else may hold or change it.
 */
export function parseOwnedPlan(input: unknown, source: string): Plan {
  return acceptPlanFast(input) ?? parsePlan(input, source);
}
