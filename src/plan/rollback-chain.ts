// A rollback as a chain of plans: from the latest plan's content toward an old generation's, each step within
// the planner's velocity limit (weights.ts), so that rolling back is never a bigger drop in serving weight
// than the planner itself would make in one generation. Pure: the caller numbers and stores the steps.
//
// Per endpoint of the target: a set the target keeps or adds takes the target's values at once and rises to
// its weight at once (adding capacity is never limited); a weight that falls, or a set the target drops
// (drained with its current values), falls by at most floor(share × the endpoint's weight) per step. The
// endpoint's weight is fixed for the whole chain, as the planner's scale is fixed by the fleet file: the sum
// over its sets of the larger of the latest plan's and the target's weight (so 1020 -> 255 at 0.25 is 765,
// 510, 255, as the planner drains, not a shrinking share of what is left). An endpoint the target adds appears in the
// first step; one the target no longer has is kept unchanged until the last step, which is exactly the
// target's content.
import { endpointKey } from '../route53/recordset.js';
import type { EndpointPlan } from './schema.js';
import { dropBudget, limitedStep, toPlan, type Unit } from './weights.js';

/** A chain longer than this is refused: the share is too small to be meant. */
export const MAX_CHAIN_STEPS = 100;

export interface ChainStep {
  endpoints: EndpointPlan[];
  /** Endpoints whose drop this step held back (the rest follows in later steps). */
  limited: string[];
}

export interface ChainOptions {
  /** Largest share of an endpoint's weight one step may take out of service, in (0, 1]. */
  maxDropShare: number;
  /** One step straight to the target, no velocity limit. */
  force?: boolean;
}

/** The steps from `from` to `to`; the last one's endpoints are `to` exactly. Never empty. */
export function rollbackChain(
  from: readonly EndpointPlan[],
  to: readonly EndpointPlan[],
  options: ChainOptions,
): ChainStep[] {
  if (!(options.maxDropShare > 0 && options.maxDropShare <= 1))
    throw new Error(`max drop share must be in (0, 1], got ${options.maxDropShare}`);
  if (options.force) return [{ endpoints: structuredClone([...to]), limited: [] }];
  const steps: ChainStep[] = [];
  const budgets = chainBudgets(from, to, options.maxDropShare);
  let current = [...from];
  for (;;) {
    const step = nextStep(current, to, budgets);
    if (step.limited.length === 0) {
      steps.push({ endpoints: structuredClone([...to]), limited: [] });
      return steps;
    }
    if (steps.length + 1 >= MAX_CHAIN_STEPS) {
      throw new Error(
        `a rollback at max drop share ${options.maxDropShare} would take more than ${MAX_CHAIN_STEPS} generations; raise the share or use --force`,
      );
    }
    steps.push(step);
    current = step.endpoints;
  }
}

/** Per endpoint in both: the weight one step may take out of service, fixed for the chain. */
function chainBudgets(
  from: readonly EndpointPlan[],
  to: readonly EndpointPlan[],
  maxDropShare: number,
): Map<string, number> {
  const start = new Map(from.map((endpoint) => [endpointKey(endpoint.name, endpoint.type), endpoint]));
  const budgets = new Map<string, number>();
  for (const wanted of to) {
    const key = endpointKey(wanted.name, wanted.type);
    const before = start.get(key);
    if (before) budgets.set(key, dropBudget(stepUnits(before, wanted), maxDropShare));
  }
  return budgets;
}

/** One step from `current` toward `target`: endpoints absent from the target stay as they are (see above). */
function nextStep(
  current: readonly EndpointPlan[],
  target: readonly EndpointPlan[],
  budgets: ReadonlyMap<string, number>,
): ChainStep {
  const now = new Map(current.map((endpoint) => [endpointKey(endpoint.name, endpoint.type), endpoint]));
  const limited: string[] = [];
  const endpoints = target.map((wanted) => {
    const key = endpointKey(wanted.name, wanted.type);
    const before = now.get(key);
    now.delete(key);
    if (!before) return structuredClone(wanted);
    const units = stepUnits(before, wanted);
    const step = limitedStep(units, budgets.get(key)!);
    if (step.limited) limited.push(key);
    return toPlan(wanted, units, step.weights);
  });
  return { endpoints: [...endpoints, ...now.values()], limited };
}

function stepUnits(before: EndpointPlan, wanted: EndpointPlan): Unit[] {
  const previous = new Map(before.sets.map((set) => [set.setIdentifier, set]));
  const units: Unit[] = wanted.sets.map((set) => {
    const weight = previous.get(set.setIdentifier)?.weight ?? 0;
    return {
      id: set.setIdentifier,
      values: set.values,
      full: Math.max(weight, set.weight),
      target: set.weight,
      previous: weight,
    };
  });
  const kept = new Set(units.map((unit) => unit.id));
  for (const set of before.sets) {
    if (!kept.has(set.setIdentifier))
      units.push({ id: set.setIdentifier, values: set.values, full: set.weight, target: 0, previous: set.weight });
  }
  return units;
}
