// How enactors use the enactment hint (plan/hint.ts) so that one of them sends a generation and the others do
// not send copies the shard fences would reject. Before its first fence read of a pass an enactor reads the
// hint for its latest plan (generation and content digest):
//   - "enacted" by anyone: in sync as far as the hint knows; the enactor reads nothing more until its next drift
//     sweep, which reads the fences whatever the hint says (a sweep never trusts the hint);
//   - "enacting" by another enactor, and its beat moved within the timeout: wait (send nothing, read no fence);
//   - otherwise (none, older, other content, released, or a claim whose beat stopped): claim it and go on.
// The claim is last-writer-wins: two enactors that claim in the same few milliseconds both go on, and the
// fences reject the loser's copy, as without a hint. Nothing here decides what is written or whether a write is
// safe: every write is still a fenced batch decided on fences read in the same pass. The hint only decides
// WHETHER an enactor runs a pass now, and skipping or delaying a pass never breaks an invariant (I1-I8); a
// lying or stale hint delays convergence by at most the claim timeout plus the drift-sweep interval.
import { createHash } from 'node:crypto';
import type { EnactmentHint } from '../plan/hint.js';
import type { Plan } from '../plan/schema.js';
import type { PlanStore } from '../plan/store.js';
import type { Logger } from '../telemetry/logger.js';
import { shardPlan } from './shard-fence.js';

/** How long another enactor's claim may go without a new beat before it counts as abandoned (crashed holder). */
export const DEFAULT_HINT_TIMEOUT_MS = 10_000;
/** The holder writes a beat at most this often while it sends (after each batch). */
const BEAT_EVERY_MS = 1_000;

export type HintVerdict =
  { action: 'proceed' } | { action: 'wait'; holder: string } | { action: 'trust'; enactor: string };

const PROCEED: HintVerdict = { action: 'proceed' };

/** 12 hex digits over a plan's 64 shard digests: the content identity a hint names. */
export function planDigest(plan: Plan): string {
  return createHash('sha256').update(shardPlan(plan).digests.join(',')).digest('hex').slice(0, 12);
}

export class HintKeeper {
  /** The claim this enactor wrote in the current pass, if any. */
  private holding: EnactmentHint | undefined;
  /** Another enactor's claim as first seen (its key and when, by this process's clock). */
  private watched: { key: string; since: number } | undefined;
  private lastBeatAt = 0;
  /** Beats while this enactor holds a claim, also through long reads that send no batch (a fresh zone's listing). */
  private beating: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private warned = false;

  constructor(
    private readonly store: PlanStore,
    private readonly id: string,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {}

  /** Decides whether this pass runs, and claims the generation when it does. */
  async before(plan: Plan, sweep: boolean): Promise<HintVerdict> {
    this.holding = undefined;
    clearInterval(this.beating);
    if (!this.store.readHint || !this.store.writeHint) return PROCEED;
    const digest = planDigest(plan);
    const same = (hint: EnactmentHint | undefined): hint is EnactmentHint =>
      hint !== undefined && hint.generation === plan.generation && hint.digest === digest;
    const hint = await this.read();
    if (same(hint) && hint.state === 'enacted') return sweep ? PROCEED : { action: 'trust', enactor: hint.enactor };
    if (same(hint) && hint.state === 'enacting' && hint.enactor !== this.id && this.fresh(hint))
      return { action: 'wait', holder: hint.enactor };
    const claim: EnactmentHint = {
      generation: plan.generation,
      digest,
      enactor: this.id,
      state: 'enacting',
      beat: (hint?.beat ?? 0) + 1,
      at: new Date().toISOString(),
    };
    if (!(await this.write(claim))) return PROCEED;
    // Read back: of two enactors claiming at once, the one whose claim was overwritten waits.
    const back = await this.read();
    if (same(back) && back.state === 'enacting' && back.enactor !== this.id) {
      this.fresh(back);
      return { action: 'wait', holder: back.enactor };
    }
    this.holding = claim;
    this.lastBeatAt = performance.now();
    this.beating = setInterval(() => this.beat(), BEAT_EVERY_MS);
    this.beating.unref();
    return PROCEED;
  }

  /** While holding a claim: a new beat, at most once a second, so that waiting enactors know the holder is alive. */
  beat(): void {
    const holding = this.holding;
    if (!holding || performance.now() - this.lastBeatAt < BEAT_EVERY_MS) return;
    this.lastBeatAt = performance.now();
    holding.beat += 1;
    const next = { ...holding, at: new Date().toISOString() };
    this.writing = this.writing.then(() => this.write(next).then(() => undefined));
  }

  /** The pass ended: enacted when it left every shard at the plan, else released (the others go on their own). */
  async after(inSync: boolean): Promise<void> {
    const holding = this.holding;
    this.holding = undefined;
    clearInterval(this.beating);
    this.beating = undefined;
    if (!holding) return;
    await this.writing;
    await this.write({
      ...holding,
      state: inSync ? 'enacted' : 'released',
      beat: holding.beat + 1,
      at: new Date().toISOString(),
    });
  }

  /** Whether another enactor's claim is alive: its beat moved within the timeout (as this process saw it). */
  private fresh(hint: EnactmentHint): boolean {
    const key = `${hint.enactor}|${hint.generation}|${hint.beat}`;
    const now = performance.now();
    if (this.watched?.key !== key) this.watched = { key, since: now };
    return now - this.watched.since < this.timeoutMs;
  }

  private async read(): Promise<EnactmentHint | undefined> {
    try {
      return await this.store.readHint!();
    } catch (error) {
      this.warnOnce(error);
      return undefined;
    }
  }

  private async write(hint: EnactmentHint): Promise<boolean> {
    try {
      await this.store.writeHint!(hint);
      return true;
    } catch (error) {
      this.warnOnce(error);
      return false;
    }
  }

  private warnOnce(error: unknown): void {
    if (this.warned) return;
    this.warned = true;
    this.log.warn(
      { error: (error as Error).message, plans: this.store.location },
      'the enactment hint cannot be read or written; sending without it (the fences still decide)',
    );
  }
}
