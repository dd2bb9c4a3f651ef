// The per-shard decision of protocol v2: given a shard's live fence, its live content and the plans it may move
// to, the one unit to send (fence swap + every record change of the shard, never split), or why nothing is sent.
// Pure, so every rule here is unit-tested without a network.
import type { Plan } from '../plan/schema.js';
import { normalizeName, recordSetKey, type RecordSet } from '../route53/recordset.js';
import { applyChanges, recordChanges, type Change } from './changes.js';
import { capacityProof, guardEndpoint, type GuardOptions, type Refusal } from './guard.js';
import { newShardFenceSet, setIdHash, shardDigest, shardPlan, type ShardFence } from './shard-fence.js';

/** A shard's content: endpoint key -> its record sets (an endpoint without sets is absent). */
export type ShardContent = Map<string, RecordSet[]>;

export interface ShardUnit {
  shard: number;
  /** The generation the unit moves the shard to. */
  generation: number;
  /** apply: to a newer generation; repair: the fence's own generation over drifted records (or an excluded endpoint). */
  kind: 'apply' | 'repair';
  /** The fence this unit DELETEs (undefined: the shard has none yet, the unit CREATEs it). */
  liveFence?: ShardFence;
  /** The fence this unit writes; finding it live after an error means the write landed. */
  newFence: RecordSet;
  /** Endpoint keys the new fence lists in x= (left out of its digest). */
  excluded: string[];
  /** What the new fence lists in f= (ShardFence.notOwned): sets its plan names that dnsplane did not write. */
  notOwned: ReadonlyMap<string, readonly string[]>;
  /** The shard's content as the unit assumed it live. */
  live: ShardContent;
  /** How many record sets `live` holds (what the change-share guard counts). */
  liveSets: number;
  /** Endpoints the unit moves to `generation`: the plan's, and those it removes. */
  endpoints: string[];
  /** Endpoints whose records the unit changes (removals included). */
  changed: string[];
  /** Record changes (no fence, no proof): what the change-share guard counts. */
  recordChanges: Change[];
  /** Fence swap, v1 fence removals, record changes and capacity proofs: sent in one request. */
  changes: Change[];
  /** Sets dnsplane did not write that this unit changes or deletes because adopting was asked for (audited). */
  adopted: Array<{ endpoint: string; sets: RecordSet[] }>;
}

export type ShardDecision =
  | { action: 'send'; unit: ShardUnit; refused: Array<{ endpoint: string; refusal: Refusal }> }
  | { action: 'refuse'; refused: Array<{ endpoint: string; refusal: Refusal }> };

export interface ShardInput {
  shard: number;
  zone: string;
  writer: string;
  guard: GuardOptions;
  fence?: ShardFence;
  live: ShardContent;
  /** Endpoints whose live content is not known (excluded by the fence and not read): left alone, kept in x=. */
  unknown?: ReadonlySet<string>;
  /** Plans the shard may move to, newest first; the first one within the velocity limit is taken (I7). */
  targets: readonly Plan[];
  /**
   * The last target is the next stored generation after the fence's: a step the planner itself judged with its
   * own velocity control, so it is taken even past this limit (which binds when generations would be skipped).
   */
  lastIsNextStep?: boolean;
  /** Per-endpoint fences of protocol v1 in this shard, deleted (exactly) by the unit: the migration. */
  v1Fences?: readonly RecordSet[];
  /** The deployment's owner id: names the shard fence (shard-fence.ts). */
  owner?: string;
  /** Live sets at managed names that dnsplane did not write (shard-state.ts decides): never touched unless adopting. */
  foreign?: ReadonlyMap<string, readonly RecordSet[]>;
}

/**
 * Chooses the newest target whose step keeps every endpoint within the velocity limit, and builds the unit.
 * Endpoints the guard refuses are left out (x=) so that the rest of the shard still moves; an endpoint the
 * target plan drops is removed with a DELETE of its exact sets (a fenced write like any other).
 */
export function decideShard(input: ShardInput): ShardDecision {
  const unknown = input.unknown ?? new Set<string>();
  let velocity: Array<{ endpoint: string; refusal: Refusal }> = [];
  for (const [i, target] of input.targets.entries()) {
    const content = shardPlan(target).content[input.shard];
    const refused = velocityRefusals(input, content, unknown);
    if (refused.length === 0 || (input.lastIsNextStep && i === input.targets.length - 1))
      return build(input, target, unknown);
    if (velocity.length === 0) velocity = refused;
  }
  return { action: 'refuse', refused: velocity };
}

function velocityRefusals(
  input: ShardInput,
  target: ShardContent,
  unknown: ReadonlySet<string>,
): Array<{ endpoint: string; refusal: Refusal }> {
  const { live, guard } = input;
  const refused: Array<{ endpoint: string; refusal: Refusal }> = [];
  for (const [key, after] of target) {
    const before = live.get(key);
    if (!before || unknown.has(key)) continue;
    const changes = endpointChanges(before, after, guard);
    const foreign = foreignTouched(changes, input.foreign?.get(key));
    // Velocity paces dnsplane's own weight; sets it adopts (--adopt) were never planned, so they do not count.
    const adopted = new Set(foreign.map(recordSetKey));
    const velocity = { before: before.filter((set) => !adopted.has(recordSetKey(set))), after };
    const refusal = guardEndpoint({ endpoint: key, result: after, foreignTouched: foreign, velocity }, guard);
    // An endpoint the guard refuses outright is left out of the unit anyway (build): its velocity does not bind.
    if (refusal?.reason === 'velocity') refused.push({ endpoint: key, refusal });
  }
  return refused;
}

function build(input: ShardInput, target: Plan, unknown: ReadonlySet<string>): ShardDecision {
  const { shard, live, guard } = input;
  const content = shardPlan(target).content[shard];
  const excluded = new Set(unknown);
  const refused: Array<{ endpoint: string; refusal: Refusal }> = [];
  const records: Change[] = [];
  const proofs: Change[] = [];
  const changed: string[] = [];
  const adopted: ShardUnit['adopted'] = [];
  // Endpoints left unknown keep what the fence said about them; the others are judged from what was read.
  const notOwned = new Map<string, readonly string[]>();
  for (const key of unknown) {
    const carried = input.fence?.notOwned?.get(key);
    if (carried) notOwned.set(key, carried);
  }
  const keys = [...new Set([...live.keys(), ...content.keys()])].sort();
  for (const key of keys) {
    if (excluded.has(key)) continue;
    const before = live.get(key) ?? [];
    const after = content.get(key);
    const changes = endpointChanges(before, after, guard);
    const foreign = foreignTouched(changes, input.foreign?.get(key));
    const result = after && applyChanges(before, changes);
    const refusal = guardEndpoint({ endpoint: key, result, foreignTouched: foreign }, guard);
    // Someone else's sets the plan names but this unit does not change (they already match it): the new fence
    // must not make them dnsplane's, or the next plan would change them without a refusal. --adopt claims them.
    const namedForeign = foreignNamed(input.foreign?.get(key), after);
    const matching = namedForeign.filter((set) => !foreign.includes(set));
    const taken = refusal ? [] : [...foreign, ...(guard.adopt ? matching : [])];
    if (taken.length > 0) adopted.push({ endpoint: key, sets: taken });
    const kept = refusal ? namedForeign : guard.adopt ? [] : matching;
    if (kept.length > 0)
      notOwned.set(
        key,
        kept.map((set) => setIdHash(set.setIdentifier)),
      );
    if (refusal) {
      refused.push({ endpoint: key, refusal });
      excluded.add(key);
      continue;
    }
    if (changes.length === 0) continue;
    changed.push(key);
    records.push(...changes);
    if (after && guard.proveCapacity) proofs.push(...capacityProof(before, changes, guard.minCapacity));
  }
  const exclusions = [...excluded].sort();
  const newFence = newShardFenceSet(shard, input.zone, {
    generation: target.generation,
    digest: shardDigest(target, shard, exclusions),
    writer: input.writer,
    excluded: exclusions,
    notOwned,
    owner: input.owner,
  });
  const fenceSwap: Change[] = input.fence
    ? [
        { action: 'DELETE', set: input.fence.set },
        { action: 'CREATE', set: newFence },
      ]
    : [{ action: 'CREATE', set: newFence }];
  const v1: Change[] = (input.v1Fences ?? []).map((set) => ({ action: 'DELETE', set }));
  const endpoints = keys.filter((key) => !excluded.has(key));
  const unit: ShardUnit = {
    shard,
    generation: target.generation,
    kind: input.fence && input.fence.generation === target.generation ? 'repair' : 'apply',
    liveFence: input.fence,
    newFence,
    excluded: exclusions,
    notOwned,
    live,
    liveSets: [...live.values()].reduce((sum, sets) => sum + sets.length, 0),
    endpoints,
    changed,
    recordChanges: records,
    changes: [...fenceSwap, ...v1, ...records, ...proofs],
    adopted,
  };
  return { action: 'send', unit, refused };
}

/**
 * An endpoint's record changes from `before` to the plan's `after` (undefined: the plan drops the endpoint). Under
 * upsert-only nothing is deleted: a set the plan no longer names stays, and a dropped endpoint keeps its sets;
 * a changed set is still replaced (DELETE + CREATE of the same identifier).
 */
function endpointChanges(before: readonly RecordSet[], after: readonly RecordSet[] | undefined, guard: GuardOptions) {
  const changes = recordChanges(before, after ?? []);
  if (guard.policy !== 'upsert-only') return changes;
  const created = new Set(changes.filter((c) => c.action === 'CREATE').map((c) => recordSetKey(c.set)));
  return changes.filter((change) => change.action === 'CREATE' || created.has(recordSetKey(change.set)));
}

/** The sets among `foreign` whose identifiers the plan names at the endpoint (a fence of that plan would claim them). */
function foreignNamed(foreign: readonly RecordSet[] | undefined, after: readonly RecordSet[] | undefined): RecordSet[] {
  if (!foreign || foreign.length === 0 || !after) return [];
  const named = new Set(after.map((set) => set.setIdentifier ?? ''));
  return foreign.filter((set) => named.has(set.setIdentifier ?? ''));
}

/** The sets among `foreign` that the changes would delete or replace. */
function foreignTouched(changes: readonly Change[], foreign: readonly RecordSet[] | undefined): RecordSet[] {
  if (!foreign || foreign.length === 0) return [];
  const deleted = new Set(changes.filter((c) => c.action === 'DELETE').map((c) => recordSetKey(c.set)));
  return foreign.filter((set) => deleted.has(recordSetKey(set)));
}

/** Endpoint keys of a plan's shard. */
export function shardKeys(plan: Plan | undefined, shard: number): string[] {
  return plan ? [...shardPlan(plan).keys[shard]] : [];
}

/**
 * The unit of a shard the plan does not change: its fence (older, nothing excluded) carries the digest of the
 * plan's own shard, so the live content IS the plan's (I3) and the unit is the fence-only swap of I4. Built
 * without reading the shard's content (a stored plan reads a shard on first use): with one endpoint changed
 * in 100,000, 63 of the 64 units are these. The content is read only if someone asks for `live`.
 */
export function fenceOnlyUnit(input: {
  shard: number;
  zone: string;
  writer: string;
  owner?: string;
  fence: ShardFence;
  plan: Plan;
}): ShardUnit {
  const { shard, fence, plan } = input;
  const sharded = shardPlan(plan);
  // The content is the fence's, so is what it says is not dnsplane's.
  const notOwned = fence.notOwned ?? new Map<string, readonly string[]>();
  const newFence = newShardFenceSet(shard, input.zone, {
    generation: plan.generation,
    digest: sharded.digests[shard],
    writer: input.writer,
    notOwned,
    owner: input.owner,
  });
  const unit = {
    shard,
    generation: plan.generation,
    kind: 'apply',
    liveFence: fence,
    newFence,
    excluded: [],
    notOwned,
    liveSets: sharded.sets[shard],
    endpoints: [...sharded.keys[shard]],
    changed: [],
    recordChanges: [],
    changes: [
      { action: 'DELETE', set: fence.set },
      { action: 'CREATE', set: newFence },
    ],
    adopted: [],
  } as Omit<ShardUnit, 'live'>;
  return Object.defineProperty(unit, 'live', { enumerable: true, get: () => sharded.content[shard] }) as ShardUnit;
}

/** The endpoint keys a Route53 error message names (`name='x.', type='A'` or `... with DNS name x.`), as (name, type?). */
export function namedInError(message: string): Array<{ name: string; type?: string }> {
  const named: Array<{ name: string; type?: string }> = [];
  for (const match of message.matchAll(/name='([^']+)'(?:,\s*type='([^']+)')?/g))
    named.push({ name: match[1], type: match[2] });
  for (const match of message.matchAll(/RRSet (?:of type (\w+) )?with DNS name ([^\s,\]]+)/g))
    named.push({ name: match[2], type: match[1] });
  return named.map(({ name, type }) => ({ name: normalizeName(name), type }));
}
