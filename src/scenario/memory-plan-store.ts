// An in-memory PlanStore with the file store's contract (never overwrite; refuse to delete a live generation),
// for the randomized interleaving tests, where a case must cost microseconds. Everything else uses the file
// or S3 store.
import { parseFreeze, type Freeze } from '../plan/freeze.js';
import { parseHint, type EnactmentHint } from '../plan/hint.js';
import { parsePlan, type Plan } from '../plan/schema.js';
import { LivePlanError, PlanExistsError, type PlanStore } from '../plan/store.js';

export interface MemoryPlanStoreOptions {
  /**
   * false: a write of an existing generation silently replaces it, as on a store that ignores If-None-Match
   * (moto's S3): two planners can then both "win" one generation with different content.
   */
  atomic?: boolean;
  /** Called, synchronously, after every stored write and every delete (the interleaving checks watch them). */
  onWrite?: (plan: Plan) => void;
  onDelete?: (generation: number) => void;
}

export class MemoryPlanStore implements PlanStore {
  readonly location = 'memory:';
  private readonly plans = new Map<number, Plan>();
  private freeze: Freeze | undefined;
  private hint: EnactmentHint | undefined;

  constructor(private readonly options: MemoryPlanStoreOptions = {}) {}

  async write(plan: Plan): Promise<void> {
    const valid = parsePlan(plan, `plan generation ${plan.generation}`);
    if (this.plans.has(valid.generation) && this.options.atomic !== false)
      throw new PlanExistsError(valid.generation, this.location);
    // Stored frozen and handed out as is, as the file store's latest() hands out one object while the file is
    // unchanged: plans are immutable, and a reader that tried to change one would throw. Cloning on every read
    // also made every pass split the plan into shards again (shardPlan memoises per plan object).
    const stored = deepFreeze(structuredClone(valid));
    this.plans.set(valid.generation, stored);
    this.options.onWrite?.(stored);
  }

  /** Whether a generation is stored now (synchronous, for checks that run inside a zone commit). */
  has(generation: number): boolean {
    return this.plans.has(generation);
  }

  async read(generation: number): Promise<Plan | undefined> {
    const plan = this.plans.get(generation);
    return plan;
  }

  async latest(): Promise<Plan | undefined> {
    const last = (await this.list()).at(-1);
    return last === undefined ? undefined : this.read(last);
  }

  async list(): Promise<number[]> {
    return [...this.plans.keys()].sort((a, b) => a - b);
  }

  async delete(generation: number, guard: { live: ReadonlySet<number> }): Promise<void> {
    if (guard.live.has(generation)) throw new LivePlanError(generation);
    this.plans.delete(generation);
    this.options.onDelete?.(generation);
  }

  async readFreeze(): Promise<Freeze | undefined> {
    return this.freeze && structuredClone(this.freeze);
  }

  async writeFreeze(freeze: Freeze): Promise<void> {
    this.freeze = parseFreeze(freeze, 'freeze');
  }

  async clearFreeze(): Promise<void> {
    this.freeze = undefined;
  }

  async readHint(): Promise<EnactmentHint | undefined> {
    return this.hint && structuredClone(this.hint);
  }

  async writeHint(hint: EnactmentHint): Promise<void> {
    this.hint = parseHint(hint, 'hint');
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
