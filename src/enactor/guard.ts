// The empty-record guard. The plan carries its own safety check (as octoDNS does): before a batch is sent,
// the endpoint's resulting sets are computed and judged. A refused endpoint is not sent at all, so it can
// never be half-applied. October 2025 ended with an empty record; this is the check that forbids it.
import type { RecordSet } from '../route53/recordset.js';

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
   * addresses whatever was read (see capacityProof in decide.ts). Off only on a backend that failed the
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

export type RefusalReason =
  | 'empty'
  | 'all-weight-zero'
  | 'below-min-capacity'
  | 'change-share'
  | 'too-large'
  | 'velocity'
  | 'generation-conflict'
  | 'poisoned'
  | 'foreign-sets';

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
