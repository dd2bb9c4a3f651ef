// What the probe asks about. Normally the endpoints of the latest plan, re-read every round so a new generation
// is probed as soon as it is written; or names given by hand, with nothing to compare their answers to.
import type { Plan } from '../plan/schema.js';
import type { PlanStore } from '../plan/store.js';
import { normalizeName } from '../route53/recordset.js';

export interface ProbeTarget {
  /** Fully qualified, lower-case, with the trailing dot. */
  name: string;
  type: string;
  /** The values of each planned record set; absent when the names came from the command line. */
  plannedSets?: string[][];
}

export interface TargetList {
  targets: ProbeTarget[];
  /** The plan generation the targets came from. */
  generation?: number;
}

export type TargetSource = () => Promise<TargetList>;

export function targetsOfPlan(plan: Plan): ProbeTarget[] {
  return plan.endpoints.map((endpoint) => ({
    name: endpoint.name,
    type: endpoint.type,
    plannedSets: endpoint.sets.map((set) => [...set.values]),
  }));
}

/** Reads the latest plan each round. A store with no plan yet gives no targets rather than an error. */
export function latestPlanTargets(store: PlanStore): TargetSource {
  return async () => {
    const plan = await store.latest();
    return plan ? { targets: targetsOfPlan(plan), generation: plan.generation } : { targets: [] };
  };
}

export function fixedTargets(names: readonly string[], type = 'A'): TargetSource {
  const targets = names.map((name) => ({ name: normalizeName(name), type: type.toUpperCase() }));
  return async () => ({ targets });
}
