// Cost follows the change in CPU too: an enactor moving a generation that changes one endpoint reads that
// endpoint's shard of the new plan and nothing else of it (the other 63 shards move by fence-only swaps whose
// digests come from the plan's shard index). Shown by tampering with every other shard of the stored plan: a
// read of any of them would fail its digest check and fail the pass.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planFileName } from '../../src/plan/file-store.js';
import { shardOf, shardPlan, SHARDS } from '../../src/plan/shards.js';
import { host, liveWeights, startRig, type Rig } from './harness.js';

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(async () => {
  await rig.close();
});

/** Turns a weight of 1x into 9x inside every shard but `keep` (valid JSON, same length, wrong digest). */
async function tamperAllShardsBut(file: string, keep: number): Promise<number> {
  const bytes = await fs.readFile(file);
  const { shards } = (
    JSON.parse(bytes.toString('utf8')) as {
      shardIndex: { shards: Array<{ start: number; end: number }> };
    }
  ).shardIndex;
  let tampered = 0;
  shards.forEach(({ start, end }, shard) => {
    if (shard === keep) return;
    const at = bytes.indexOf('"weight":1', start);
    if (at < 0 || at >= end) return;
    bytes[at + '"weight":'.length] = '9'.charCodeAt(0);
    tampered += 1;
  });
  await fs.writeFile(file, bytes);
  return tampered;
}

describe('an enactor reads only the shards a generation changes', () => {
  it('moves 250 endpoints to the next generation reading one shard of the new plan', async () => {
    const weights = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`e${i}`, [10, 10]]));
    await rig.writePlan(1, weights);
    const enactor = rig.enactor('e1', { verifyEveryMs: 3_600_000 });
    expect((await enactor.runOnce()).applied).toHaveLength(250);

    await rig.writePlan(2, { ...weights, e7: [10, 20] });
    const changed = shardOf(host('e7'), 'A');
    const file = path.join(rig.store.dir, planFileName(2));
    expect(await tamperAllShardsBut(file, changed)).toBe(SHARDS - 1);

    const second = await enactor.runOnce();
    expect(second).toMatchObject({ generation: 2, failed: [], refused: [] });
    expect(second.applied).toHaveLength(250);
    expect(liveWeights(await rig.view(), 'e7')).toEqual([10, 20]);
    // The tampering is real: reading any other shard of plan 2 fails.
    const other = (changed + 1) % SHARDS;
    const stored = (await rig.store.read(2))!;
    expect(() => shardPlan(stored).content[other]).toThrowError(/does not match its digest/);
  });
});
