// The per-shard decisions of a pass, from the fences read at its start: a shard stands down (a newer fence),
// is in sync (its fence names this plan and its digest), conflicts (this generation with other content, I6),
// or gets the one unit that moves it, decided (decide.ts) on its live content. Live content comes from the
// plan a fence names when its digest matches (no read), else from reads that follow the fence read
// (shard-state.ts). A velocity refusal walks down the stored plans to the newest step within the limit.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Plan } from '../plan/schema.js';
import type { Logger } from '../telemetry/logger.js';
import { decideShard, fenceOnlyUnit, type ShardUnit } from './decide.js';
import { enactorMetrics as metrics } from './events.js';
import { generationConflict, type GuardOptions, type RefusalReason } from './guard.js';
import type { EnactorOptions, PassContext, RunSummary } from './options.js';
import type { OutcomeRecorder } from './outcomes.js';
import type { PlanCache } from './plan-cache.js';
import { shardPlan, type ShardFence } from './shard-fence.js';
import type { ShardReader, ShardState, Tweaks } from './shard-state.js';

export interface ShardDeciderParts {
  id: string;
  options: EnactorOptions;
  guard: GuardOptions;
  plans: PlanCache;
  reader: ShardReader;
  outcomes: OutcomeRecorder;
  log: Logger;
}

export class ShardDecider {
  private readonly id: string;
  private readonly options: EnactorOptions;
  private readonly guard: GuardOptions;
  private readonly plans: PlanCache;
  private readonly reader: ShardReader;
  private readonly outcomes: OutcomeRecorder;
  private readonly log: Logger;

  constructor(parts: ShardDeciderParts) {
    ({
      id: this.id,
      options: this.options,
      guard: this.guard,
      plans: this.plans,
      reader: this.reader,
      outcomes: this.outcomes,
      log: this.log,
    } = parts);
  }

  /** The units that move the given shards, decided on the fences given (records an outcome for every other shard). */
  async decide(
    pass: PassContext,
    fences: Map<number, ShardFence | undefined>,
    shards: number[],
    tweaks: Map<number, Tweaks>,
  ): Promise<ShardUnit[]> {
    const { plan, summary } = pass;
    const P = plan.generation;
    const sharded = shardPlan(plan);
    const work: number[] = [];
    const units: ShardUnit[] = [];
    // A shard is re-read only for a tweak that says something (an endpoint read again, one excluded): a shard
    // redone merely because its fence moved is decided on the new fence like any other. Without this, a loser
    // whose copy was rejected sent the winner's generation again as a fence-only "repair" of every shard.
    const tweaked = (shard: number) => {
      const tweak = tweaks.get(shard);
      return tweak !== undefined && (tweak.overrides.size > 0 || tweak.exclude.size > 0);
    };
    for (const shard of shards) {
      const fence = fences.get(shard);
      const planned = sharded.keys[shard];
      if (fence && fence.generation > P) {
        this.standDown(
          shard,
          planned,
          P,
          fence.generation,
          `the shard's fence is at generation ${fence.generation}, newer than ${P}`,
          summary,
        );
        continue;
      }
      if (fence && fence.generation === P && !tweaked(shard)) {
        if (fence.digest !== this.digestOf(plan, shard, fence.excluded)) {
          this.conflict(shard, planned, fence, summary);
          continue;
        }
        summary.inSync.push(...planned.filter((key) => !fence.excluded.includes(key)));
        continue;
      }
      if (fence && fence.generation === P && fence.digest !== this.digestOf(plan, shard, fence.excluded)) {
        this.conflict(shard, planned, fence, summary);
        continue;
      }
      if (
        this.options.fenceMoves === 'changed-shards-only' &&
        fence &&
        fence.generation > 0 &&
        fence.generation < P &&
        !tweaked(shard)
      ) {
        // The naive variant: a shard whose content the newer plan does not change keeps its old fence. UNSAFE.
        const older = await this.plans.at(fence.generation);
        if (
          older &&
          fence.digest === this.digestOf(older, shard, fence.excluded) &&
          this.digestOf(older, shard, fence.excluded) === this.digestOf(plan, shard, fence.excluded)
        ) {
          summary.inSync.push(...planned);
          continue;
        }
      }
      if (
        fence &&
        fence.generation > 0 &&
        fence.generation < P &&
        fence.excluded.length === 0 &&
        fence.digest === sharded.digests[shard] &&
        !tweaked(shard)
      ) {
        // Content unchanged since the fence's plan: the fence-only swap, with nothing to read or judge (no
        // record changes, so no velocity or capacity step; drift is the sweep's).
        units.push(
          fenceOnlyUnit({ shard, zone: pass.zone, writer: this.id, owner: this.options.ownerId, fence, plan }),
        );
        continue;
      }
      work.push(shard);
    }
    if (work.length === 0) return units;
    const states = await this.reader.states(pass.zoneId, plan, fences, work, tweaks);
    for (const shard of work) {
      // Deciding a large generation is seconds of CPU: let timers run between shards, so that the enactment
      // hint's beat (hints.ts) still moves and the other enactors do not take this claim for abandoned.
      await nextTurn();
      const state = states.get(shard)!;
      const unit = await this.decideOne(pass, shard, fences.get(shard), state);
      if (unit) units.push(unit);
    }
    return units;
  }

  /** The digest a fence of `plan` carries for `shard` when it leaves `excluded` out. */
  digestOf(plan: Plan, shard: number, excluded: readonly string[]): string {
    return excluded.length === 0 ? shardPlan(plan).digests[shard] : this.reader.digest(plan, shard, excluded);
  }

  private async decideOne(
    pass: PassContext,
    shard: number,
    fence: ShardFence | undefined,
    state: ShardState,
  ): Promise<ShardUnit | undefined> {
    const { plan, summary } = pass;
    const planned = shardPlan(plan).keys[shard];
    if (state.v1Ahead !== undefined) {
      this.standDown(
        shard,
        planned,
        plan.generation,
        state.v1Ahead,
        `a per-endpoint (v1) fence in the shard is at generation ${state.v1Ahead}, newer than ${plan.generation}`,
        summary,
      );
      return undefined;
    }
    const live = fence?.generation ?? 0;
    const input = {
      shard,
      zone: pass.zone,
      writer: this.id,
      guard: this.guard,
      fence,
      live: state.live,
      unknown: state.unknown,
      v1Fences: state.v1Fences,
      owner: this.options.ownerId,
      foreign: state.foreign,
    };
    // A repair stays at the fence's own generation; an apply walks down from the plan when velocity demands it.
    const targets = [plan];
    let decision = decideShard({ ...input, targets });
    if (
      decision.action === 'refuse' &&
      live < plan.generation &&
      decision.refused.every((entry) => entry.refusal.reason === 'velocity')
    ) {
      // Walk: the newest stored plan whose step stays within the limit; the next stored generation always does
      // (the planner judged that one step with its own velocity control), so skipping generations is what binds.
      for (let generation = plan.generation - 1; generation > live; generation--) {
        const older = await this.plans.at(generation);
        if (older) targets.push(older);
      }
      decision = decideShard({ ...input, targets, lastIsNextStep: true });
    }
    if (decision.action === 'refuse') {
      for (const { endpoint, refusal } of decision.refused)
        this.refuse(plan.generation, endpoint, refusal.reason, refusal.message, summary);
      return undefined;
    }
    for (const { endpoint, refusal } of decision.refused) {
      this.refuse(decision.unit.generation, endpoint, refusal.reason, refusal.message, summary, decision.unit);
      pass.excludedNow.add(endpoint);
    }
    if (decision.unit.generation < plan.generation) {
      this.log.warn(
        { shard, from: live, to: decision.unit.generation, planned: plan.generation },
        'velocity: stepping through a stored plan instead of jumping to the latest',
      );
    }
    for (const key of state.poisoned) pass.excludedNow.add(key);
    return decision.unit;
  }

  private standDown(
    shard: number,
    planned: readonly string[],
    generation: number,
    liveGeneration: number,
    why: string,
    summary: RunSummary,
  ): void {
    this.outcomes.record(summary, {
      kind: 'stood-down',
      shard,
      endpoints: [...planned],
      generation,
      liveGeneration,
      why,
    });
  }

  /** I6: the live fence has our generation with other content: two plans were stored under one generation. */
  private conflict(shard: number, planned: readonly string[], fence: ShardFence, summary: RunSummary): void {
    const { reason, message } = generationConflict(shard, fence);
    metrics.generationConflicts.inc({ enactor: this.id }); // per shard; each endpoint's refusal is recorded below
    for (const key of planned.length > 0 ? planned : [`shard ${shard}`])
      this.refuse(fence.generation, key, reason, message, summary);
  }

  /** Records that `endpoint` is not moved to `generation`, and why. */
  refuse(
    generation: number,
    endpoint: string,
    reason: RefusalReason,
    message: string,
    summary: RunSummary,
    unit?: ShardUnit,
  ): void {
    this.outcomes.record(summary, { kind: 'refused', endpoint, generation, reason, message, unit });
  }
}
