// rollback(): the chain written to a real file plan store, and what happens when another writer publishes
// before or during it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rollback, RollbackInterruptedError } from '../../src/enactor/rollback.js';
import { FilePlanStore } from '../../src/plan/file-store.js';
import type { Plan } from '../../src/plan/schema.js';
import { PlanExistsError, type PlanStore } from '../../src/plan/store.js';

let dir: string;
let store: FilePlanStore;

const plan = (generation: number, weights: number[], createdBy = 'planner'): Plan => ({
  generation,
  createdAt: new Date().toISOString(),
  createdBy,
  zone: 'example.test.',
  endpoints: [
    {
      name: 'api.example.test.',
      type: 'A',
      ttl: 60,
      sets: weights.map((weight, i) => ({ setIdentifier: `lb-${i}`, weight, values: [`192.0.2.${i + 1}`] })),
    },
  ],
});
/** The real store with another write (to stage a concurrent writer at an exact point). */
const withWrite = (write: PlanStore['write']): PlanStore => ({
  location: store.location,
  write,
  read: (g) => store.read(g),
  latest: () => store.latest(),
  list: () => store.list(),
  delete: (g, guard) => store.delete(g, guard),
});
const weights = async (generation: number) =>
  (await store.read(generation))?.endpoints[0]!.sets.map((set) => set.weight);

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dnsplane-rollback-'));
  store = new FilePlanStore(path.join(dir, 'plans'));
  await store.write(plan(1, [255]));
  await store.write(plan(2, [255, 255, 255, 255]));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('rollback as a velocity-limited chain', () => {
  it('publishes one generation per step, each a normal plan, the last with the old content', async () => {
    const seen: string[] = [];
    const result = await rollback(store, 1, {
      by: 'ops',
      onStep: (p, i, n) => seen.push(`${p.generation} ${i + 1}/${n}`),
    });
    expect(result).toMatchObject({ from: 2, to: 1 });
    expect(result.published.map((p) => p.generation)).toEqual([3, 4, 5]);
    expect(seen).toEqual(['3 1/3', '4 2/3', '5 3/3']);
    expect([await weights(3), await weights(4), await weights(5)]).toEqual([
      [255, 170, 170, 170],
      [255, 85, 85, 85],
      [255],
    ]);
    expect((await store.read(4))?.createdBy).toBe('ops (rollback to generation 1, step 2 of 3)');
  });

  it('numbers the chain above the highest live fence when the store is behind the zone (I8)', async () => {
    const result = await rollback(store, 1, { by: 'ops', highestLiveFence: async () => 9 });
    expect(result.published.map((p) => p.generation)).toEqual([10, 11, 12]);
    expect(await store.list()).toEqual([1, 2, 10, 11, 12]);
  });

  it('force: one step', async () => {
    const result = await rollback(store, 1, { by: 'ops', force: true });
    expect(result.published.map((p) => p.generation)).toEqual([3]);
    expect(await weights(3)).toEqual([255]);
  });

  it('--step-interval paces the chain; stopping it between steps leaves the steps already published', async () => {
    const stop = new AbortController();
    const paced = rollback(store, 1, {
      by: 'ops',
      stepIntervalMs: 60_000,
      signal: stop.signal,
      onStep: () => stop.abort(),
    });
    await expect(paced).rejects.toThrow(/aborted/i);
    expect(await store.list()).toEqual([1, 2, 3]);
  });

  it('a share of 1 is one step too; an unknown generation is named', async () => {
    expect((await rollback(store, 1, { by: 'ops', maxDropShare: 1 })).published).toHaveLength(1);
    await expect(rollback(store, 9, { by: 'ops' })).rejects.toThrow(
      /plan generation 9 is not in file:.* nothing to roll back to/,
    );
  });

  it('stops, saying so, when another writer publishes in the middle of the chain (no fighting a planner)', async () => {
    // Right after the chain's first step lands, a planner publishes generation 4.
    const planning = withWrite(async (p) => {
      await store.write(p);
      if (p.generation === 3) await store.write(plan(4, [255, 255, 255, 255], 'a planner'));
    });
    const error = await rollback(planning, 1, { by: 'ops' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RollbackInterruptedError);
    expect(String(error)).toContain(
      'generation 4 was published by another writer while the rollback chain was being written; stopped after step 1 of 3 (published: 3)',
    );
    expect(await store.list()).toEqual([1, 2, 3, 4]);
    expect((await store.read(4))?.createdBy).toBe('a planner');
  });

  it('recomputes the chain from the newest plan when another writer takes the first generation', async () => {
    let raced = false;
    const racing = withWrite(async (p) => {
      if (!raced) {
        raced = true;
        // A planner publishes the same four-way content as generation 3 first.
        await store.write(plan(3, [255, 255, 255, 255], 'a planner'));
        throw new PlanExistsError(p.generation, store.location);
      }
      return store.write(p);
    });
    const result = await rollback(racing, 1, { by: 'ops' });
    expect(result).toMatchObject({ from: 3 });
    expect(result.published.map((p) => p.generation)).toEqual([4, 5, 6]);
    expect(await weights(6)).toEqual([255]);
  });
});
