// The "done when" of issue 3: three enactors started at once, a plan that changes every couple of hundred
// milliseconds, and a zone that is read back after every batch: no endpoint is ever empty, no fence ever goes
// backwards, and in the end every endpoint is at the latest generation.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnactorEvent } from '../../src/enactor/events.js';
import { RateLimiter } from '../../src/route53/throttle.js';
import { fenceGeneration, host, liveWeights, startRig, type Rig } from './harness.js';
import { desiredSets, setsMatch } from '../../src/enactor/changes.js';
import type { Plan } from '../../src/plan/schema.js';

const ENDPOINTS = ['api', 'web', 'auth', 'img'];

/** A planner stand-in: health flips per generation, but every endpoint always keeps a serving set. */
function weightsFor(generation: number): Record<string, number[]> {
  return Object.fromEntries(ENDPOINTS.map((label, e) => [label, [0, 1, 2].map((lb) => ((generation + e + lb) % 3 === 0 ? 0 : 10 + ((generation * 7 + lb) % 50)))]));
}

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(async () => {
  await rig.close();
});

describe('three enactors racing a changing plan', () => {
  it('converge to the latest generation; no endpoint ever empty, no fence ever backwards', async () => {
    await rig.writePlan(1, weightsFor(1));
    const controller = new AbortController();
    const violations: string[] = [];
    const highest = new Map<string, number>();
    let checks = 0;
    // Reads are queued so that each one starts after the previous ended: their fence readings are in time order.
    let observing = Promise.resolve();
    const observe = () => {
      observing = observing.then(async () => {
        const view = await rig.view();
        checks += 1;
        for (const label of ENDPOINTS) {
          const generation = fenceGeneration(view, label) ?? 0;
          const sets = view.endpoints.get(`${host(label)} A`)?.sets ?? [];
          if (generation > 0 && sets.length === 0) violations.push(`${label} empty at generation ${generation}`);
          if (generation > 0 && sets.every((set) => set.weight === 0)) violations.push(`${label} only weight 0 at ${generation}`);
          if (generation < (highest.get(label) ?? 0)) violations.push(`${label} fence went back from ${highest.get(label)} to ${generation}`);
          highest.set(label, Math.max(generation, highest.get(label) ?? 0));
        }
      });
    };
    const events: EnactorEvent[] = [];
    // One shared client-side limiter, as three enactors in one process would share it.
    const limiter = new RateLimiter(400, 40);
    // This stand-in planner re-weights almost every set each generation, far past the default change-share
    // limit (30% of a zone of 12 sets); that guard has its own tests, here it would only stop the race.
    const enactors = ['e1', 'e2', 'e3'].map((id) => rig.enactor(id, { intervalMs: 40, limiter, guard: { maxChangeShare: 1 } }));
    for (const enactor of enactors) {
      enactor.on('event', (event) => {
        events.push(event);
        if (event.type === 'batch-accepted') observe();
      });
    }
    const running = enactors.map((enactor) => enactor.run(controller.signal));

    let latest: Plan | undefined;
    for (let generation = 2; generation <= 12; generation++) {
      await new Promise((resolve) => setTimeout(resolve, 150 + (generation % 3) * 50));
      latest = await rig.writePlan(generation, weightsFor(generation));
    }
    const deadline = Date.now() + 15_000;
    for (;;) {
      const view = await rig.view();
      const done = latest!.endpoints.every((endpoint) => {
        const live = view.endpoints.get(`${endpoint.name} A`);
        return live?.fence?.generation === latest!.generation && setsMatch(live.sets, desiredSets(endpoint));
      });
      if (done) break;
      if (Date.now() > deadline) {
        const refused = events.filter((event) => event.type === 'refused').length;
        throw new Error(`not converged to ${latest!.generation}: ${ENDPOINTS.map((l) => `${l}@${fenceGeneration(view, l)}`).join(' ')} (${refused} refusals)`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    controller.abort();
    await Promise.all(running);
    await observing;

    const count = (type: EnactorEvent['type']) => events.filter((event) => event.type === type).length;
    console.info(`race: ${count('batch-accepted')} accepted, ${count('batch-rejected')} rejected, ${count('stood-down')} stand-downs, ${checks} zone reads checked`);
    expect(violations).toEqual([]);
    expect(checks).toBeGreaterThan(5);
    const accepted = events.filter((event) => event.type === 'batch-accepted');
    expect(accepted.length).toBeGreaterThan(5);
    // Each of the three wrote something at some point, or lost a race and stood down; none failed for good.
    expect(events.filter((event) => event.type === 'batch-failed')).toEqual([]);
    expect(liveWeights(await rig.view(), 'api')).toEqual(weightsFor(12).api);
  });
});
