// Tags on hosted zones through the stock SDK, and their durability: journalled before acknowledged (kill -9 of
// a real authority process), kept through compaction, and gone with the zone.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ChangeTagsForResourceCommand,
  CreateHostedZoneCommand,
  DeleteHostedZoneCommand,
  ListTagsForResourceCommand,
  ListTagsForResourcesCommand,
} from '@aws-sdk/client-route-53';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '../../src/authority/store/journal.js';
import { ZoneStore } from '../../src/authority/store/zone-store.js';
import { createRoute53Client } from '../../src/route53/client.js';
import { spawnAuthorityProcess, startTestAuthority, type TestAuthority } from '../helpers/authority.js';

let t: TestAuthority;
beforeAll(async () => {
  t = await startTestAuthority();
});
afterAll(async () => t?.close());

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-tags-'));
  dirs.push(dir);
  return dir;
}

const tagsOf = async (id: string) =>
  (
    await t.client.send(new ListTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: id }))
  ).ResourceTagSet?.Tags?.map((tag) => `${tag.Key}=${tag.Value}`) ?? [];

describe('tags on hosted zones', () => {
  it('adds, replaces and removes tags, and lists them for one zone and for several', async () => {
    const zoneId = await t.createZone('tags.test.');
    const other = await t.createZone('tags-other.test.');
    expect(await tagsOf(zoneId)).toEqual([]);
    await t.client.send(
      new ChangeTagsForResourceCommand({
        ResourceType: 'hostedzone',
        ResourceId: zoneId,
        AddTags: [
          { Key: 'team', Value: 'dns' },
          { Key: 'env', Value: 'test' },
        ],
      }),
    );
    expect(await tagsOf(zoneId)).toEqual(['team=dns', 'env=test']);
    await t.client.send(
      new ChangeTagsForResourceCommand({
        ResourceType: 'hostedzone',
        ResourceId: zoneId,
        AddTags: [{ Key: 'env', Value: 'prod' }],
        RemoveTagKeys: ['team'],
      }),
    );
    expect(await tagsOf(zoneId)).toEqual(['env=prod']);
    const single = await t.client.send(
      new ListTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: zoneId }),
    );
    expect(single.ResourceTagSet).toMatchObject({ ResourceType: 'hostedzone', ResourceId: zoneId });

    const many = await t.client.send(
      new ListTagsForResourcesCommand({ ResourceType: 'hostedzone', ResourceIds: [zoneId, other] }),
    );
    expect(many.ResourceTagSets?.map((set) => [set.ResourceId, set.Tags?.length ?? 0])).toEqual([
      [zoneId, 1],
      [other, 0],
    ]);
  });

  it("refuses unknown zones, unknown resource types and more than 10 tags per request, with Route53's codes", async () => {
    const zoneId = await t.createZone('tags-bad.test.');
    await expect(
      t.client.send(new ListTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: 'ZNOSUCHZONE' })),
    ).rejects.toMatchObject({ name: 'NoSuchHostedZone' });
    await expect(
      t.client.send(
        new ChangeTagsForResourceCommand({
          ResourceType: 'hostedzone',
          ResourceId: 'ZNOSUCHZONE',
          AddTags: [{ Key: 'a', Value: 'b' }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'NoSuchHostedZone' });
    await expect(
      t.client.send(new ListTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: 'no-such-check' })),
    ).rejects.toMatchObject({ name: 'NoSuchHealthCheck' });
    await expect(
      t.client.send(new ListTagsForResourceCommand({ ResourceType: 'bucket' as never, ResourceId: zoneId })),
    ).rejects.toMatchObject({ name: 'InvalidInput' });
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expect(
      t.client.send(
        new ChangeTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: zoneId, AddTags: eleven }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidInput' });
    expect(await tagsOf(zoneId)).toEqual([]);
  });

  it("drops a deleted zone's tags with it", async () => {
    const zoneId = await t.createZone('tags-gone.test.');
    await t.client.send(
      new ChangeTagsForResourceCommand({
        ResourceType: 'hostedzone',
        ResourceId: zoneId,
        AddTags: [{ Key: 'a', Value: 'b' }],
      }),
    );
    await t.client.send(new DeleteHostedZoneCommand({ Id: zoneId }));
    expect(t.authority.store.tags.exportState().some((entry) => entry.resource === `hostedzone/${zoneId}`)).toBe(false);
  });
});

describe('tag durability', () => {
  it('keeps acknowledged tags after kill -9 of the authority process', async () => {
    const dataDir = await tempDir();
    const first = await spawnAuthorityProcess(dataDir, children);
    const client = createRoute53Client({
      endpoint: first.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const zone = await client.send(
      new CreateHostedZoneCommand({ Name: 'durable-tags.test', CallerReference: 'durable-tags' }),
    );
    const zoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
    await client.send(
      new ChangeTagsForResourceCommand({
        ResourceType: 'hostedzone',
        ResourceId: zoneId,
        AddTags: [{ Key: 'owner', Value: 'alice' }],
      }),
    );
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    client.destroy();

    const second = await spawnAuthorityProcess(dataDir, children);
    const again = createRoute53Client({
      endpoint: second.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    try {
      const listed = await again.send(
        new ListTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: zoneId }),
      );
      expect(listed.ResourceTagSet?.Tags).toEqual([{ Key: 'owner', Value: 'alice' }]);
    } finally {
      again.destroy();
    }
  });

  it('keeps tags through compaction into the snapshot file', async () => {
    const dataDir = await tempDir();
    const opened = Journal.open(dataDir, (sink) => new ZoneStore(sink));
    const { zone } = opened.store.createHostedZone({ name: 'snap-tags.test', callerReference: 'snap' });
    opened.store.tags.change('hostedzone', zone.id, [{ key: 'k', value: 'v' }], []);
    opened.journal.compact();
    opened.journal.close();
    const reopened = Journal.open(dataDir, (sink) => new ZoneStore(sink));
    try {
      expect(reopened.stats.replayedEntries).toBe(0);
      expect(reopened.store.tags.list('hostedzone', zone.id)).toEqual([{ key: 'k', value: 'v' }]);
    } finally {
      reopened.journal.close();
    }
  });
});
