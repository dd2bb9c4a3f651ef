// A journal write that fails half-way, on a disk that then cannot even cut the half line off (the disk is
// full, say): nothing after it may be appended, and a restart gets every acknowledged batch back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Journal } from '../../src/authority/store/journal.js';
import { ZoneStore } from '../../src/authority/store/zone-store.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const create = (name: string, value: string) => [{ action: 'CREATE', name, type: 'A', ttl: 60, values: [value] }];

describe('journal: a failed append that cannot be undone', () => {
  it('refuses that batch and every later one until a restart, which drops the partial line and keeps the rest', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnsplane-journal-'));
    try {
      const opened = Journal.open(dataDir, (sink) => new ZoneStore(sink));
      const { zone } = opened.store.createHostedZone({ name: 'full.test', callerReference: 'full' });
      opened.store.changeResourceRecordSets(zone.id, create('a.full.test', '192.0.2.1'));

      // The next write gets half its bytes out, then the disk is full, and the truncate fails too.
      const realWrite = fs.writeSync;
      vi.spyOn(fs, 'writeSync').mockImplementationOnce(((fd: number, buffer: Buffer) =>
        realWrite(fd, buffer, 0, buffer.length >> 1)) as typeof fs.writeSync);
      vi.spyOn(fs, 'writeSync').mockImplementationOnce(() => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      });
      vi.spyOn(fs, 'ftruncateSync').mockImplementationOnce(() => {
        throw Object.assign(new Error('EIO: i/o error, ftruncate'), { code: 'EIO' });
      });
      expect(() => opened.store.changeResourceRecordSets(zone.id, create('b.full.test', '192.0.2.2'))).toThrow(
        /ENOSPC/,
      );
      vi.restoreAllMocks();

      // The disk has room again, but the half line is still there: appending now would bury it mid-file.
      expect(() => opened.store.changeResourceRecordSets(zone.id, create('c.full.test', '192.0.2.3'))).toThrow(
        /restart the authority/,
      );
      expect(opened.store.listResourceRecordSets(zone.id).sets.map((set) => set.name)).toEqual([
        'full.test.',
        'full.test.',
        'a.full.test.',
      ]);
      opened.journal.close();

      const restarted = Journal.open(dataDir, (sink) => new ZoneStore(sink));
      expect(restarted.stats.droppedTornBytes).toBeGreaterThan(0);
      expect(restarted.store.listResourceRecordSets(zone.id).sets.map((set) => set.name)).toEqual([
        'full.test.',
        'full.test.',
        'a.full.test.',
      ]);
      restarted.store.changeResourceRecordSets(zone.id, create('c.full.test', '192.0.2.3'));
      restarted.journal.close();
      const again = Journal.open(dataDir, (sink) => new ZoneStore(sink));
      expect(again.store.listResourceRecordSets(zone.id).sets.map((set) => set.name)).toEqual([
        'full.test.',
        'full.test.',
        'a.full.test.',
        'c.full.test.',
      ]);
      again.journal.close();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
