// Progress events and concurrent batches: what a long pass reports while it runs, and that sending several
// batches at once applies exactly what one-at-a-time does.
import { afterEach, describe, expect, it } from 'vitest';
import type { EnactorEvent } from '../../src/enactor/events.js';
import { fenceGeneration, liveWeights, startRig, type Rig } from './harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const labels = Array.from({ length: 24 }, (_, i) => `ep${i}`);

describe('enactor progress', () => {
  it('reports every batch of a pass, ending at all batches and endpoints done', async () => {
    rig = await startRig();
    await rig.writePlan(1, Object.fromEntries(labels.map((label) => [label, [10, 20]])));
    // 2 elements per endpoint and one per shard fence created (64): 112 elements, at most 12 per request.
    const enactor = rig.enactor('e1', { limits: { elements: 12, chars: 32_000 } });
    const events: EnactorEvent[] = [];
    enactor.on('event', (event) => events.push(event));
    const summary = await enactor.runOnce();
    expect(summary.applied).toHaveLength(24);

    const progress = events.filter((event) => event.type === 'progress');
    const elements = events.flatMap((event) => (event.type === 'batch-sent' ? [event.elements] : []));
    expect(summary.batches).toBeGreaterThanOrEqual(Math.ceil(112 / 12));
    expect(progress).toHaveLength(summary.batches);
    expect(progress.map((event) => event.batchesDone)).toEqual(progress.map((_, i) => i + 1));
    expect(progress.at(-1)).toMatchObject({
      generation: 1,
      batchesTotal: summary.batches,
      endpointsDone: 24,
      endpointsTotal: 24,
    });
    expect(elements.reduce((sum, n) => sum + n, 0)).toBe(112);
    expect(elements.every((n) => n <= 12)).toBe(true);
  });

  it('with several batches in flight applies every endpoint, fenced, as one at a time would', async () => {
    rig = await startRig();
    await rig.writePlan(1, Object.fromEntries(labels.map((label) => [label, [10, 20]])));
    const enactor = rig.enactor('e1', { limits: { elements: 12, chars: 32_000 }, concurrency: 4, rateLimit: 1_000 });
    let inFlight = 0;
    let maxInFlight = 0;
    enactor.on('event', (event) => {
      if (event.type === 'batch-sent') maxInFlight = Math.max(maxInFlight, ++inFlight);
      if (event.type === 'batch-accepted' || event.type === 'batch-rejected' || event.type === 'batch-failed')
        inFlight--;
    });
    const summary = await enactor.runOnce();
    expect(summary).toMatchObject({ failed: [], refused: [] });
    expect(summary.batches).toBeGreaterThanOrEqual(Math.ceil(112 / 12));
    expect(summary.applied).toHaveLength(24);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    const view = await rig.view();
    expect(labels.map((label) => fenceGeneration(view, label))).toEqual(labels.map(() => 1));
    expect(labels.map((label) => liveWeights(view, label))).toEqual(labels.map(() => [10, 20]));

    await rig.writePlan(2, Object.fromEntries(labels.map((label, i) => [label, i % 2 ? [10, 10] : [10, 20]])));
    const second = await enactor.runOnce();
    expect(second).toMatchObject({ generation: 2, failed: [], refused: [] });
    const after = await rig.view();
    expect(labels.map((label) => fenceGeneration(after, label))).toEqual(labels.map(() => 2));
    expect(labels.map((label) => liveWeights(after, label))).toEqual(
      labels.map((_, i) => (i % 2 ? [10, 10] : [10, 20])),
    );
  });
});
