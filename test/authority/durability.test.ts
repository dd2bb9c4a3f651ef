// Durability: an acknowledged batch survives kill -9, a half-written batch never appears, and compaction
// into a snapshot (including a crash between snapshot and journal truncation) loses and repeats nothing.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../src/authority/store/journal.js';
import { ZoneStore } from '../../src/authority/store/zone-store.js';
import { createRoute53Client } from '../../src/route53/client.js';
import { spawnAuthorityProcess, startTestAuthority } from '../helpers/authority.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const dirs: string[] = [];
const children: ChildProcess[] = [];

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-durability-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

function spawnAuthority(dataDir: string): Promise<{ child: ChildProcess; endpoint: string }> {
  return spawnAuthorityProcess(dataDir, children);
}

/** One batch = three names created together; batch n is whole or absent, never partial. */
function batch(n: number) {
  return ['a', 'b', 'c'].map((part) => ({
    Action: 'CREATE' as const,
    ResourceRecordSet: {
      Name: `${part}${n}.durable.test`,
      Type: 'A' as const,
      TTL: 60,
      ResourceRecords: [{ Value: `10.0.${n % 250}.${part.charCodeAt(0)}` }],
    },
  }));
}

async function allNames(client: Route53Client, zoneId: string): Promise<Set<string>> {
  const names = new Set<string>();
  let start: { StartRecordName?: string; StartRecordType?: 'A' } = {};
  for (;;) {
    const page = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, ...start }));
    for (const set of page.ResourceRecordSets ?? []) if (set.Type === 'A') names.add(set.Name!);
    if (!page.IsTruncated) return names;
    start = { StartRecordName: page.NextRecordName!, StartRecordType: page.NextRecordType as 'A' };
  }
}

describe('durability', () => {
  it('keeps every acknowledged batch, whole, after kill -9 in the middle of a stream of batches', async () => {
    const dataDir = await tempDir();
    const { child, endpoint } = await spawnAuthority(dataDir);
    const client = createRoute53Client({ endpoint, credentials, maxAttempts: 1 });
    const zone = await client.send(new CreateHostedZoneCommand({ Name: 'durable.test', CallerReference: 'durable' }));
    const zoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');

    const acknowledged = new Set<number>();
    const sent = new Set<number>();
    let next = 0;
    let killed = false;
    // Four writers stream batches until the process dies under them.
    const writer = async () => {
      while (!killed) {
        const n = next++;
        sent.add(n);
        try {
          await client.send(
            new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: batch(n) } }),
          );
          acknowledged.add(n);
        } catch {
          return;
        }
      }
    };
    const writers = Promise.all([writer(), writer(), writer(), writer()]);
    while (acknowledged.size < 60) await new Promise((resolve) => setTimeout(resolve, 5));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    killed = true;
    await exited;
    await writers;
    client.destroy();
    expect(sent.size).toBeGreaterThan(acknowledged.size);

    const restarted = await startTestAuthority({ dataDir });
    try {
      const names = await allNames(restarted.client, zoneId);
      for (const n of acknowledged) {
        expect(
          ['a', 'b', 'c'].every((part) => names.has(`${part}${n}.durable.test.`)),
          `acknowledged batch ${n}`,
        ).toBe(true);
      }
      for (const n of sent) {
        const present = ['a', 'b', 'c'].filter((part) => names.has(`${part}${n}.durable.test.`)).length;
        expect([0, 3], `batch ${n} is whole or absent`).toContain(present);
      }
      expect(names.size % 3).toBe(0);
    } finally {
      await restarted.close();
    }
  });

  it('stops cleanly on SIGTERM (exit 0) and releases the data directory', async () => {
    const dataDir = await tempDir();
    const { child } = await spawnAuthority(dataDir);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fs.access(path.join(dataDir, 'authority.lock'))).rejects.toThrow();
  });

  it('drops a torn last journal line, keeps the rest, and appends cleanly after it', async () => {
    const dataDir = await tempDir();
    const first = Journal.open(dataDir, (sink) => new ZoneStore(sink));
    const { zone } = first.store.createHostedZone({ name: 'torn.test', callerReference: 'torn' });
    first.store.changeResourceRecordSets(zone.id, [
      { action: 'CREATE', name: 'a.torn.test', type: 'A', ttl: 60, values: ['192.0.2.1'] },
    ]);
    first.journal.close();
    // A write cut short by kill -9: half of the next entry, no newline.
    await fs.appendFile(
      path.join(dataDir, 'journal.log'),
      '{"seq":3,"op":"change","zoneId":"' + zone.id + '","put":[{"name":"b.torn.te',
    );

    const second = Journal.open(dataDir, (sink) => new ZoneStore(sink));
    expect(second.stats.droppedTornBytes).toBeGreaterThan(0);
    expect(second.store.listResourceRecordSets(zone.id).sets.map((set) => set.name)).toEqual([
      'torn.test.',
      'torn.test.',
      'a.torn.test.',
    ]);
    second.store.changeResourceRecordSets(zone.id, [
      { action: 'CREATE', name: 'c.torn.test', type: 'A', ttl: 60, values: ['192.0.2.3'] },
    ]);
    second.journal.close();

    const third = Journal.open(dataDir, (sink) => new ZoneStore(sink));
    expect(third.stats.droppedTornBytes).toBe(0);
    expect(third.store.listResourceRecordSets(zone.id).sets.map((set) => set.name)).toEqual([
      'torn.test.',
      'torn.test.',
      'a.torn.test.',
      'c.torn.test.',
    ]);
    third.journal.close();
  });

  it('compacts into a snapshot; a crash before the journal is truncated repeats nothing on replay', async () => {
    const dataDir = await tempDir();
    const opened = Journal.open(dataDir, (sink) => new ZoneStore(sink));
    const { zone } = opened.store.createHostedZone({ name: 'compact.test', callerReference: 'compact' });
    for (let i = 0; i < 20; i++) {
      opened.store.changeResourceRecordSets(zone.id, [
        { action: 'UPSERT', name: `h${i}.compact.test`, type: 'A', ttl: 60, values: ['192.0.2.1'] },
      ]);
    }
    const journalBefore = await fs.readFile(path.join(dataDir, 'journal.log'));
    opened.journal.compact();
    expect((await fs.stat(path.join(dataDir, 'journal.log'))).size).toBe(0);
    const version = opened.store.snapshots()[0].version;
    opened.journal.close();
    // Simulate dying after the snapshot's rename but before the truncation reached the disk.
    await fs.writeFile(path.join(dataDir, 'journal.log'), journalBefore);

    const reopened = Journal.open(dataDir, (sink) => new ZoneStore(sink));
    expect(reopened.store.snapshots()[0].version).toBe(version);
    expect(reopened.store.listResourceRecordSets(zone.id).sets).toHaveLength(22);
    // A deleted-then-recreated name would show a repeated entry; check a DELETE replays only once too.
    reopened.store.changeResourceRecordSets(zone.id, [
      { action: 'DELETE', name: 'h0.compact.test', type: 'A', ttl: 60, values: ['192.0.2.1'] },
    ]);
    reopened.journal.close();
    const last = Journal.open(dataDir, (sink) => new ZoneStore(sink));
    expect(last.store.listResourceRecordSets(zone.id).sets).toHaveLength(21);
    expect(last.store.snapshots()[0].version).toBe(version + 1);
    last.journal.close();
  });
  it('removes the temp snapshot a kill -9 during compaction leaves, at the next start, keeping every batch', async () => {
    const dataDir = await tempDir();
    const first = await spawnAuthority(dataDir);
    const client = createRoute53Client({ endpoint: first.endpoint, credentials, maxAttempts: 1 });
    const zoneId = (await client.send(new CreateHostedZoneCommand({ Name: 'durable.test', CallerReference: 'litter' })))
      .HostedZone!.Id!;
    for (let n = 0; n < 3; n++)
      await client.send(
        new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: batch(n) } }),
      );
    client.destroy();
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    // What a kill between the temp file's creation and its rename leaves: a torn snapshot nobody renamed.
    const temp = path.join(dataDir, 'snapshot.json.tmp');
    await fs.writeFile(temp, '{"zones":[{"id":"Z1","name":"durable.test.","sets":[{"name":"a0.dur');

    const second = await spawnAuthority(dataDir);
    await expect(fs.access(temp)).rejects.toThrow();
    const again = createRoute53Client({ endpoint: second.endpoint, credentials, maxAttempts: 1 });
    const names = await allNames(again, zoneId.replace('/hostedzone/', ''));
    again.destroy();
    for (let n = 0; n < 3; n++)
      for (const part of ['a', 'b', 'c']) expect(names).toContain(`${part}${n}.durable.test.`);
    expect((await fs.readdir(dataDir)).filter((file) => file.endsWith('.tmp'))).toEqual([]);
  });

  it('reports the removal in the journal stats, and nothing when there was no temp file', async () => {
    const dataDir = await tempDir();
    await fs.writeFile(path.join(dataDir, 'snapshot.json.tmp'), '{"torn');
    const opened = Journal.open(dataDir, (sink) => new ZoneStore(sink));
    expect(opened.stats.removedTempSnapshot).toBe(true);
    opened.journal.close();
    const reopened = Journal.open(dataDir, (sink) => new ZoneStore(sink));
    expect(reopened.stats.removedTempSnapshot).toBe(false);
    reopened.journal.close();
  });
});
