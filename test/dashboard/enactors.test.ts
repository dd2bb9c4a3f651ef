// The dashboard's enactor table lists every enactor it can know of, not only those with audit lines: the ones a
// `dnsplane up` run manifest says run (one in sync from the start writes no audit line), and the writers (w=)
// of the live shard fences (a pass that only moves fences writes none either). Real authority, real enactors.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSource } from '../../src/dashboard/file-source.js';
import { writeManifest } from '../../src/deploy/processes.js';
import { AuditLog } from '../../src/enactor/audit.js';
import { startRig, type Rig } from '../enactor/harness.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => rig?.close());

describe('the enactor table', () => {
  it('lists the enactors of the run manifest and the fence writers that have no audit line yet, and says how it knows', async () => {
    const auditFile = path.join(rig.dir, 'audit.jsonl');
    const runDir = path.join(rig.dir, 'up');
    const audit = new AuditLog(auditFile);
    await rig.writePlan(1, { api: [10, 20] });
    expect((await rig.enactor('az1', { audit }).runOnce()).applied).toHaveLength(1);
    // In sync from the start: nothing to write, so no audit line.
    expect((await rig.enactor('az2', { audit }).runOnce()).inSync).toHaveLength(1);
    // The same content as generation 2: az3 moves the fence only, which writes no audit line either.
    await rig.writePlan(2, { api: [10, 20] });
    await rig.enactor('az3', { audit }).runOnce();
    expect((await rig.view()).shardFences.get('dnsplane.test.')?.values().next().value?.writer).toBe('az3');
    await writeManifest(runDir, {
      startedAt: new Date().toISOString(),
      processes: [],
      endpoints: {},
      enactors: ['az1', 'az2'],
    });
    const source = new FileSource({
      store: rig.store,
      client: rig.port,
      zoneId: rig.zoneId,
      auditFile,
      runDir,
      pollMs: 3_600_000,
    });
    try {
      const { enactors, errors } = await source.status();
      expect(errors).toEqual([]);
      expect(
        enactors.map(({ id, state, lastActivityAt, knownFrom }) => ({ id, state, lastActivityAt, knownFrom })),
      ).toEqual([
        { id: 'az1', state: 'applied', lastActivityAt: expect.any(Number), knownFrom: ['activity', 'run manifest'] },
        { id: 'az2', state: null, lastActivityAt: null, knownFrom: ['run manifest'] },
        { id: 'az3', state: null, lastActivityAt: null, knownFrom: ['fence writer'] },
      ]);
    } finally {
      await source.close();
    }
    // Without the manifest (no run dir, or `down` removed it) the enactor that never wrote is unknown again.
    const plain = new FileSource({
      store: rig.store,
      client: rig.port,
      zoneId: rig.zoneId,
      auditFile,
      pollMs: 3_600_000,
    });
    try {
      expect((await plain.status()).enactors.map((row) => row.id)).toEqual(['az1', 'az3']);
    } finally {
      await plain.close();
    }
  });
});
