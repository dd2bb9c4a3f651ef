// The few plans an enactor keeps in memory: the latest it read, and older or newer generations it had to read
// to judge a fence that is ahead of its latest plan (another enactor applied a plan it cannot list yet).
import type { Plan } from '../plan/schema.js';
import type { PlanStore } from '../plan/store.js';

/** Plans kept; the oldest remembered goes first. */
const SIZE = 8;

export class PlanCache {
  private readonly plans = new Map<number, Plan>();

  constructor(private readonly store: PlanStore) {}

  remember(plan: Plan): void {
    this.plans.set(plan.generation, plan);
    while (this.plans.size > SIZE) this.plans.delete(this.plans.keys().next().value as number);
  }

  /** Generation `generation`, from memory or the store; undefined when the store does not have it (yet). */
  async at(generation: number): Promise<Plan | undefined> {
    const cached = this.plans.get(generation);
    if (cached) return cached;
    const plan = await this.store.read(generation);
    // Remember only plans that exist (one may still be on its way to a slow store).
    if (plan) this.remember(plan);
    return plan;
  }
}
