// A freeze stops dnsplane writing: planners write no plans and enactors change no records until a thaw. It is
// a marker object in the plan store (freeze.json beside the plans, on disk or S3), so every planner and
// enactor sharing the store sees it, wherever it runs. A pinned freeze (`rollback --to G --freeze`) stops
// only the plan writers: enactors still apply the pinned generation, and nothing can plan past it.
import { z } from 'zod';
import { strictObject } from '../config/strict.js';
import type { Logger } from '../telemetry/logger.js';
import { gauge } from '../telemetry/metrics.js';
import type { PlanStore } from './store.js';

export const FREEZE_OBJECT = 'freeze.json';

export const FreezeSchema = strictObject({
  reason: z.string().min(1, 'a freeze needs a reason'),
  author: z.string().min(1),
  at: z.string().datetime(),
  /** Set by `rollback --freeze`: the generation whose content was rolled back to. Enactors keep applying; plan writers stay stopped. */
  pinnedGeneration: z.number().int().positive().optional(),
});

export type Freeze = z.infer<typeof FreezeSchema>;

export function parseFreeze(input: unknown, source: string): Freeze {
  const result = FreezeSchema.safeParse(input);
  if (!result.success) throw new Error(`${source} is not a valid freeze marker:\n${z.prettifyError(result.error)}`);
  return result.data;
}

export function describeFreeze(freeze: Freeze): string {
  const pin =
    freeze.pinnedGeneration === undefined
      ? ''
      : ` (rollback to generation ${freeze.pinnedGeneration}'s content pinned: enactors apply it, planners write nothing)`;
  return `FROZEN since ${freeze.at} by ${freeze.author}: ${freeze.reason}${pin}`;
}

/** Refuses a plan write (planner, plan --write, rollback) while the store is frozen, saying how to thaw. */
export async function assertNotFrozen(store: PlanStore, doing: string): Promise<void> {
  const freeze = await store.readFreeze?.();
  if (freeze)
    throw new FrozenError(
      `${doing}: the plan store ${store.location} is ${describeFreeze(freeze)}; run \`dnsplane thaw\` first`,
    );
}

export class FrozenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrozenError';
  }
}

const frozenGauge = gauge(
  'dnsplane_frozen',
  '1 while the plan store holds a freeze marker (dnsplane freeze), 0 otherwise; 2 for a pinned rollback.',
);

/**
 * The freeze as one long-running part sees it: read once at the start of each pass, logged once per change
 * (frozen, pinned, thawed), exported as dnsplane_frozen. A marker that cannot be read counts as frozen: a
 * writer that cannot tell must not write.
 */
export class FreezeWatch {
  private last: string | undefined = 'unknown';

  constructor(
    private readonly store: PlanStore,
    private readonly logger?: Logger,
  ) {}

  async current(): Promise<Freeze | undefined> {
    let freeze: Freeze | undefined;
    try {
      freeze = await this.store.readFreeze?.();
    } catch (error) {
      this.note('unreadable', () =>
        this.logger?.error(
          { err: error, plans: this.store.location },
          'cannot read the freeze marker; not writing until it can be read',
        ),
      );
      frozenGauge.set(1);
      return {
        reason: `freeze marker unreadable: ${(error as Error).message}`,
        author: 'dnsplane',
        at: new Date().toISOString(),
      };
    }
    frozenGauge.set(freeze ? (freeze.pinnedGeneration === undefined ? 1 : 2) : 0);
    const state = freeze ? `${freeze.at}|${freeze.pinnedGeneration ?? ''}` : undefined;
    this.note(state, () => {
      if (freeze) this.logger?.warn({ freeze, plans: this.store.location }, describeFreeze(freeze));
      else if (this.last !== 'unknown') this.logger?.info({ plans: this.store.location }, 'thawed: writing again');
    });
    return freeze;
  }

  /** For the enactor's hook: true while records must not be changed (a full freeze, not a pinned rollback). */
  async enactorsStopped(): Promise<boolean> {
    const freeze = await this.current();
    return freeze !== undefined && freeze.pinnedGeneration === undefined;
  }

  private note(state: string | undefined, log: () => void): void {
    if (state === this.last) return;
    log();
    this.last = state;
  }
}
