// The freeze marker in the file store, and how a long-running part sees it: read at the start of each pass,
// logged once per change, exported as dnsplane_frozen; an unreadable marker counts as frozen.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertNotFrozen, FreezeWatch } from '../../src/plan/freeze.js';
import { FilePlanStore } from '../../src/plan/file-store.js';
import { MemoryPlanStore } from '../../src/scenario/memory-plan-store.js';
import type { Logger } from '../../src/telemetry/logger.js';
import { registry } from '../../src/telemetry/metrics.js';

const freeze = { reason: 'incident 42', author: 'ops@host', at: '2026-12-06T20:00:00.000Z' };

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (_fields: unknown, message: string) => void lines.push(`${level} ${message}`);
  return { logger: { info: record('info'), warn: record('warn'), error: record('error') } as unknown as Logger, lines };
}

async function frozenGauge(): Promise<number | undefined> {
  return (await registry.getSingleMetric('dnsplane_frozen')?.get())?.values[0]?.value;
}

describe('freeze marker', () => {
  it('round-trips in the file store, beside the plans but not among them, and names a corrupt marker', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-freeze-'));
    const store = new FilePlanStore(dir);
    expect(await store.readFreeze()).toBeUndefined();
    await store.writeFreeze(freeze);
    expect(await store.readFreeze()).toEqual(freeze);
    expect(await store.list()).toEqual([]);
    await expect(assertNotFrozen(store, 'plan --write')).rejects.toThrowError(
      `plan --write: the plan store file:${dir} is FROZEN since ${freeze.at} by ops@host: incident 42; run \`dnsplane thaw\` first`,
    );
    await store.clearFreeze();
    await store.clearFreeze();
    await assertNotFrozen(store, 'plan --write');
    await fs.writeFile(path.join(dir, 'freeze.json'), JSON.stringify({ ...freeze, reasn: 'typo' }));
    await expect(store.readFreeze()).rejects.toThrowError(
      /freeze\.json is not a valid freeze marker:\n.*unknown key "reasn" \(did you mean "reason"\?\)/,
    );
  });

  it('is logged once per change of state and exported as dnsplane_frozen', async () => {
    const store = new MemoryPlanStore();
    const { logger, lines } = recordingLogger();
    const watch = new FreezeWatch(store, logger);
    expect(await watch.enactorsStopped()).toBe(false);
    expect(await frozenGauge()).toBe(0);
    await store.writeFreeze(freeze);
    for (let pass = 0; pass < 3; pass++) expect(await watch.enactorsStopped()).toBe(true);
    expect(await frozenGauge()).toBe(1);
    // A pinned rollback: plan writers stay stopped (current() is set), enactors apply it.
    await store.writeFreeze({ ...freeze, at: '2026-12-06T20:05:00.000Z', pinnedGeneration: 3 });
    expect(await watch.current()).toMatchObject({ pinnedGeneration: 3 });
    expect(await watch.enactorsStopped()).toBe(false);
    expect(await frozenGauge()).toBe(2);
    await store.clearFreeze();
    await watch.current();
    await watch.current();
    expect(await frozenGauge()).toBe(0);
    expect(lines).toEqual([
      `warn FROZEN since ${freeze.at} by ops@host: incident 42`,
      "warn FROZEN since 2026-12-06T20:05:00.000Z by ops@host: incident 42 (rollback to generation 3's content pinned: enactors apply it, planners write nothing)",
      'info thawed: writing again',
    ]);
  });

  it('counts an unreadable marker as frozen: a writer that cannot tell must not write', async () => {
    const store = new MemoryPlanStore();
    store.readFreeze = () => Promise.reject(new Error('S3 timed out'));
    const { logger, lines } = recordingLogger();
    const watch = new FreezeWatch(store, logger);
    expect(await watch.enactorsStopped()).toBe(true);
    expect(await watch.enactorsStopped()).toBe(true);
    expect(lines).toEqual(['error cannot read the freeze marker; not writing until it can be read']);
  });
});
