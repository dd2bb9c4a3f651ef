// The enactment hint (plan/hint.ts, enactor/hints.ts) with the real Enactor against the real authority over
// HTTP: one enactor claims a generation and sends it, the others send nothing; a lying or abandoned hint only
// delays, because a drift sweep reads the fences whatever the hint says and every write is still fenced.
import { afterEach, describe, expect, it } from 'vitest';
import { planDigest } from '../../src/enactor/hints.js';
import { countRequests } from '../../src/route53/request-counter.js';
import { fenceGeneration, host, liveWeights, stallingPort, startRig, type Rig } from './harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const total = (requests: Map<string, number>) => [...requests.values()].reduce((sum, n) => sum + n, 0);
const NO_SWEEP = 3_600_000;

async function applied(rig: Rig, generation: number, endpoints: Record<string, number[]>) {
  await rig.writePlan(generation, endpoints);
  await rig.enactor('bootstrap').runOnce();
}

describe('enactment hint', () => {
  it('three enactors, one endpoint changed: the claimant sends 1 List + 1 Change, the others wait, then trust the hint and send nothing', async () => {
    rig = await startRig();
    await applied(rig, 1, { api: [1, 1], web: [1, 1] });
    await rig.writePlan(2, { api: [1, 1], web: [2, 1] });

    const a = stallingPort(countRequests(rig.port).client);
    const aCounted = countRequests(a.client);
    const b = countRequests(rig.port);
    const c = countRequests(rig.port);
    const leader = rig.enactor('a', { client: aCounted.client, verifyEveryMs: NO_SWEEP });
    const followerB = rig.enactor('b', { client: b.client, verifyEveryMs: NO_SWEEP });
    const followerC = rig.enactor('c', { client: c.client, verifyEveryMs: NO_SWEEP });

    const leading = leader.runOnce({ hints: true });
    await a.stalled;
    // While a is sending, b and c wait for it: no fence read, no copy.
    expect((await followerB.runOnce({ hints: true })).hint).toEqual({ action: 'wait', enactor: 'a' });
    expect((await followerC.runOnce({ hints: true })).hint).toEqual({ action: 'wait', enactor: 'a' });
    a.release();
    expect((await leading).applied.length).toBeGreaterThan(0);
    const bSummary = await followerB.runOnce({ hints: true });
    expect(bSummary.hint).toEqual({ action: 'trust', enactor: 'a' });
    expect(bSummary.inSync.sort()).toEqual([`${host('api')} A`, `${host('web')} A`]);
    expect((await followerC.runOnce({ hints: true })).hint).toEqual({ action: 'trust', enactor: 'a' });
    // In sync now: later passes read nothing (until a drift sweep).
    await followerB.runOnce({ hints: true });

    expect(Object.fromEntries(aCounted.requests)).toEqual({
      ListHostedZonesByName: 1, // once per enactor, at its first pass
      ListResourceRecordSets: 1,
      ChangeResourceRecordSets: 1,
    });
    expect(total(b.requests) + total(c.requests)).toBe(0);
    expect(liveWeights(await rig.view(), 'web')).toEqual([2, 1]);
  });

  it('without the hint (runOnce) the same three enactors send copies that the fences reject: what the hint saves', async () => {
    rig = await startRig();
    await applied(rig, 1, { api: [1, 1], web: [1, 1] });
    await rig.writePlan(2, { api: [1, 1], web: [2, 1] });
    const counted = ['a', 'b', 'c'].map(() => countRequests(rig!.port));
    const stalls = counted.map((c) => stallingPort(c.client));
    // All three decide on the same fences before any of them sends.
    const runs = stalls.map((s, i) => rig!.enactor(`e${i}`, { client: s.client, verifyEveryMs: NO_SWEEP }).runOnce());
    await Promise.all(stalls.map((s) => s.stalled));
    for (const s of stalls) s.release();
    await Promise.all(runs);
    const changes = counted.reduce((sum, c) => sum + (c.requests.get('ChangeResourceRecordSets') ?? 0), 0);
    // One batch each: the winner's lands, the two copies are rejected, and the losers, finding the fences at the
    // generation they meant to write, send nothing more (they used to send it again as a fence-only repair).
    expect(changes).toBe(3);
    expect(counted.map((c) => c.requests.get('ChangeResourceRecordSets'))).toEqual([1, 1, 1]);
  });

  it('a lying hint ("enacted" while the fences are behind) only delays: the next drift sweep reads the fences and enacts', async () => {
    rig = await startRig();
    await applied(rig, 1, { api: [1, 1], web: [1, 1] });
    const plan = await rig.writePlan(2, { api: [1, 1], web: [2, 1] });
    await rig.store.writeHint({
      generation: 2,
      digest: planDigest(plan),
      enactor: 'liar',
      state: 'enacted',
      beat: 1,
      at: new Date().toISOString(),
    });
    const enactor = rig.enactor('e', { verifyEveryMs: 50 });
    expect((await enactor.runOnce({ hints: true })).hint).toEqual({ action: 'trust', enactor: 'liar' });
    expect(fenceGeneration(await rig.view(), 'web')).toBe(1);
    let passes = 0;
    while ((await enactor.runOnce({ hints: true })).applied.length === 0) {
      passes += 1;
      expect(passes).toBeLessThan(1_000);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const view = await rig.view();
    expect([fenceGeneration(view, 'web'), liveWeights(view, 'web')]).toEqual([2, [2, 1]]);
  });

  it('a hint for other content under the same generation (two planners, one generation) is not trusted', async () => {
    rig = await startRig();
    await applied(rig, 1, { api: [1, 1], web: [1, 1] });
    await rig.writePlan(2, { api: [1, 1], web: [2, 1] });
    await rig.store.writeHint({
      generation: 2,
      digest: '0123456789ab',
      enactor: 'other',
      state: 'enacted',
      beat: 1,
      at: new Date().toISOString(),
    });
    const summary = await rig.enactor('e', { verifyEveryMs: NO_SWEEP }).runOnce({ hints: true });
    expect(summary.hint).toBeUndefined();
    expect(summary.applied.length).toBeGreaterThan(0);
  });

  it('a claim whose holder stopped beating (crashed) is taken over after the timeout', async () => {
    rig = await startRig();
    await applied(rig, 1, { api: [1, 1], web: [1, 1] });
    const plan = await rig.writePlan(2, { api: [1, 1], web: [2, 1] });
    await rig.store.writeHint({
      generation: 2,
      digest: planDigest(plan),
      enactor: 'crashed',
      state: 'enacting',
      beat: 3,
      at: new Date().toISOString(),
    });
    const enactor = rig.enactor('e', { verifyEveryMs: NO_SWEEP, hintTimeoutMs: 50 });
    expect((await enactor.runOnce({ hints: true })).hint).toEqual({ action: 'wait', enactor: 'crashed' });
    let summary = await enactor.runOnce({ hints: true });
    for (let passes = 0; summary.hint?.action === 'wait'; passes++) {
      expect(passes).toBeLessThan(1_000);
      await new Promise((resolve) => setTimeout(resolve, 10));
      summary = await enactor.runOnce({ hints: true });
    }
    expect(summary.applied.length).toBeGreaterThan(0);
    expect((await rig.store.readHint())?.state).toBe('enacted');
  });
});
