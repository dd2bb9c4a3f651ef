// Rollback is a roll forward: generation G's content is republished as new, higher generations, which the
// enactors then apply like any other (fenced, guarded). Fences never go backwards, so an old generation
// could never be written over a newer fence anyway.
//
// It is a chain, not a jump: each new generation moves from the one before toward G's content within the
// planner's velocity limit (plan/rollback-chain.ts), so a rollback never takes more serving weight out of an
// endpoint in one generation than the planner would. --force makes it one step, on the operator's word.
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_MAX_DROP_SHARE } from '../plan/fleet.js';
import { nextGeneration } from '../plan/planner.js';
import { rollbackChain, type ChainStep } from '../plan/rollback-chain.js';
import type { Plan } from '../plan/schema.js';
import { PlanExistsError, type PlanStore } from '../plan/store.js';

export interface RollbackOptions {
  /** Recorded in each new plan's createdBy. */
  by: string;
  /** Largest share of an endpoint's weight one step may remove (default: the planner's default). */
  maxDropShare?: number;
  /** One step straight to G's content: no velocity limit. */
  force?: boolean;
  /** Time between publishing two steps (default 0: the whole chain at once). */
  stepIntervalMs?: number;
  /** The highest generation live in the zone's fences: the chain is numbered above it too (I8). */
  highestLiveFence?: () => Promise<number>;
  /** Called after each step is stored. */
  onStep?: (plan: Plan, index: number, total: number, step: ChainStep) => void;
  signal?: AbortSignal;
}

export interface RollbackResult {
  /** The latest generation when the rollback started (undefined: the store had no plan). */
  from?: number;
  to: number;
  /** The generations published, in order; the last one has G's content. */
  published: Plan[];
}

/** A planner (or another rollback) published in the middle of the chain: stop rather than fight it. */
export class RollbackInterruptedError extends Error {
  constructor(
    readonly published: Plan[],
    readonly total: number,
    readonly other: number,
  ) {
    super(
      `generation ${other} was published by another writer while the rollback chain was being written; stopped after step ` +
        `${published.length} of ${total} (published: ${published.map((plan) => plan.generation).join(', ') || 'none'}). ` +
        'Stop the other writer (a planner replans over a rollback) and run the rollback again to continue from the latest plan.',
    );
    this.name = 'RollbackInterruptedError';
  }
}

export async function rollback(store: PlanStore, to: number, options: RollbackOptions): Promise<RollbackResult> {
  const source = await store.read(to);
  if (!source) throw new Error(`plan generation ${to} is not in ${store.location}; nothing to roll back to`);
  const maxDropShare = options.maxDropShare ?? DEFAULT_MAX_DROP_SHARE;
  const live = (await options.highestLiveFence?.()) ?? 0;
  // A planner may publish before the first step: recompute from the new latest and take the next free
  // generation, a few times at most. After the first step, any other writer stops the chain.
  for (let attempt = 0; attempt < 5; attempt++) {
    const latest = await store.latest();
    const steps = rollbackChain(latest?.endpoints ?? [], source.endpoints, {
      maxDropShare,
      force: options.force ?? false,
    });
    const published: Plan[] = [];
    // The first step is numbered as the planner numbers (above the store and every live fence); each next one follows it.
    let previous = nextGeneration(latest?.generation ?? 0, live) - 1;
    for (const [index, step] of steps.entries()) {
      if (index > 0) {
        if (options.stepIntervalMs) await sleep(options.stepIntervalMs, undefined, { signal: options.signal });
        const newest = await store.latest();
        if (newest && newest.generation !== previous)
          throw new RollbackInterruptedError(published, steps.length, newest.generation);
      }
      const plan: Plan = {
        generation: previous + 1,
        createdAt: new Date().toISOString(),
        createdBy: `${options.by} (rollback to generation ${to}, step ${index + 1} of ${steps.length})`,
        zone: source.zone,
        endpoints: step.endpoints,
      };
      try {
        await store.write(plan);
      } catch (error) {
        if (!(error instanceof PlanExistsError)) throw error;
        if (index === 0) break;
        throw new RollbackInterruptedError(published, steps.length, plan.generation);
      }
      published.push(plan);
      previous = plan.generation;
      options.onStep?.(plan, index, steps.length, step);
    }
    if (published.length === steps.length) return { ...(latest ? { from: latest.generation } : {}), to, published };
  }
  throw new Error(
    `could not publish the rollback of generation ${to}: ${store.location} kept gaining newer generations`,
  );
}
