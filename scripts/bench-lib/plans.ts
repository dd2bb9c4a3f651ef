// Synthetic plans for the benchmarks: N endpoints × S weighted sets, one address per set. Every address
// carries the generation in its second octet, so one DNS answer tells which generation an endpoint serves.
import type { Plan } from '../../src/plan/schema.js';

export const BENCH_ZONE = 'scale.bench.test.';

export function endpointName(i: number): string {
  return `e${i}.${BENCH_ZONE}`;
}

export interface PlanShape {
  endpoints: number;
  setsPerEndpoint: number;
  /** Addresses per set (default 1); each one is a ResourceRecord element of a request. */
  valuesPerSet?: number;
}

/** Distinct per (endpoint, set, value) for up to 65,536 endpoints; the second octet is the generation. */
export function address(generation: number, endpoint: number, set: number, value = 0): string {
  return `${10 + set * 8 + value}.${generation % 256}.${(endpoint >> 8) & 255}.${endpoint & 255}`;
}

/** Every endpoint's sets with addresses of `addressGeneration`; weights 1..S. */
export function benchPlan(
  generation: number,
  shape: PlanShape,
  options: { addressGeneration?: number; weightShift?: (endpoint: number, set: number) => number } = {},
): Plan {
  const addressGeneration = options.addressGeneration ?? generation;
  return {
    generation,
    createdAt: new Date().toISOString(),
    createdBy: 'bench',
    zone: BENCH_ZONE,
    endpoints: Array.from({ length: shape.endpoints }, (_, e) => ({
      name: endpointName(e),
      type: 'A' as const,
      ttl: 60,
      sets: Array.from({ length: shape.setsPerEndpoint }, (_, s) => ({
        setIdentifier: `lb-${s}`,
        weight: (s + 1 + (options.weightShift?.(e, s) ?? 0)) % 256,
        values: Array.from({ length: shape.valuesPerSet ?? 1 }, (_, v) => address(addressGeneration, e, s, v)),
      })),
    })),
  };
}

/**
 * The churn generation: 10% of all record sets change weight (one set in every other endpoint, rotating
 * through the load balancers), as when a planner drains or restores capacity across the fleet.
 */
export function churnPlan(generation: number, shape: PlanShape, base: number): Plan {
  return benchPlan(generation, shape, {
    addressGeneration: base,
    weightShift: (e, s) => (e % 2 === 0 && s === (e >> 1) % shape.setsPerEndpoint ? 100 : 0),
  });
}

/** Record sets (not counting fences) that churnPlan changes. */
export function churnedSets(shape: PlanShape): number {
  return Math.ceil(shape.endpoints / 2);
}
