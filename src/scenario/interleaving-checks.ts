// The invariants the randomized interleavings (interleavings.ts) judge after every commit of the zone and
// every plan deletion. Each reads the zone through zone-state.ts, as the race and its checks do.
//
//   empty     no endpoint ever has no address record set (unless its shard fence names a generation that removed it);
//   capacity  no endpoint ever serves fewer addresses than the enactors' min capacity;
//   fence     no endpoint's fence generation ever goes backwards;
//   stale     once a generation that removed an endpoint is fully applied, nothing writes that endpoint at
//             an older generation (issue 11 case 1);
//   named     every fence names a plan the store still has (issue 11 case 1's deleted plan);
//   content   an endpoint's records are the content of the plan its fence names (issue 11 case 2);
//   identity  an endpoint's records never change under an unchanged fence generation: one generation, one
//             content (issue 11 case 4; the harness makes no hand edits, so no change there is a repair);
//   velocity  no commit takes more weight units out of an endpoint than the planner's velocity budget allows
//             one generation (issue 11 case 3: velocity must hold for what is enacted, not only planned).
// `converge` (one calm pass brings every endpoint to the newest plan) is judged by the harness at the end.
import { desiredSets, setsMatch } from '../enactor/changes.js';
import { servingCapacity } from '../enactor/guard.js';
import { groupZone } from '../enactor/live.js';
import { shardDigest, shardOfKey } from '../enactor/shard-fence.js';
import type { EndpointPlan, Plan } from '../plan/schema.js';
import { endpointKey, type RecordSet } from '../route53/recordset.js';
import { endpointStandings, type EndpointStanding } from './zone-state.js';

export type Invariant =
  'empty' | 'capacity' | 'fence' | 'converge' | 'stale' | 'named' | 'content' | 'identity' | 'velocity';

export interface WatchOptions {
  /** Endpoint keys ("name TYPE") to judge. */
  endpoints: readonly string[];
  minCapacity: number;
  check: readonly Invariant[];
  /** Whether the plan store holds a generation now. */
  stored: (generation: number) => boolean;
  /** Weight units one generation may take out of an endpoint (the planner's budget); the velocity check needs it. */
  velocityBudget?: number;
}

/** Weight units that leave service from one set of record sets to the next (a set that disappears loses all). */
function weightDrop(before: readonly RecordSet[], after: readonly RecordSet[]): number {
  const now = new Map(after.map((set) => [set.setIdentifier ?? '', set.weight ?? 0]));
  return before.reduce(
    (drop, set) => drop + Math.max(0, (set.weight ?? 0) - (now.get(set.setIdentifier ?? '') ?? 0)),
    0,
  );
}

const signature = (sets: readonly RecordSet[]) =>
  sets
    .map((set) => `${set.setIdentifier ?? ''}:${set.weight ?? ''}:${[...set.values].sort().join(',')}`)
    .sort()
    .join(' ');

export class InvariantWatch {
  readonly violations: string[] = [];
  commits = 0;
  /** Every content stored under each generation: more than one only on a non-atomic store. */
  private readonly published = new Map<number, Plan[]>();
  /** Generations fully applied (every endpoint of that content at the generation or above), with that content. */
  private readonly completed = new Map<number, Plan>();
  private readonly highestFence = new Map<string, number>();
  private previous = new Map<string, EndpointStanding>();
  /** Fences already reported as naming a deleted plan (reported once, not after every later commit). */
  private readonly unnamed = new Set<string>();

  constructor(private readonly options: WatchOptions) {}

  private on(invariant: Invariant): boolean {
    return this.options.check.includes(invariant);
  }

  /** A plan the store accepted (called synchronously by the store). */
  planWritten(plan: Plan): void {
    const versions = this.published.get(plan.generation) ?? [];
    versions.push(plan);
    this.published.set(plan.generation, versions);
  }

  /** Whether the endpoint's shard fence names a generation that removed it (removal is a fenced DELETE: no records is right). */
  private removed(shardFences: ReturnType<typeof groupZone>['shardFences'], key: string): boolean {
    const fence = [...shardFences.values()]
      .map((zone) => zone.get(shardOfKey(key)))
      .find((found) => found !== undefined);
    if (!fence || fence.excluded.includes(key)) return false;
    // On a non-atomic store a generation may have two versions: the fence's digest says which one is live.
    const version = (this.published.get(fence.generation) ?? []).find(
      (plan) => shardDigest(plan, fence.shard, fence.excluded) === fence.digest,
    );
    return version !== undefined && !hasEndpoint(version, key);
  }

  /** A plan the store deleted: no fence may name it. */
  planDeleted(): void {
    this.checkNamed(this.previous, 'a plan deletion');
  }

  /** The zone after a commit. */
  observe(sets: readonly RecordSet[]): void {
    this.commits += 1;
    const at = `commit ${this.commits}`;
    const states = endpointStandings(sets);
    const shardFences = groupZone(sets).shardFences;
    for (const key of this.options.endpoints) {
      const state = states.get(key);
      const before = this.previous.get(key);
      if (this.on('empty') && (!state || state.sets.length === 0) && !this.removed(shardFences, key))
        this.violations.push(`empty: ${key} has no record set after ${at}`);
      if (
        this.on('capacity') &&
        state &&
        state.sets.length > 0 &&
        servingCapacity(state.sets) < this.options.minCapacity
      ) {
        this.violations.push(
          `capacity: ${key} serves ${servingCapacity(state.sets)} address(es), below min capacity ${this.options.minCapacity}, after ${at}`,
        );
      }
      if (this.on('fence') && state?.fence !== undefined) {
        const highest = this.highestFence.get(key) ?? 0;
        if (state.fence < highest)
          this.violations.push(`fence: ${key} went back from ${highest} to ${state.fence} at ${at}`);
        this.highestFence.set(key, Math.max(highest, state.fence));
      }
      const budget = this.options.velocityBudget;
      if (
        this.on('velocity') &&
        budget !== undefined &&
        before &&
        state &&
        weightDrop(before.sets, state.sets) > budget
      ) {
        const drop = weightDrop(before.sets, state.sets);
        this.violations.push(
          `velocity: ${key} lost ${drop} weight units in one commit (generation ${before.generation} -> ${state.generation}), above the budget of ${budget}, at ${at}`,
        );
      }
      if (!state || state.fence === undefined) continue;
      const written = !before || before.fence !== state.fence || signature(before.sets) !== signature(state.sets);
      if (this.on('identity') && before?.fence === state.fence && signature(before.sets) !== signature(state.sets)) {
        this.violations.push(
          `identity: ${key}'s records changed under fence generation ${state.fence} at ${at} (${signature(before.sets)} -> ${signature(state.sets)})`,
        );
      }
      if (this.on('stale') && written) {
        for (const [generation, plan] of this.completed) {
          if (generation > state.fence && !hasEndpoint(plan, key)) {
            this.violations.push(
              `stale: ${key} written at generation ${state.fence} at ${at}, after generation ${generation}, which removed it, was fully applied`,
            );
            break;
          }
        }
      }
      if (this.on('content') && written) {
        const planned = (this.published.get(state.fence) ?? [])
          .map((plan) => endpointOf(plan, key))
          .filter((e): e is EndpointPlan => e !== undefined);
        if (planned.length > 0 && !planned.some((endpoint) => setsMatch(state.sets, desiredSets(endpoint)))) {
          this.violations.push(
            `content: ${key}'s fence says generation ${state.fence} but its records are not that plan's at ${at} (${signature(state.sets)})`,
          );
        }
      }
    }
    this.checkNamed(states, at);
    for (const [generation, versions] of this.published) {
      if (this.completed.has(generation)) continue;
      const done = versions.find((plan) =>
        plan.endpoints.every((e) => (states.get(endpointKey(e.name, e.type))?.generation ?? 0) >= generation),
      );
      if (done) this.completed.set(generation, done);
    }
    this.previous = states;
  }

  private checkNamed(states: ReadonlyMap<string, EndpointStanding>, at: string): void {
    if (!this.on('named')) return;
    for (const key of this.options.endpoints) {
      const fence = states.get(key)?.fence;
      if (fence !== undefined && fence > 0 && !this.options.stored(fence) && !this.unnamed.has(`${key}@${fence}`)) {
        this.unnamed.add(`${key}@${fence}`);
        this.violations.push(
          `named: ${key}'s fence names generation ${fence}, which the plan store no longer has (after ${at})`,
        );
      }
    }
  }
}

function endpointOf(plan: Plan, key: string): EndpointPlan | undefined {
  return plan.endpoints.find((endpoint) => endpointKey(endpoint.name, endpoint.type) === key);
}

function hasEndpoint(plan: Plan, key: string): boolean {
  return endpointOf(plan, key) !== undefined;
}
