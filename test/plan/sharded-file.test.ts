// The file store's plan layout: one JSON document with a shard index in front, read a shard at a time.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FilePlanStore, planFileName } from '../../src/plan/file-store.js';
import type { Plan } from '../../src/plan/schema.js';
import { shardOf, shardPlan, SHARDS } from '../../src/plan/shards.js';
import { bigPlan } from '../helpers/big-plan.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-sharded-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** The byte ranges of each shard in a stored file, from its index. */
async function shardRanges(file: string): Promise<Array<{ start: number; end: number }>> {
  const text = await fs.readFile(file, 'utf8');
  return (JSON.parse(text) as { shardIndex: { shards: Array<{ start: number; end: number }> } }).shardIndex.shards;
}

/** Changes one weight digit inside shard `shard`'s bytes, keeping the file valid JSON of the same length. */
async function tamperShard(file: string, shard: number): Promise<void> {
  const { start, end } = (await shardRanges(file))[shard];
  const bytes = await fs.readFile(file);
  const at = bytes.indexOf('"weight":1', start);
  expect(at).toBeGreaterThan(0);
  expect(at).toBeLessThan(end);
  bytes[at + '"weight":1'.length] = '9'.charCodeAt(0); // 10 -> 19
  await fs.writeFile(file, bytes);
}

describe('the sharded plan file', () => {
  it('reads back the plan as written, in its order, and is one JSON document any tool can read', async () => {
    const store = new FilePlanStore(dir);
    const plan = bigPlan(1, 500);
    await store.write(plan);
    const read = (await store.read(1))!;
    expect(read.endpoints).toEqual(plan.endpoints);
    expect({ ...read }).toEqual(plan);
    expect(shardPlan(read).digests).toEqual(shardPlan(plan).digests);
    const whole = JSON.parse(await fs.readFile(path.join(dir, planFileName(1)), 'utf8')) as Plan;
    expect(new Set(whole.endpoints.map((endpoint) => endpoint.name))).toEqual(
      new Set(plan.endpoints.map((endpoint) => endpoint.name)),
    );
  });

  it('reads only the shards asked for: a tampered shard is an error when read, and the others still serve', async () => {
    const store = new FilePlanStore(dir);
    const plan = bigPlan(1, 500);
    await store.write(plan);
    const file = path.join(dir, planFileName(1));
    const victim = shardOf(plan.endpoints[0].name, 'A');
    await tamperShard(file, victim);
    const read = (await store.read(1))!;
    const shards = shardPlan(read);
    // The index alone answers digests, keys and sizes; every other shard's content reads and checks fine.
    expect(shards.digests).toEqual(shardPlan(plan).digests);
    for (let shard = 0; shard < SHARDS; shard++) {
      if (shard === victim) continue;
      expect([...shards.content[shard].keys()]).toEqual(shards.keys[shard]);
    }
    expect(() => shards.content[victim]).toThrowError(
      new RegExp(`plan file .*${planFileName(1)}, shard ${victim}: its content does not match its digest`),
    );
    expect(() => read.endpoints).toThrowError(/does not match its digest/);
  });

  it('reads a file a JSON tool rewrote (no longer laid out by shard) whole, as a plan', async () => {
    const store = new FilePlanStore(dir);
    const plan = bigPlan(1, 50);
    await store.write(plan);
    const file = path.join(dir, planFileName(1));
    const rewritten = JSON.parse(await fs.readFile(file, 'utf8')) as Plan;
    rewritten.endpoints[0].sets[0].weight = 42;
    await fs.writeFile(file, JSON.stringify(rewritten, null, 2));
    const read = (await store.read(1))!;
    expect(read.endpoints.find((endpoint) => endpoint.name === rewritten.endpoints[0].name)?.sets[0].weight).toBe(42);
    expect(read).not.toHaveProperty('shardIndex');
  });

  it('refuses an index that does not place every endpoint once', async () => {
    const store = new FilePlanStore(dir);
    await store.write(bigPlan(1, 50));
    const file = path.join(dir, planFileName(1));
    const text = await fs.readFile(file, 'utf8');
    // Same length: one shard's first position becomes a copy of its second.
    const shards = (JSON.parse(text) as { shardIndex: { shards: Array<{ positions: number[] }> } }).shardIndex.shards;
    const [first, second] = shards.find(
      ({ positions }) => positions.length >= 2 && String(positions[0]).length === String(positions[1]).length,
    )!.positions;
    const broken = text.replace(`"positions":[${first},${second}`, `"positions":[${second},${second}`);
    expect(broken).not.toBe(text);
    await fs.writeFile(file, broken);
    await expect(store.read(1)).rejects.toThrowError(/does not place every endpoint exactly once/);
  });
});
