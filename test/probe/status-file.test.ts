import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProbeStatus, writeProbeStatus, type ProbeStatus } from '../../src/probe/status-file.js';

describe('probe status file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-probe-status-'));
  });
  afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

  const status: ProbeStatus = {
    version: 1,
    updatedAt: '2026-11-22T22:00:00.000Z',
    generation: 7,
    intervalMs: 1000,
    endpoints: [
      {
        endpoint: 'api.example.test. A',
        path: 'resolver',
        server: '127.0.0.1:5353',
        result: 'nodata',
        values: [],
        rcode: 'NOERROR',
        at: '2026-11-22T22:00:00.000Z',
        observations: 10,
        availability: 0.9,
        firstBadAt: '2026-11-22T22:00:00.000Z',
        badSince: '2026-11-22T22:00:00.000Z',
      },
    ],
  };

  it('round-trips through a nested path that does not exist yet', async () => {
    const file = path.join(dir, 'nested', 'probe-status.json');
    await writeProbeStatus(file, status);
    expect(await readProbeStatus(file)).toEqual(status);
  });

  it('reads a missing file as no status, and a corrupt one as an error naming the file and field', async () => {
    expect(await readProbeStatus(path.join(dir, 'missing.json'))).toBeUndefined();
    const junk = path.join(dir, 'junk.json');
    await fs.writeFile(junk, '{"version":1,"updatedAt":"yesterday"}');
    await expect(readProbeStatus(junk)).rejects.toThrow(/junk\.json is not a probe status file[\s\S]*updatedAt/);
    await fs.writeFile(junk, 'not json');
    await expect(readProbeStatus(junk)).rejects.toThrow(/probe status file .*junk\.json is not JSON/);
  });
});
