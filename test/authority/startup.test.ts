// Startup failures a user meets: a taken port, an unusable data directory, a directory another authority
// owns; and a clean restart that serves what was there before.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { afterEach, describe, expect, it } from 'vitest';
import { startAuthority } from '../../src/authority/index.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startTestAuthority } from '../helpers/authority.js';

const logger = createLogger('authority', 'silent');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-startup-'));
  cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('authority startup', () => {
  it('names the API port when it is taken, and releases everything it opened', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(resolve)));
    const port = (blocker.address() as net.AddressInfo).port;
    const dataDir = await tempDir();
    await expect(startAuthority({ apiPort: port, dnsPort: 0, dataDir, logger })).rejects.toThrow(
      `API port ${port} on 127.0.0.1 is already in use`,
    );
    // The data dir's lock was released: a second try with a free port works.
    const ok = await startAuthority({ apiPort: 0, dnsPort: 0, dataDir, logger });
    await ok.close();
  });

  it('names a data directory that cannot be created', async () => {
    const file = path.join(await tempDir(), 'a-file');
    await fs.writeFile(file, '');
    await expect(startAuthority({ apiPort: 0, dnsPort: 0, dataDir: path.join(file, 'data'), logger })).rejects.toThrow(
      /data directory .*a-file\/data is unusable/,
    );
  });

  it('refuses a data directory another running authority owns', async () => {
    const t = await startTestAuthority();
    cleanups.push(() => t.close());
    // Pretend the lock belongs to another live process (this test's parent is one that surely runs).
    await fs.writeFile(path.join(t.dataDir, 'authority.lock'), String(process.ppid));
    await expect(startAuthority({ apiPort: 0, dnsPort: 0, dataDir: t.dataDir, logger })).rejects.toThrow(
      `is in use by another authority (pid ${process.ppid})`,
    );
    await fs.writeFile(path.join(t.dataDir, 'authority.lock'), String(process.pid));
  });

  it('serves the same records and zone versions after a clean restart', async () => {
    const dataDir = await tempDir();
    const first = await startTestAuthority({ dataDir });
    const zoneId = await first.createZone('restart.test.');
    await first.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            {
              Action: 'CREATE',
              ResourceRecordSet: {
                Name: 'a.restart.test',
                Type: 'TXT',
                TTL: 60,
                ResourceRecords: [{ Value: '"kept"' }],
              },
            },
          ],
        },
      }),
    );
    const version = first.authority.store.snapshots()[0].version;
    await first.close();
    const second = await startTestAuthority({ dataDir });
    cleanups.push(() => second.close());
    const listed = await second.client.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: 'a.restart.test' }),
    );
    expect(listed.ResourceRecordSets?.[0]).toMatchObject({
      Name: 'a.restart.test.',
      Type: 'TXT',
      ResourceRecords: [{ Value: '"kept"' }],
    });
    expect(second.authority.store.snapshots()[0].version).toBe(version);
  });
});
