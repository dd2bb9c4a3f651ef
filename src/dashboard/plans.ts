// Plan generations as chart marks: each generation at the time it was written (its createdAt). The store is
// listed on every refresh; a generation is read once. Deleted plans keep their mark: the chart is history.
// A plan written and deleted between two listings (the legacy cleanup does that) is only marked if its writer
// tells us (note()).
import type { PlanStore } from '../plan/store.js';
import type { TimelineMark } from './model.js';

export class PlanMarks {
  private readonly marks = new Map<number, TimelineMark>();
  private latestGeneration: number | null = null;

  constructor(private readonly store: PlanStore) {}

  /** Lists the store and reads generations not seen before; returns true when something new appeared. */
  async refresh(): Promise<boolean> {
    const generations = await this.store.list();
    let changed = false;
    for (const generation of generations) {
      if (this.marks.has(generation)) continue;
      // A plan deleted between list and read (a cleanup racing us) is marked when we noticed it.
      const plan = await this.store.read(generation).catch(() => undefined);
      const at = plan ? Date.parse(plan.createdAt) : Date.now();
      this.marks.set(generation, {
        at: Number.isFinite(at) ? at : Date.now(),
        kind: 'plan',
        generation,
        endpoints: [],
        detail: plan ? `by ${plan.createdBy}` : undefined,
      });
      changed = true;
    }
    const latest = generations.length > 0 ? Math.max(...generations) : null;
    if (latest !== null && latest !== this.latestGeneration) {
      this.latestGeneration = latest;
      changed = true;
    }
    return changed;
  }

  /** A generation known to be written at `at` (told by the writer, so that short-lived plans are marked too). */
  note(generation: number, at: number, detail?: string): boolean {
    if (this.marks.has(generation)) return false;
    this.marks.set(generation, { at, kind: 'plan', generation, endpoints: [], ...(detail ? { detail } : {}) });
    return true;
  }

  since(at: number): TimelineMark[] {
    return [...this.marks.values()].filter((mark) => mark.at > at).sort((a, b) => a.at - b.at);
  }
}
