// The guard: every safety check of the enactor, in one place (as octoDNS's Plan.raise_if_unsafe). Before a batch
// is sent, each endpoint's step is judged by guardEndpoint and the whole pass by guardPass; a refused endpoint is
// not sent at all, so it can never be half-applied. October 2025 ended with an empty record; these checks forbid
// it. RefusalReason lists every reason an enactor refuses to write, with where each is decided.
import { recordSetKey, type RecordSet } from '../route53/recordset.js';
import type { Change } from './changes.js';

export interface GuardOptions {
  /** Minimum serving capacity an endpoint must keep: addresses in sets with weight > 0 (default 1). */
  minCapacity: number;
  /** Largest share (0..1] of the zone's live record sets one run may update or delete (default 0.3, as octoDNS); creates do not count. */
  maxChangeShare: number;
  /** Zones smaller than this are exempt from the share check (octoDNS uses 10). */
  minSetsForShare: number;
  /** Skips the share check (never the empty/capacity checks). */
  force: boolean;
  /**
   * Makes every batch prove, by Route53's own compare-and-swap, that the endpoint keeps minCapacity serving
   * addresses whatever was read (see capacityProof). Off only on a backend that failed the
   * self-check (moto): without atomic batches the proof cannot hold, and moto refuses its DELETE + CREATE.
   */
  proveCapacity: boolean;
  /**
   * Velocity for what is ENACTED (I7): the largest share (0..1] of an endpoint's serving weight one batch may
   * take away (default 0.5). An enactor that skipped generations walks the stored plans in between instead of
   * jumping; rollback is such a walk too.
   */
  maxDropShare: number;
  /**
   * Take over record sets at managed names that dnsplane did not write (they are then changed or deleted as the
   * plan says, and audited). Off: an endpoint whose changes would touch such a set is refused ('foreign-sets').
   */
  adopt: boolean;
  /** sync: make every managed name exactly the plan; upsert-only: create and update, never delete a set. */
  policy: ChangePolicy;
}

export type ChangePolicy = 'sync' | 'upsert-only';
export const CHANGE_POLICIES: readonly ChangePolicy[] = ['sync', 'upsert-only'];

export const DEFAULT_GUARD: GuardOptions = {
  minCapacity: 1,
  maxChangeShare: 0.3,
  minSetsForShare: 10,
  force: false,
  proveCapacity: true,
  maxDropShare: 0.5,
  adopt: false,
  policy: 'sync',
};

/** Every reason an enactor refuses to write an endpoint (or a whole pass). */
export type RefusalReason =
  // Per endpoint (guardEndpoint), judged on its sets as the batch would leave them:
  /** It would have no record set, or no value, left. */
  | 'empty'
  /** Only weight-0 sets would remain: Route53 would spread traffic evenly over drained targets. */
  | 'all-weight-zero'
  /** Fewer serving addresses than minCapacity would remain. */
  | 'below-min-capacity'
  /** The step would take more than maxDropShare of its serving weight away at once (I7). */
  | 'velocity'
  /** It holds sets dnsplane did not write that the step would change or delete (unless adopt). */
  | 'foreign-sets'
  // Per pass (guardPass):
  /** The pass would replace or delete more than maxChangeShare of the zone's sets (unless force). */
  | 'change-share'
  // Per shard, when the unit is formed or sent:
  /** The shard's unit cannot fit one request, even as a chain (tooLarge). */
  | 'too-large'
  /** The shard's fence has the plan's generation with other content: two plans under one generation (I6). */
  | 'generation-conflict'
  // Route53's own verdict, recorded the same way:
  /** Route53 refuses the endpoint's changes on their own, with the endpoint exactly as assumed. */
  | 'poisoned';

export interface Refusal {
  reason: RefusalReason;
  message: string;
}

/**
 * Whether a set receives traffic: a simple set always, a weighted one only with weight > 0 (Route53 never mixes
 * the two under one name and type). The guard and the capacity proof (decide.ts) count capacity by this one rule.
 */
export function servesTraffic(set: RecordSet): boolean {
  return set.setIdentifier === undefined || (set.weight ?? 0) > 0;
}

/** Addresses that would actually receive traffic. */
export function servingCapacity(sets: readonly RecordSet[]): number {
  return sets.filter(servesTraffic).reduce((sum, set) => sum + set.values.length, 0);
}

/** Judges an endpoint's sets as they would be after the batch. */
export function checkEndpointResult(
  endpoint: string,
  result: readonly RecordSet[],
  options: GuardOptions,
): Refusal | undefined {
  if (result.length === 0 || result.every((set) => set.values.length === 0)) {
    return { reason: 'empty', message: `${endpoint} would have no record set left` };
  }
  const weighted = result.filter((set) => set.setIdentifier !== undefined);
  if (weighted.length === result.length && weighted.every((set) => (set.weight ?? 0) === 0)) {
    return {
      reason: 'all-weight-zero',
      message: `${endpoint} would have only weight-0 sets (${weighted.length}); Route53 would spread traffic evenly over drained targets`,
    };
  }
  const capacity = servingCapacity(result);
  if (capacity < options.minCapacity) {
    return {
      reason: 'below-min-capacity',
      message: `${endpoint} would keep ${capacity} serving address(es), below the minimum of ${options.minCapacity}`,
    };
  }
  return undefined;
}

/** A set as an operator names it in a refusal: its identifier (or "simple"), weight and values. */
function describeSet(set: RecordSet): string {
  const id = set.setIdentifier === undefined ? 'simple set' : `"${set.setIdentifier}"`;
  const weight = set.weight === undefined ? '' : ` weight ${set.weight}`;
  return `${id} (${set.type}${weight} ttl ${set.ttl} ${set.values.join(' ')})`;
}

/**
 * Ownership: an endpoint whose changes would DELETE (replace or remove) record sets dnsplane did not write is
 * refused unless adopting; the sets are named, with the way to take them over.
 */
export function checkOwnership(
  endpoint: string,
  foreignTouched: readonly RecordSet[],
  options: GuardOptions,
): Refusal | undefined {
  if (foreignTouched.length === 0 || options.adopt) return undefined;
  return {
    reason: 'foreign-sets',
    message: `${endpoint} holds record set(s) dnsplane did not write: ${foreignTouched.map(describeSet).join(', ')}; the endpoint is left as it is. To let dnsplane change or delete them as the plan says, run \`dnsplane enact --once --adopt\` (audited), or remove them yourself`,
  };
}

/** One endpoint's step as guardEndpoint judges it. */
export interface EndpointStep {
  endpoint: string;
  /** Its sets after the step; undefined when the plan drops the endpoint (nothing left to judge). */
  result: readonly RecordSet[] | undefined;
  /** Sets dnsplane did not write that the step would delete or replace. */
  foreignTouched: readonly RecordSet[];
  /** When velocity is judged: its sets before the step (adopted ones left out) and the plan's after. */
  velocity?: { before: readonly RecordSet[]; after: readonly RecordSet[] };
}

/** Every per-endpoint check, in order: ownership (foreign-sets), the result (empty, weight 0, capacity), velocity. */
export function guardEndpoint(step: EndpointStep, options: GuardOptions): Refusal | undefined {
  const { endpoint, result, velocity } = step;
  return (
    checkOwnership(endpoint, step.foreignTouched, options) ??
    (result && checkEndpointResult(endpoint, result, options)) ??
    (velocity && checkVelocity(endpoint, velocity.before, velocity.after, options))
  );
}

/** A unit of a pass, as guardPass counts it. */
export interface GuardedUnit {
  /** Record changes (no fence, no proof). */
  recordChanges: readonly Change[];
  /** How many record sets its shard holds as the unit assumed it live. */
  liveSets: number;
}

/**
 * Every per-pass check: the share of the zone's managed sets the pass would replace or delete, over the sets the
 * zone holds now (each unit's assumed live content, plus `untouchedSets` in the shards no unit moves).
 */
export function guardPass(units: readonly GuardedUnit[], untouchedSets: number, options: GuardOptions) {
  const changed = units.reduce((sum, unit) => sum + touchedSets(unit), 0);
  const base = units.reduce((sum, unit) => sum + unit.liveSets, untouchedSets);
  return checkChangeShare(changed, base, options);
}

/** Live record sets a unit replaces or removes: the numerator of the change-share guard (creates take nothing away). */
export function touchedSets(unit: Pick<GuardedUnit, 'recordChanges'>): number {
  return unit.recordChanges.filter((change) => change.action === 'DELETE').length;
}

/** A shard whose unit cannot be sent in one request, even as a chain: `why` says which limit binds. */
export function tooLarge(shard: number, why: string): Refusal {
  return { reason: 'too-large', message: `shard ${shard}: ${why}` };
}

/** I6: the live fence has the plan's generation with other content: two plans were stored under one generation. */
export function generationConflict(
  shard: number,
  fence: { generation: number; digest: string; writer?: string },
): Refusal {
  return {
    reason: 'generation-conflict',
    message: `shard ${shard}'s fence is at generation ${fence.generation} with digest ${fence.digest} (written by ${fence.writer ?? 'unknown'}), but plan ${fence.generation} here has other content: two plans were stored under one generation; standing down, not repairing back and forth`,
  };
}

/**
 * Kept serving sets the batch re-asserts (DELETE + CREATE of their exact live values) so that the batch itself
 * proves the endpoint keeps serving, whatever this enactor assumed: a kept set is named nowhere else in the
 * batch, so without the proof nothing checks that it still exists (a hand edit since the shard's fence was
 * written, say). Only a batch that deletes records and whose creates do not already add the minimum carries one.
 */
export function capacityProof(live: readonly RecordSet[], records: readonly Change[], minCapacity: number): Change[] {
  if (!records.some((change) => change.action === 'DELETE')) return [];
  const needed = Math.max(1, minCapacity);
  let proven = records
    .filter((change) => change.action === 'CREATE' && servesTraffic(change.set))
    .reduce((sum, change) => sum + change.set.values.length, 0);
  if (proven >= needed) return [];
  const touched = new Set(records.map((change) => recordSetKey(change.set)));
  const kept = live
    .filter((set) => servesTraffic(set) && !touched.has(recordSetKey(set)))
    .sort((a, b) => a.values.length - b.values.length);
  const proof: Change[] = [];
  for (const set of kept) {
    if (proven >= needed) break;
    proof.push({ action: 'DELETE', set }, { action: 'CREATE', set });
    proven += set.values.length;
  }
  return proof;
}

/** Judges a whole run: how much of the zone it would touch at once. */
export function checkChangeShare(changedSets: number, zoneSets: number, options: GuardOptions): Refusal | undefined {
  if (options.force || zoneSets < options.minSetsForShare || changedSets === 0) return undefined;
  const share = changedSets / zoneSets;
  if (share <= options.maxChangeShare) return undefined;
  return {
    reason: 'change-share',
    message: `this run would change ${changedSets} of ${zoneSets} record sets (${(share * 100).toFixed(1)}%), above the limit of ${(options.maxChangeShare * 100).toFixed(1)}%; use --force if this is intended`,
  };
}

/** Weight a set serves with: its weight when weighted and > 0; a simple set has none (velocity skips it). */
function weightOf(set: RecordSet): number {
  return servesTraffic(set) ? (set.weight ?? 0) : 0;
}

/**
 * Judges one endpoint's step from `before` to `after` against maxDropShare: the weight taken away (summed over
 * its sets, a removed set losing all of its weight) as a share of the weight it serves now. An endpoint that
 * serves nothing yet, or holds simple sets (no weights), has no velocity to keep.
 */
export function checkVelocity(
  endpoint: string,
  before: readonly RecordSet[],
  after: readonly RecordSet[],
  options: GuardOptions,
): Refusal | undefined {
  if (before.some((set) => set.setIdentifier === undefined)) return undefined;
  const total = before.reduce((sum, set) => sum + weightOf(set), 0);
  if (total === 0) return undefined;
  const afterWeights = new Map(after.map((set) => [set.setIdentifier, weightOf(set)]));
  const dropped = before.reduce(
    (sum, set) => sum + Math.max(0, weightOf(set) - (afterWeights.get(set.setIdentifier) ?? 0)),
    0,
  );
  const share = dropped / total;
  if (share <= options.maxDropShare) return undefined;
  return {
    reason: 'velocity',
    message: `${endpoint} would lose ${dropped} of ${total} serving weight (${(share * 100).toFixed(1)}%) in one batch, above the limit of ${(options.maxDropShare * 100).toFixed(1)}%`,
  };
}
