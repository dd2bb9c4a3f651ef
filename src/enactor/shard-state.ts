// What a shard holds live, for the enactor's decision. Every read here follows the pass's fence read (never
// before it, never concurrently with it): a record read first could certify content a later batch replaced
// (the torn read of issue 11). A shard whose fence names a stored plan with a matching digest costs no read at
// all (I3): its content IS that plan's shard, minus the endpoints the fence excludes.
import type { Route53Port } from '../route53/port.js';
import pMap from 'p-map';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { sortKey } from '../authority/store/order.js';
import type { Plan } from '../plan/schema.js';
import { readEndpointSets } from '../route53/listing.js';
import { fromSdkRecordSet, normalizeName, type RecordSet } from '../route53/recordset.js';
import { setsMatch } from './changes.js';
import { namedInError, type ShardContent, type ShardUnit } from './decide.js';
import type { ChangePolicy } from './guard.js';
import { readLiveZone } from './live.js';
import type { PlanCache } from './plan-cache.js';
import {
  contentDigest,
  prefetchShards,
  SHARDS,
  setIdHash,
  shardOfKey,
  shardPlan,
  type ShardFence,
} from './shard-fence.js';

/** Corrections to what a shard's fence implies, learnt after it was read: fresh reads of endpoints, and exclusions. */
export interface Tweaks {
  overrides: Map<string, RecordSet[]>;
  exclude: Set<string>;
}

export interface ShardState {
  live: ShardContent;
  /** Endpoints whose content is not known (excluded by the fence, or poisoned now). */
  unknown: Set<string>;
  /** Found poisoned in this pass (excluded by a tweak). */
  poisoned: Set<string>;
  /** v1 per-endpoint fences in the shard, deleted by its first v2 unit (migration). */
  v1Fences: RecordSet[];
  /** The highest v1 fence of the shard when it is newer than the plan (stand down, as v1 did). */
  v1Ahead?: number;
  /** Endpoints fenced by v1: every set of theirs was written by dnsplane. */
  v1Keys?: Set<string>;
  /** Live sets at the shard's managed names that dnsplane did not write (see ownedIdentifiers). */
  foreign: Map<string, RecordSet[]>;
}

/** Record sets per ListResourceRecordSets page (Route53's largest). */
const PAGE = 300;
/** Records per drift-sweep page (Route53's largest page). */
const SWEEP_PAGE = PAGE;

const nameOf = (key: string) => key.slice(0, key.indexOf(' '));
const typeOf = (key: string) => key.slice(key.indexOf(' ') + 1) as 'A' | 'AAAA';

/** Pages one listing of the zone takes, estimated from the plan (its sets and the shard fences). */
function zonePagesOf(plan: Plan): number {
  return Math.ceil((shardPlan(plan).sets.reduce((sum, sets) => sum + sets, 0) + SHARDS) / PAGE);
}

/** Live sets whose (endpoint, set identifier) the owned content does not name; v1-fenced endpoints are all owned. */
function foreignSets(
  live: ShardContent,
  owned: ReadonlyMap<string, readonly RecordSet[]>,
  v1Keys?: ReadonlySet<string>,
): Map<string, RecordSet[]> {
  const foreign = new Map<string, RecordSet[]>();
  for (const [key, sets] of live) {
    if (v1Keys?.has(key)) continue;
    const ids = new Set((owned.get(key) ?? []).map((set) => set.setIdentifier ?? ''));
    const theirs = sets.filter((set) => !ids.has(set.setIdentifier ?? ''));
    if (theirs.length > 0) foreign.set(key, theirs);
  }
  return foreign;
}

export class ShardReader {
  private readonly excludedDigests = new WeakMap<Plan, Map<string, string>>();
  /** Where the next drift-sweep page starts (undefined: the zone's first name). */
  private sweepCursor: string | undefined;

  constructor(
    private readonly client: Route53Port,
    private readonly plans: PlanCache,
    /** upsert-only: the sweep ignores sets the plan does not name (they are left alone, not drift). */
    private readonly policy: ChangePolicy = 'sync',
  ) {}

  /** A shard's digest with endpoints excluded (memoised per plan: the same fences are judged every pass). */
  digest(plan: Plan, shard: number, excluded: readonly string[]): string {
    let memo = this.excludedDigests.get(plan);
    if (!memo) this.excludedDigests.set(plan, (memo = new Map()));
    if (excluded.length === 0) return shardPlan(plan).digests[shard];
    const key = `${shard}|${[...excluded].sort().join(',')}`;
    let digest = memo.get(key);
    if (digest === undefined) memo.set(key, (digest = contentDigest(shardPlan(plan).content[shard], excluded)));
    return digest;
  }

  /** The plan a fence names, when it is stored and the fence's digest is that plan's shard: the content is known. */
  async fencedPlan(fence: ShardFence | undefined): Promise<Plan | undefined> {
    if (!fence || fence.generation === 0) return undefined;
    const plan = await this.plans.at(fence.generation);
    return plan && this.digest(plan, fence.shard, fence.excluded) === fence.digest ? plan : undefined;
  }

  async states(
    zoneId: string,
    plan: Plan,
    fences: Map<number, ShardFence | undefined>,
    shards: number[],
    tweaks: Map<number, Tweaks>,
  ): Promise<Map<number, ShardState>> {
    // Every shard below reads the plan's content and that of the plan its fence names: warm both first.
    const named = await this.namedPlans(fences, shards);
    await Promise.all([prefetchShards(plan, shards), ...[...named].map(([older, its]) => prefetchShards(older, its))]);
    const states = new Map<number, ShardState>();
    const unread: Array<{ shard: number; older?: Plan }> = [];
    const fresh: Array<{ shard: number; key: string }> = [];
    for (const shard of shards) {
      await nextTurn(); // reading a shard of a large plan takes milliseconds: let the hint's beat run (hints.ts)
      const fence = fences.get(shard);
      const fenced = await this.fencedPlan(fence);
      if (fenced) {
        const live = new Map(shardPlan(fenced).content[shard]);
        for (const key of fence!.excluded) live.delete(key);
        states.set(shard, {
          live,
          unknown: new Set(fence!.excluded),
          poisoned: new Set(),
          v1Fences: [],
          foreign: new Map(),
        });
        // Names the plan newly manages are not vouched for by the fence: read them (sets may be there already).
        for (const key of shardPlan(plan).content[shard].keys())
          if (!live.has(key) && !fence!.excluded.includes(key) && !shardPlan(fenced).content[shard].has(key))
            fresh.push({ shard, key });
      } else {
        unread.push({
          shard,
          older: fence && fence.generation > 0 ? await this.plans.at(fence.generation) : undefined,
        });
      }
    }
    if (unread.length > 0) await this.read(zoneId, plan, fences, unread, states);
    // Per endpoint when few, else one listing of the zone (many endpoints added to the fleet at once).
    if (fresh.length >= zonePagesOf(plan)) {
      const view = await readLiveZone(this.client, zoneId);
      for (const { shard, key } of fresh) {
        const sets = view.endpoints.get(key)?.sets ?? [];
        if (sets.length > 0) states.get(shard)!.live.set(key, sets);
      }
    } else {
      const found = await pMap(fresh, ({ key }) => readEndpointSets(this.client, zoneId, nameOf(key), typeOf(key)), {
        concurrency: 4,
      });
      fresh.forEach(({ shard, key }, i) => {
        if (found[i].length > 0) states.get(shard)!.live.set(key, found[i]);
      });
    }
    for (const [shard, tweak] of tweaks) {
      const state = states.get(shard);
      if (!state) continue;
      for (const [key, sets] of tweak.overrides) {
        if (sets.length > 0) state.live.set(key, sets);
        else state.live.delete(key);
        state.unknown.delete(key);
      }
      for (const key of tweak.exclude) {
        state.unknown.add(key);
        state.poisoned.add(key);
      }
    }
    for (const [shard, state] of states) {
      const owned = await this.ownedIdentifiers(plan, fences.get(shard), shard);
      state.foreign = foreignSets(state.live, owned, state.v1Keys);
    }
    return states;
  }

  /**
   * The stored plans the fences of `shards` name (whether or not a digest vouches: judged later), each with
   * those shards; one read a generation. For prefetching: what is read and decided is the same without it.
   */
  private async namedPlans(
    fences: Map<number, ShardFence | undefined>,
    shards: Iterable<number>,
  ): Promise<Map<Plan, number[]>> {
    const byGeneration = new Map<number, Plan | undefined>();
    const named = new Map<Plan, number[]>();
    for (const shard of shards) {
      const generation = fences.get(shard)?.generation ?? 0;
      if (generation === 0) continue;
      if (!byGeneration.has(generation)) byGeneration.set(generation, await this.plans.at(generation));
      const plan = byGeneration.get(generation);
      if (plan) named.set(plan, [...(named.get(plan) ?? []), shard]);
    }
    return named;
  }

  /**
   * Which sets of the shard dnsplane wrote (protocol v2), by endpoint key and set identifier: those the plan its
   * fence names has there. A fence whose plan this store does not hold (a new or restored store) still proves
   * the shard is this deployment's: the sets the plan being enacted names are taken as its own. Without a fence
   * nothing in the shard is (except endpoints fenced by v1). The sets the fence lists as not owned (f=: found
   * there, not written by dnsplane, never adopted) stay someone else's although the plan names them.
   */
  private async ownedIdentifiers(
    plan: Plan,
    fence: ShardFence | undefined,
    shard: number,
  ): Promise<Map<string, RecordSet[]>> {
    if (!fence) return new Map();
    const named = fence.generation > 0 ? await this.plans.at(fence.generation) : undefined;
    const content = shardPlan(named ?? plan).content[shard];
    if (!fence.notOwned || fence.notOwned.size === 0) return content;
    const owned = new Map(content);
    for (const [key, hashes] of fence.notOwned) {
      const sets = owned.get(key);
      if (sets)
        owned.set(
          key,
          sets.filter((set) => !hashes.includes(setIdHash(set.setIdentifier))),
        );
    }
    return owned;
  }

  /** Reads the shards whose content no fence vouches for: per endpoint when few, else the whole zone once. */
  private async read(
    zoneId: string,
    plan: Plan,
    fences: Map<number, ShardFence | undefined>,
    unread: Array<{ shard: number; older?: Plan }>,
    states: Map<number, ShardState>,
  ): Promise<void> {
    const keysOf = (shard: number, older?: Plan) =>
      new Set([...shardPlan(plan).content[shard].keys(), ...(older ? shardPlan(older).content[shard].keys() : [])]);
    const wanted = unread.map(({ shard, older }) => ({ shard, keys: keysOf(shard, older) }));
    const count = wanted.reduce((sum, entry) => sum + entry.keys.size, 0);
    const noShardFences = [...fences.values()].every((fence) => fence === undefined);
    // One request per endpoint, or one listing of the zone (pages estimated from the plan): whichever is fewer.
    const zonePages = zonePagesOf(plan);
    if (count > 0 && (noShardFences || count >= zonePages)) {
      // A fresh zone, a zone still on v1 fences, or many shards to learn: one listing of the whole zone.
      const view = await readLiveZone(this.client, zoneId);
      const byShard = new Map<
        number,
        Array<[string, typeof view.endpoints extends Map<string, infer V> ? V : never]>
      >();
      for (const entry of view.endpoints) {
        const shard = shardOfKey(entry[0]);
        let list = byShard.get(shard);
        if (!list) byShard.set(shard, (list = []));
        list.push(entry);
      }
      for (const { shard, keys } of wanted) {
        const live: ShardContent = new Map();
        const v1Fences: RecordSet[] = [];
        const v1Keys = new Set<string>();
        let v1Highest = 0;
        for (const [key, endpoint] of byShard.get(shard) ?? []) {
          if (endpoint.v1Fence) {
            v1Fences.push(endpoint.v1Fence.set);
            v1Keys.add(key);
            v1Highest = Math.max(v1Highest, endpoint.v1Fence.generation);
          }
          // Managed endpoints only: planned now, in the plan the fence names, or fenced by v1. Others are not ours.
          if ((keys.has(key) || endpoint.v1Fence) && endpoint.sets.length > 0) live.set(key, endpoint.sets);
        }
        states.set(shard, {
          live,
          unknown: new Set(),
          poisoned: new Set(),
          v1Fences,
          v1Keys,
          foreign: new Map(),
          ...(v1Highest > plan.generation ? { v1Ahead: v1Highest } : {}),
        });
      }
      return;
    }
    const reads = wanted.flatMap(({ shard, keys }) => [...keys].map((key) => ({ shard, key })));
    const results = await pMap(reads, ({ key }) => readEndpointSets(this.client, zoneId, nameOf(key), typeOf(key)), {
      concurrency: 4,
    });
    for (const { shard } of wanted)
      states.set(shard, { live: new Map(), unknown: new Set(), poisoned: new Set(), v1Fences: [], foreign: new Map() });
    reads.forEach(({ shard, key }, i) => {
      if (results[i].length > 0) states.get(shard)!.live.set(key, results[i]);
    });
  }

  /** The endpoints of a rejected unit that Route53's message names, each read again (after the fences). */
  async namedEndpoints(
    zoneId: string,
    unit: ShardUnit,
    error: string,
  ): Promise<Array<{ key: string; sets: RecordSet[]; asAssumed: boolean }>> {
    const keys = new Set([...unit.live.keys(), ...unit.endpoints]);
    const hits = new Set<string>();
    for (const { name, type } of namedInError(error)) {
      for (const key of keys) {
        if (nameOf(key) !== name) continue;
        if (type === undefined || type === typeOf(key) || (type !== 'A' && type !== 'AAAA')) hits.add(key);
      }
    }
    const named: Array<{ key: string; sets: RecordSet[]; asAssumed: boolean }> = [];
    for (const key of hits) {
      const sets = await readEndpointSets(this.client, zoneId, nameOf(key), typeOf(key));
      named.push({ key, sets, asAssumed: setsMatch(sets, unit.live.get(key) ?? []) });
    }
    return named;
  }

  /** A shard at `fence` (content from `plan`) with one excluded endpoint read: for its attempt alone. */
  async alone(
    zoneId: string,
    plan: Plan,
    fence: ShardFence,
    key: string,
  ): Promise<{ live: ShardContent; unknown: Set<string>; foreign: Map<string, RecordSet[]> }> {
    const live = new Map(shardPlan(plan).content[fence.shard]);
    for (const excluded of fence.excluded) live.delete(excluded);
    const sets = await readEndpointSets(this.client, zoneId, nameOf(key), typeOf(key));
    if (sets.length > 0) live.set(key, sets);
    const owned = await this.ownedIdentifiers(plan, fence, fence.shard);
    return {
      live,
      unknown: new Set(fence.excluded.filter((other) => other !== key)),
      foreign: foreignSets(new Map([[key, sets]]), owned),
    };
  }

  /** Every page of the sweep at once, from the zone's first name (the preview reads the whole zone). */
  async sweepAll(zoneId: string, fences: Map<number, ShardFence | undefined>): Promise<Map<number, Tweaks>> {
    this.sweepCursor = undefined;
    const drift = new Map<number, Tweaks>();
    do {
      for (const [shard, tweaks] of await this.sweepPage(zoneId, fences)) {
        const known = drift.get(shard);
        if (!known) drift.set(shard, tweaks);
        else for (const [key, sets] of tweaks.overrides) known.overrides.set(key, sets);
      }
    } while (this.sweepCursor !== undefined);
    return drift;
  }

  /**
   * The drift sweep: ONE page of records (rotating through the zone), read after the fences, compared with the
   * content the fences vouch for. Returns, per shard, the endpoints whose live sets differ (to be repaired).
   */
  async sweepPage(zoneId: string, fences: Map<number, ShardFence | undefined>): Promise<Map<number, Tweaks>> {
    const output = await this.client.listResourceRecordSets({
      HostedZoneId: zoneId,
      StartRecordName: this.sweepCursor,
      MaxItems: SWEEP_PAGE,
    });
    const sets = (output.ResourceRecordSets ?? []).map(fromSdkRecordSet);
    const start = this.sweepCursor === undefined ? '' : sortKey(this.sweepCursor);
    const end = output.IsTruncated && output.NextRecordName ? sortKey(normalizeName(output.NextRecordName)) : undefined;
    this.sweepCursor = end === undefined ? undefined : normalizeName(output.NextRecordName!);
    const page = new Map<string, RecordSet[]>();
    for (const set of sets) {
      if (set.type !== 'A' && set.type !== 'AAAA') continue;
      const key = `${set.name} ${set.type}`;
      const list = page.get(key);
      if (list) list.push(set);
      else page.set(key, [set]);
    }
    const inPage = (key: string) => {
      const at = sortKey(nameOf(key));
      return at >= start && (end === undefined || at < end);
    };
    // Only the fenced plans' shards with an endpoint on this page are compared (their index says which, without
    // reading them): warm those first, then read them. Judged once per plan and shard: a shard with no endpoint
    // on the page (most of them) is a scan of all its keys.
    const judged = new Map<Plan, Map<number, boolean>>();
    const onPage = (plan: Plan, shard: number) => {
      let shards = judged.get(plan);
      if (!shards) judged.set(plan, (shards = new Map()));
      let has = shards.get(shard);
      if (has === undefined) shards.set(shard, (has = shardPlan(plan).keys[shard].some(inPage)));
      return has;
    };
    const named = await this.namedPlans(fences, fences.keys());
    await Promise.all(
      [...named].map(([plan, shards]) =>
        prefetchShards(
          plan,
          shards.filter((shard) => onPage(plan, shard)),
        ),
      ),
    );
    const drift = new Map<number, Tweaks>();
    for (const [shard, fence] of fences) {
      await nextTurn();
      const plan = await this.fencedPlan(fence);
      if (!plan || !onPage(plan, shard)) continue;
      for (const [key, planned] of shardPlan(plan).content[shard]) {
        if (fence!.excluded.includes(key)) continue;
        if (!inPage(key)) continue;
        const all = page.get(key) ?? [];
        const ids = new Set(planned.map((set) => set.setIdentifier ?? ''));
        const live = this.policy === 'upsert-only' ? all.filter((set) => ids.has(set.setIdentifier ?? '')) : all;
        if (setsMatch(live, planned)) continue;
        let tweaks = drift.get(shard);
        if (!tweaks) drift.set(shard, (tweaks = { overrides: new Map(), exclude: new Set() }));
        tweaks.overrides.set(key, all);
      }
    }
    return drift;
  }
}
