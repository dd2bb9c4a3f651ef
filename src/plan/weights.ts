// The planner's arithmetic, free of I/O: health and capacity in, one endpoint's weighted sets out.
//
// Weights live on a fixed scale: a load balancer's full weight is 255 × capacity ÷ the endpoint's largest
// capacity. Because the scale depends only on the fleet file, a weight in the previous plan can be read back
// as "capacity in service", which is what velocity control needs, and the planner needs no memory beyond
// the latest stored plan (a restarted or second planner continues where the last one stopped).
//
// Velocity control works in the same weight units: one generation may take at most
// floor(share × the endpoint's total weight) out of service (at least one unit, so a drain always
// progresses). Adding capacity is never limited. When the drops wanted exceed the budget, the budget is
// shared between the draining load balancers in proportion to what each still has to lose.
import type { EndpointPlan, WeightedSet } from './schema.js';

export const MAX_WEIGHT = 255;

export interface LoadBalancerInput {
  id: string;
  addresses: string[];
  capacity: number;
  healthy: boolean;
}

export interface EndpointInput {
  name: string;
  type: 'A' | 'AAAA';
  ttl: number;
  loadBalancers: LoadBalancerInput[];
  /** The endpoint as the latest stored plan has it, if it has it at all. */
  previous?: EndpointPlan;
  /** The share of the endpoint's total weight one generation may remove, in (0, 1]. */
  maxDropShare: number;
}

export type EndpointMode =
  /** Weights follow health and capacity, within the velocity budget. */
  | 'normal'
  /** Nothing is healthy: the previous sets are kept unchanged. */
  | 'fail-static'
  /** Nothing is healthy and there is no previous plan: every load balancer is planned (as Route53 fails open). */
  | 'fail-open';

export interface EndpointDecision {
  plan: EndpointPlan;
  mode: EndpointMode;
  /** True when the velocity budget held back part of a drop; later generations continue it. */
  velocityLimited: boolean;
  /** Weight units taken out of service by this generation, and the most that was allowed. */
  removed: number;
  budget: number;
}

/** One weighted set on its way from its previous weight to a target. */
export interface Unit {
  id: string;
  values: string[];
  /** Full weight: what the load balancer gets when healthy. */
  full: number;
  target: number;
  previous: number;
}

/** A load balancer's weight at full health, on the endpoint's fixed scale (never 0 for real capacity). */
export function fullWeight(capacity: number, largestCapacity: number): number {
  return Math.max(1, Math.round((MAX_WEIGHT * capacity) / largestCapacity));
}

export function planEndpoint(input: EndpointInput): EndpointDecision {
  const units = toUnits(input);
  const budget = dropBudget(units, input.maxDropShare);
  const nothingHealthy = units.every((unit) => unit.target === 0);

  if (nothingHealthy && input.previous) {
    return { plan: input.previous, mode: 'fail-static', velocityLimited: false, removed: 0, budget };
  }
  if (nothingHealthy || !input.previous) {
    // A new endpoint has nothing in service to protect; with nothing healthy it fails open rather than empty.
    const next = units.map((unit) => (nothingHealthy ? unit.full : unit.target));
    return {
      plan: toPlan(input, units, next),
      mode: nothingHealthy ? 'fail-open' : 'normal',
      velocityLimited: false,
      removed: 0,
      budget,
    };
  }

  const step = limitedStep(units, budget);
  return {
    plan: toPlan(input, units, step.weights),
    mode: 'normal',
    velocityLimited: step.limited,
    removed: step.removed,
    budget,
  };
}

/** The weight budget one step may take out of service: floor(share × total full weight), at least one unit. */
export function dropBudget(units: ReadonlyArray<Pick<Unit, 'full'>>, maxDropShare: number): number {
  return Math.max(1, Math.floor(maxDropShare * units.reduce((sum, unit) => sum + unit.full, 0)));
}

/**
 * One velocity-limited step from each unit's previous weight toward its target: rises are taken whole, drops
 * share the budget. The planner steps from the last plan toward health; rollback steps from the latest plan
 * toward an old generation's weights (rollback-chain.ts).
 */
export function limitedStep(
  units: readonly Unit[],
  budget: number,
): { weights: number[]; removed: number; limited: boolean } {
  const wanted = units.map((unit) => Math.max(0, unit.previous - unit.target));
  const wantedTotal = wanted.reduce((a, b) => a + b, 0);
  const allowed = wantedTotal <= budget ? wanted : shareBudget(units, wanted, wantedTotal, budget);
  const weights = units.map((unit, i) => (wanted[i] > 0 ? unit.previous - allowed[i] : unit.target));
  return { weights, removed: allowed.reduce((a, b) => a + b, 0), limited: wantedTotal > budget };
}

function toUnits(input: EndpointInput): Unit[] {
  const largest = Math.max(...input.loadBalancers.map((lb) => lb.capacity));
  const previous = new Map((input.previous?.sets ?? []).map((set) => [set.setIdentifier, set]));
  const units: Unit[] = input.loadBalancers.map((lb) => {
    const full = fullWeight(lb.capacity, largest);
    return {
      id: lb.id,
      values: lb.addresses,
      full,
      target: lb.healthy ? full : 0,
      previous: previous.get(lb.id)?.weight ?? 0,
    };
  });
  // A load balancer dropped from the fleet file is drained like an unhealthy one, with its last values.
  const known = new Set(units.map((unit) => unit.id));
  for (const set of previous.values()) {
    if (!known.has(set.setIdentifier))
      units.push({ id: set.setIdentifier, values: set.values, full: set.weight, target: 0, previous: set.weight });
  }
  return units;
}

/** Integer shares of the budget, proportional to what each unit wants to lose (largest remainder method). */
function shareBudget(units: readonly Unit[], wanted: number[], wantedTotal: number, budget: number): number[] {
  const exact = wanted.map((w) => (w * budget) / wantedTotal);
  const allowed = exact.map(Math.floor);
  let left = budget - allowed.reduce((a, b) => a + b, 0);
  const byRemainder = units
    .map((unit, i) => ({ i, remainder: exact[i] - allowed[i], id: unit.id }))
    .sort((a, b) => b.remainder - a.remainder || a.id.localeCompare(b.id));
  for (const { i } of byRemainder) {
    if (left === 0) break;
    if (allowed[i] < wanted[i]) {
      allowed[i] += 1;
      left -= 1;
    }
  }
  return allowed;
}

export function toPlan(
  input: Pick<EndpointInput, 'name' | 'type' | 'ttl'>,
  units: readonly Unit[],
  weights: number[],
): EndpointPlan {
  const sets: WeightedSet[] = units
    .map((unit, i) => ({ setIdentifier: unit.id, weight: Math.min(MAX_WEIGHT, weights[i]), values: [...unit.values] }))
    .filter((set) => set.weight > 0)
    .sort((a, b) => a.setIdentifier.localeCompare(b.setIdentifier));
  return { name: input.name, type: input.type, ttl: input.ttl, sets };
}
