// Where plans live. The file store is the default; an S3 store implements the same interface so that
// planners and enactors on different machines share plans.
import type { Freeze } from './freeze.js';
import type { EnactmentHint } from './hint.js';
import type { Plan } from './schema.js';

export interface PlanStore {
  /** Writes a new generation. Never overwrites: a second writer of the same generation gets PlanExistsError. */
  write(plan: Plan): Promise<void>;
  read(generation: number): Promise<Plan | undefined>;
  latest(): Promise<Plan | undefined>;
  /** Every stored generation, ascending. */
  list(): Promise<number[]>;
  /**
   * Deletes one generation. The caller must say which generations are live (read from the fences at the
   * time of the call); deleting one of them is refused with LivePlanError. This is what makes the October
   * 2025 cleanup impossible: there is no way to delete without stating what is live.
   */
  delete(generation: number, guard: { live: ReadonlySet<number> }): Promise<void>;
  // The freeze marker (see freeze.ts). The file and S3 stores, which every command opens, have it; in-process
  // wrappers (fault injection, tests) may leave it out, and then cannot be frozen.
  /** The freeze marker, or undefined when the store is not frozen. */
  readFreeze?(): Promise<Freeze | undefined>;
  /** Sets the freeze marker, replacing any earlier one. */
  writeFreeze?(freeze: Freeze): Promise<void>;
  /** Removes the freeze marker; removing none is not an error. */
  clearFreeze?(): Promise<void>;
  // The enactment hint (hint.ts): last writer wins, no conditional write needed. Optional like the freeze; an
  // enactor on a store without it sends as if no other enactor ran (the fences still decide).
  /** The enactment hint, or undefined when none was written. */
  readHint?(): Promise<EnactmentHint | undefined>;
  /** Replaces the enactment hint. */
  writeHint?(hint: EnactmentHint): Promise<void>;
  /** A short description for logs, such as file:./plans or s3://bucket/prefix. */
  readonly location: string;
}

export class PlanExistsError extends Error {
  constructor(
    readonly generation: number,
    location: string,
  ) {
    super(`plan generation ${generation} already exists in ${location}; plans are never overwritten`);
    this.name = 'PlanExistsError';
  }
}

export class LivePlanError extends Error {
  constructor(readonly generation: number) {
    super(`refusing to delete plan generation ${generation}: it is live on at least one endpoint`);
    this.name = 'LivePlanError';
  }
}
