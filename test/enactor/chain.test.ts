// Chains (src/enactor/chain.ts): a shard whose unit does not fit one request is sent as a chain of fenced units,
// with the real Enactor against the real authority over HTTP (limits shrunk so that a dozen endpoints in one
// shard need a chain, as ~1,560 do at 100,000 endpoints with Route53's real limits).
import { afterEach, describe, expect, it } from 'vitest';
import { changeCost } from '../../src/route53/change-batch.js';
import { chainUnit, packRound, startChain } from '../../src/enactor/chain.js';
import { decideShard, type ShardUnit } from '../../src/enactor/decide.js';
import type { Plan } from '../../src/plan/schema.js';
import { DEFAULT_GUARD } from '../../src/enactor/guard.js';
import { parseShardFence, setIdHash, shardDigest, shardOf, shardOfFenceName } from '../../src/enactor/shard-fence.js';
import { fenceGeneration, host, liveWeights, planOf, stallingPort, startRig, ZONE, type Rig } from './harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** Twelve labels whose endpoints all fall in one shard. */
const SHARD = shardOf(host('n0'), 'A');
const labels: string[] = [];
for (let i = 0; labels.length < 12; i++) if (shardOf(host(`n${i}`), 'A') === SHARD) labels.push(`n${i}`);
const LIMITS = { elements: 20, chars: 32_000 };
/** Every endpoint of the zone changes in these tests: the change-share guard would refuse that. */
const GUARD = { maxChangeShare: 1 };
const weights = (w: number) => Object.fromEntries(labels.map((label) => [label, [w, w, w]]));

/** The unit of a shard's first rollout of `plan` (nothing live yet). */
function firstRollout(plan: Plan, shard: number): ShardUnit {
  const decision = decideShard({
    shard,
    zone: ZONE,
    writer: 't',
    guard: DEFAULT_GUARD,
    live: new Map(),
    targets: [plan],
  });
  if (decision.action !== 'send') throw new Error('expected a unit');
  return decision.unit;
}

describe('chainUnit (pure)', () => {
  it('splits an oversized unit into segments within the limits, whole endpoints each, every fence naming the content it leaves', () => {
    const plan = planOf(1, weights(1));
    const unit = firstRollout(plan, SHARD);
    expect(changeCost(unit.changes).elements).toBe(12 * 3 + 1);
    const chain = chainUnit(unit, plan, ZONE, 't', LIMITS);
    if (!chain.ok) throw new Error('expected a chain');
    const { segments } = chain;
    expect(segments.length).toBeGreaterThanOrEqual(2);
    for (const segment of segments) expect(changeCost(segment.changes).elements).toBeLessThanOrEqual(20);
    // Every record change exactly once, in whole endpoints.
    expect(segments.flatMap((segment) => segment.recordChanges)).toEqual(unit.recordChanges);
    expect(segments.flatMap((segment) => segment.changed)).toEqual(unit.changed);
    // Each segment swaps the fence the previous one wrote; x= lists what later segments still carry.
    segments.forEach((segment, j) => {
      if (j > 0) expect(segment.liveFence?.set).toEqual(segments[j - 1].newFence);
      const pending = segments.slice(j + 1).flatMap((later) => later.changed);
      expect(segment.excluded).toEqual([...pending].sort());
      expect(segment.newFence.values[0]).toContain(`d=${shardDigest(plan, SHARD, segment.excluded)}`);
    });
    expect(segments.at(-1)!.newFence).toBe(unit.newFence);
  });

  it("keeps a deployment's owner id and its not-owned sets (f=) on every intermediate fence of a chain", () => {
    const plan = planOf(1, weights(1));
    const decision = decideShard({
      shard: SHARD,
      zone: ZONE,
      writer: 't',
      guard: DEFAULT_GUARD,
      live: new Map(),
      targets: [plan],
      owner: 'blue',
    });
    if (decision.action !== 'send') throw new Error('expected a unit');
    const notOwned = new Map([[`${host(labels[0])} A`, [setIdHash('lb-0')]]]);
    const chain = chainUnit({ ...decision.unit, notOwned }, plan, ZONE, 't', LIMITS);
    if (!chain.ok) throw new Error('expected a chain');
    expect(chain.segments.length).toBeGreaterThanOrEqual(2);
    for (const segment of chain.segments.slice(0, -1)) {
      expect(shardOfFenceName(segment.newFence.name)).toEqual({ shard: SHARD, zone: ZONE, owner: 'blue' });
      expect(parseShardFence(SHARD, segment.newFence).notOwned).toEqual(notOwned);
    }
  });

  it('names the endpoint whose changes alone exceed a request', () => {
    const plan = planOf(1, { [labels[0]]: [1] }, () => Array.from({ length: 30 }, (_, i) => `10.9.9.${i + 1}`));
    const unit = firstRollout(plan, SHARD);
    expect(chainUnit(unit, plan, ZONE, 't', LIMITS)).toEqual({
      ok: false,
      endpoint: `${host(labels[0])} A`,
      elements: 30,
      chars: expect.any(Number),
    });
  });
});

describe('packRound (pure): chains cut when packed', () => {
  /** Thirteen labels in each of two shards: each shard's first rollout is 39 record elements. */
  const twoShards = () => {
    const byShard = new Map<number, string[]>();
    for (let i = 0; [...byShard.values()].filter((list) => list.length >= 13).length < 2; i++) {
      const label = `m${i}`;
      const shard = shardOf(host(label), 'A');
      byShard.set(shard, [...(byShard.get(shard) ?? []), label]);
    }
    return [...byShard.entries()]
      .filter(([, list]) => list.length >= 13)
      .map(([shard, list]) => ({ shard, labels: list.slice(0, 13) }));
  };

  it('fills the room a chain leaves with another chain, where whole precut segments need a request each', () => {
    const shards = twoShards();
    const plan = planOf(
      1,
      Object.fromEntries(shards.flatMap(({ labels: list }) => list.map((label) => [label, [1, 1, 1]]))),
    );
    const units = shards.map(({ shard }) => firstRollout(plan, shard));
    // Precut (one request per segment): 19 + 19 + 4 elements per shard, 3 requests each.
    const precut = units.map((unit) => chainUnit(unit, plan, ZONE, 't', LIMITS));
    const precutRequests = precut.reduce((sum, chain) => sum + (chain.ok ? chain.segments.length : 0), 0);
    expect(precutRequests).toBe(6);

    let chains = units.map((unit) => {
      const started = startChain(unit, plan, ZONE, 't', LIMITS);
      if (!started.ok) throw new Error('expected a chain');
      return started.cursor;
    });
    const sent: ShardUnit[][] = [];
    while (chains.length > 0) {
      const round = packRound([], chains, LIMITS);
      sent.push(...round.batches);
      chains = [...round.continues.values()];
    }
    // Both tails share the last request: 5 requests for what precut segments sent in 6.
    expect(sent).toHaveLength(5);
    for (const batch of sent)
      expect(changeCost(batch.flatMap((unit) => unit.changes)).elements).toBeLessThanOrEqual(20);
    units.forEach((unit) => {
      const segments = sent.flat().filter((segment) => segment.shard === unit.shard);
      // Every record change exactly once, each segment swapping the fence the one before it wrote.
      expect(segments.flatMap((segment) => segment.recordChanges)).toEqual(unit.recordChanges);
      segments.forEach((segment, j) => {
        if (j > 0) expect(segment.liveFence?.set).toEqual(segments[j - 1].newFence);
      });
      expect(segments.at(-1)!.newFence).toBe(unit.newFence);
    });
  });
});

describe('chains against the authority', () => {
  it('a shard too large for one request is rolled out and changed through chains; the fence ends at the plan with nothing excluded', async () => {
    rig = await startRig();
    await rig.writePlan(1, weights(1));
    const enactor = rig.enactor('e1', { limits: LIMITS, guard: GUARD });
    const first = await enactor.runOnce();
    expect(first.refused).toEqual([]);
    expect(first.applied.sort()).toEqual(labels.map((label) => `${host(label)} A`).sort());
    await rig.writePlan(2, weights(2));
    const second = await enactor.runOnce();
    expect(second.refused).toEqual([]);
    // 12 endpoints × 3 sets × (DELETE + CREATE) = 72 elements: at least 4 segments of at most 18 beside the swap.
    expect(second.batches).toBeGreaterThanOrEqual(4);
    const view = await rig.view();
    for (const label of labels) expect(liveWeights(view, label)).toEqual([2, 2, 2]);
    const fence = view.shardFences.get(ZONE)!.get(SHARD)!;
    expect([fence.generation, fence.excluded]).toEqual([2, []]);
  });

  it('a delayed batch of an older generation fails against a chain in progress or done, and the zone ends at the newest plan', async () => {
    rig = await startRig();
    await rig.writePlan(1, weights(1));
    await rig.enactor('bootstrap', { limits: LIMITS, guard: GUARD }).runOnce();
    await rig.writePlan(2, { ...weights(1), [labels[0]]: [5, 5, 5] });
    const slow = stallingPort(rig.port);
    const slowRun = rig.enactor('slow', { client: slow.client, limits: LIMITS, guard: GUARD }).runOnce();
    await slow.stalled;
    await rig.writePlan(3, weights(3));
    const fastEnactor = rig.enactor('fast', { limits: LIMITS, guard: GUARD });
    // The delayed gen-2 batch goes out once the gen-3 chain has begun: mid-chain.
    let stale: Promise<Awaited<typeof slowRun>> | undefined;
    fastEnactor.on('event', (event) => {
      if (event.type === 'batch-accepted' && !stale) {
        slow.release();
        stale = slowRun;
      }
    });
    const fast = await fastEnactor.runOnce();
    expect(fast.generation).toBe(3);
    expect(fast.batches).toBeGreaterThanOrEqual(4);
    expect((await stale!).applied).toEqual([]);
    const view = await rig.view();
    for (const label of labels) expect(liveWeights(view, label)).toEqual([3, 3, 3]);
    expect(fenceGeneration(view, labels[0])).toBe(3);
  });

  it('an endpoint whose changes alone exceed a request is refused too-large, naming it and the limits', async () => {
    rig = await startRig();
    await rig.writePlan(1, { [labels[0]]: [1] }, () => Array.from({ length: 30 }, (_, i) => `10.9.9.${i + 1}`));
    const summary = await rig.enactor('e1', { limits: LIMITS, guard: GUARD }).runOnce();
    expect(summary.refused).toEqual([
      {
        endpoint: `${host(labels[0])} A`,
        reason: 'too-large',
        message: expect.stringMatching(/alone take 30 elements .*\(20 elements, 32000 characters\)/),
      },
    ]);
  });
});
