// Rollback is a roll forward: generation G's content is republished as a new, higher generation, which the
// enactors then apply like any other (fenced, guarded). Fences never go backwards, so an old generation
// could never be written over a newer fence anyway.
import type { Plan } from '../plan/schema.js';
import { PlanExistsError, type PlanStore } from '../plan/store.js';

export async function rollback(store: PlanStore, to: number, by: string): Promise<Plan> {
  const source = await store.read(to);
  if (!source) throw new Error(`plan generation ${to} is not in ${store.location}; nothing to roll back to`);
  // A planner may publish concurrently: take the next free generation, a few times at most.
  for (let attempt = 0; attempt < 5; attempt++) {
    const latest = await store.latest();
    const plan: Plan = {
      ...source,
      generation: (latest?.generation ?? 0) + 1,
      createdAt: new Date().toISOString(),
      createdBy: `${by} (rollback to generation ${to})`,
    };
    try {
      await store.write(plan);
      return plan;
    } catch (error) {
      if (!(error instanceof PlanExistsError)) throw error;
    }
  }
  throw new Error(`could not publish the rollback of generation ${to}: ${store.location} kept gaining newer generations`);
}
