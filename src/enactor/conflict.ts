// Conflict handling (the enactor's second loop): after a rejected batch or an unknown outcome, the shard fences
// alone are read again (one request). A unit whose fence is now ours landed (its response was lost); a shard whose
// fence moved is decided again on the new fence; an endpoint Route53's message names is read again and, when it
// is exactly as assumed, left out as poisoned. Never a whole-zone read because of a conflict.
import type { Route53Caller } from '../route53/caller.js';
import type { ShardUnit } from './decide.js';
import { namedInError } from './decide.js';
import type { EnactorOptions, PassContext } from './options.js';
import type { OutcomeRecorder } from './outcomes.js';
import type { BatchFacts } from './outcomes.js';
import type { UnsettledUnit } from './send.js';
import { readShardFences, sameShardFence, type ShardFence } from './shard-fence.js';
import type { ShardReader, Tweaks } from './shard-state.js';

/** What the conflict handling uses of its enactor. */
export interface ConflictParts {
  options: EnactorOptions;
  caller: Route53Caller;
  reader: ShardReader;
  outcomes: OutcomeRecorder;
  /** Decides the given shards again on the given fences (the pass's own decision). */
  decide(
    pass: PassContext,
    fences: Map<number, ShardFence | undefined>,
    shards: number[],
    tweaks: Map<number, Tweaks>,
  ): Promise<ShardUnit[]>;
  landed(pass: PassContext, units: ShardUnit[], batch: BatchFacts, lostResponse: boolean): void;
}

export class ConflictHandling {
  constructor(private readonly parts: ConflictParts) {}

  async afterConflict(
    pass: PassContext,
    unsettled: UnsettledUnit[],
    lastRound: boolean,
  ): Promise<{ units: ShardUnit[]; alone: Set<ShardUnit>; landed: ShardUnit[] }> {
    const fences = await readShardFences(this.parts.caller, pass.zoneId, pass.zone, this.parts.options.ownerId);
    const redo = new Map<number, Tweaks>();
    const unexplained = new Set<number>();
    const landed: ShardUnit[] = [];
    for (const { unit, result, alone, error } of unsettled) {
      const fence = fences.get(unit.shard);
      pass.final.set(unit.shard, fence);
      if (fence && sameShardFence(fence, { set: unit.newFence })) {
        const batch = { id: 'lost-response', generation: unit.generation, endpoints: unit.changed, durationMs: 0 };
        this.parts.landed(pass, [unit], batch, true);
        landed.push(unit);
        continue;
      }
      if (result === 'unknown' || lastRound) {
        this.parts.outcomes.record(pass.summary, {
          kind: 'failed',
          endpoints: unit.endpoints.length > 0 ? unit.endpoints : [`shard ${unit.shard}`],
          generation: unit.generation,
          error:
            lastRound && result === 'rejected'
              ? `still rejected after ${this.parts.options.conflictRounds ?? 4} rounds: ${error}`
              : error,
        });
        continue;
      }
      const tweaks: Tweaks = redo.get(unit.shard) ?? { overrides: new Map(), exclude: new Set() };
      redo.set(unit.shard, tweaks);
      if (!sameShardFence(fence, unit.liveFence)) continue; // the fence moved: decide the shard again on the new one
      const named = await this.parts.reader.namedEndpoints(pass.zoneId, unit, error);
      for (const { key, sets, asAssumed } of named) {
        if (asAssumed) {
          // Route53 refuses this endpoint's changes though it is exactly as assumed: its changes are invalid.
          tweaks.exclude.add(key);
          pass.excludedNow.add(key);
          const { generation, shard } = unit;
          this.parts.outcomes.record(pass.summary, { kind: 'poisoned', endpoint: key, generation, shard, error, unit });
        } else {
          tweaks.overrides.set(key, sets);
        }
      }
      if (named.length === 0 && alone) {
        redo.delete(unit.shard);
        this.parts.outcomes.record(pass.summary, {
          kind: 'failed',
          endpoints: unit.endpoints,
          generation: unit.generation,
          error: `refused on its own with its fence unchanged, naming nothing of the shard: ${error}`,
        });
      } else if (named.length === 0 && !namesAnother(error, unsettled, unit)) {
        unexplained.add(unit.shard);
      }
    }
    const units = redo.size === 0 ? [] : await this.parts.decide(pass, fences, [...redo.keys()], redo);
    return { units, alone: new Set(units.filter((unit) => unexplained.has(unit.shard))), landed };
  }
}

/** Whether a rejection names a record (fence or endpoint) of another unit of the same request: then this unit was innocent. */
function namesAnother(error: string, unsettled: UnsettledUnit[], unit: ShardUnit): boolean {
  const names = new Set(namedInError(error).map((named) => named.name));
  const namesOf = (other: ShardUnit) => [
    other.newFence.name,
    ...[...other.live.keys(), ...other.endpoints].map((key) => key.slice(0, key.indexOf(' '))),
  ];
  return unsettled.some(
    (other) => other.unit !== unit && other.error === error && namesOf(other.unit).some((name) => names.has(name)),
  );
}
