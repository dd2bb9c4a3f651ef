import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FilePlanStore, planFileName } from '../../src/plan/file-store.js';
import { openPlanStore } from '../../src/plan/open-store.js';
import type { Plan } from '../../src/plan/schema.js';
import { LivePlanError, PlanExistsError } from '../../src/plan/store.js';

function plan(generation: number, by = 'test', address = '192.0.2.1'): Plan {
  return {
    generation,
    createdAt: new Date().toISOString(),
    createdBy: by,
    zone: 'example.test.',
    endpoints: [
      {
        name: 'api.example.test.',
        type: 'A',
        ttl: 60,
        sets: [{ setIdentifier: 'lb-a', weight: 255, values: [address] }],
      },
    ],
  };
}

let dir: string;
beforeEach(async () => {
  dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'dnsplane-store-')), 'plans');
});

describe('FilePlanStore', () => {
  it('is empty before the first write, then lists, reads and finds the latest generation', async () => {
    const store = new FilePlanStore(dir);
    expect(await store.list()).toEqual([]);
    expect(await store.latest()).toBeUndefined();
    for (const g of [1, 2, 10, 9]) await store.write(plan(g));
    expect(await store.list()).toEqual([1, 2, 9, 10]);
    expect((await store.latest())?.generation).toBe(10);
    expect((await store.read(2))?.endpoints[0].sets[0].values).toEqual(['192.0.2.1']);
    expect(await store.read(3)).toBeUndefined();
    // Zero-padded names: a plain directory listing sorts them by generation.
    expect((await readdir(dir)).sort()).toEqual([1, 2, 9, 10].map(planFileName));
  });

  it('never overwrites: a second write of the same generation fails and the first content stays', async () => {
    const store = new FilePlanStore(dir);
    await store.write(plan(1, 'first'));
    await expect(store.write(plan(1, 'second'))).rejects.toBeInstanceOf(PlanExistsError);
    expect((await store.read(1))?.createdBy).toBe('first');
  });

  it('lets exactly one of many concurrent writers of one generation win, and leaves no temp files', async () => {
    const writers = Array.from({ length: 12 }, (_, i) =>
      new FilePlanStore(dir).write(plan(5, `writer-${i}`, `192.0.2.${i + 1}`)),
    );
    const outcomes = await Promise.allSettled(writers);
    const winners = outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const outcome of outcomes)
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(PlanExistsError);
    const stored = await new FilePlanStore(dir).read(5);
    // The stored file is the winner's, whole: not a mixture of two writers.
    expect(stored?.createdBy).toBe(`writer-${winners[0]}`);
    expect(stored?.endpoints[0].sets[0].values).toEqual([`192.0.2.${winners[0] + 1}`]);
    expect(await readdir(dir)).toEqual([planFileName(5)]);
  });

  it('refuses to store an invalid plan, naming the field', async () => {
    const store = new FilePlanStore(dir);
    const bad = plan(1);
    bad.endpoints[0].sets = [];
    await expect(store.write(bad)).rejects.toThrowError(/endpoints\[0\]\.sets/);
    expect(await store.list()).toEqual([]);
  });

  it('reports a hand-edited or corrupt file with its name and the field', async () => {
    const store = new FilePlanStore(dir);
    await store.write(plan(1));
    await store.write(plan(2));
    const file1 = path.join(dir, planFileName(1));
    const edited = JSON.parse(await readFile(file1, 'utf8'));
    edited.endpoints[0].sets[0].weight = 300;
    await writeFile(file1, JSON.stringify(edited));
    await expect(store.read(1)).rejects.toThrowError(
      new RegExp(`plan file .*${planFileName(1)} is not a valid plan[\\s\\S]*endpoints\\[0\\]\\.sets\\[0\\]\\.weight`),
    );
    await writeFile(path.join(dir, planFileName(2)), '{"generation": 2,');
    await expect(store.latest()).rejects.toThrowError(new RegExp(`plan file .*${planFileName(2)} is not JSON`));
    await writeFile(path.join(dir, planFileName(3)), JSON.stringify(plan(7)));
    await expect(store.read(3)).rejects.toThrowError(/holds generation 7, not 3/);
  });

  it('refuses to delete a live generation and deletes the others', async () => {
    const store = new FilePlanStore(dir);
    for (const g of [1, 2, 3]) await store.write(plan(g));
    await expect(store.delete(2, { live: new Set([2, 3]) })).rejects.toBeInstanceOf(LivePlanError);
    await store.delete(1, { live: new Set([2, 3]) });
    await store.delete(1, { live: new Set([2, 3]) }); // already gone: nothing to do
    expect(await store.list()).toEqual([2, 3]);
  });

  it('parses an unchanged latest plan once, and reads it again once its file changes or a newer one arrives', async () => {
    const store = new FilePlanStore(dir);
    await store.write(plan(1));
    const first = await store.latest();
    expect(first?.generation).toBe(1);
    expect(await store.latest()).toBe(first);
    // A hand edit of the same generation (a longer address, so the file's size differs) is seen.
    await writeFile(path.join(dir, planFileName(1)), `${JSON.stringify(plan(1, 'test', '192.0.2.100'), null, 2)}\n`);
    const edited = await store.latest();
    // (Not `not.toBe(first)`: comparing would read `first`'s shards from the file that replaced it.)
    expect(edited === first).toBe(false);
    expect(edited?.endpoints[0].sets[0].values).toEqual(['192.0.2.100']);
    await store.write(plan(2));
    expect((await store.latest())?.generation).toBe(2);
  });
});

describe('openPlanStore', () => {
  it('opens file: specs and plain paths, and rejects unknown schemes', async () => {
    expect((await openPlanStore(`file:${dir}`)).location).toBe(`file:${dir}`);
    expect((await openPlanStore(dir)).location).toBe(`file:${dir}`);
    await expect(openPlanStore('file:')).rejects.toThrowError(/names no directory/);
    await expect(openPlanStore('gs://bucket/x')).rejects.toThrowError(/unsupported plan store gs:\/\/bucket\/x/);
  });
});
