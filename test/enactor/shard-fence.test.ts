// Shard fences: the pure parts (shard of an endpoint, names, values, digests) and one read of all 64 fences
// against the real authority through the SDK.
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSdkChanges } from '../../src/enactor/changes.js';
import {
  contentDigest,
  EMPTY_SHARD_DIGEST,
  fnv1a32,
  newShardFenceSet,
  parseShardFence,
  readShardFences,
  sameShardFence,
  shardDigest,
  shardFenceName,
  shardOf,
  shardOfFenceName,
  shardPlan,
  SHARDS,
} from '../../src/enactor/shard-fence.js';
import type { Plan } from '../../src/plan/schema.js';
import { countRequests } from '../../src/route53/request-counter.js';
import type { RecordSet } from '../../src/route53/recordset.js';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';

const ZONE = 'shards.test.';

const plan = (generation: number, endpoints: Array<[string, number[]]>): Plan => ({
  generation,
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'test',
  zone: ZONE,
  endpoints: endpoints.map(([label, weights], e) => ({
    name: `${label}.${ZONE}`,
    type: 'A' as const,
    ttl: 30,
    sets: weights.map((weight, i) => ({ setIdentifier: `lb-${i}`, weight, values: [`10.${e}.${i}.1`] })),
  })),
});

describe('shard of an endpoint', () => {
  it('is FNV-1a (32 bit) of the endpoint key, mod 64', () => {
    // Reference values of FNV-1a 32: "" and "a".
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(shardOf('API.shards.test', 'A')).toBe(fnv1a32('api.shards.test. A') % 64);
    expect(shardOf('api.shards.test.', 'A')).not.toBe(undefined);
  });

  it('spreads endpoints over all shards', () => {
    const used = new Set(Array.from({ length: 2_000 }, (_, i) => shardOf(`e${i}.${ZONE}`, 'A')));
    expect(used.size).toBe(SHARDS);
  });
});

describe('shard fence names and values', () => {
  it('names s000.._dnsplane.<zone> .. s063 and maps them back', () => {
    expect(shardFenceName(0, 'Shards.Test')).toBe('s000._dnsplane.shards.test.');
    expect(shardFenceName(63, ZONE)).toBe('s063._dnsplane.shards.test.');
    expect(() => shardFenceName(64, ZONE)).toThrow(/0\.\.63/);
    expect(shardOfFenceName('s017._dnsplane.shards.test.')).toEqual({ shard: 17, zone: ZONE, owner: 'default' });
    // Another owner's fences live under its own label; the default owner keeps the original names.
    expect(shardFenceName(17, ZONE, 'blue')).toBe('s017.blue._dnsplane.shards.test.');
    expect(shardFenceName(17, ZONE, 'default')).toBe('s017._dnsplane.shards.test.');
    expect(shardOfFenceName('s017.blue._dnsplane.shards.test.')).toEqual({ shard: 17, zone: ZONE, owner: 'blue' });
    expect(() => shardFenceName(1, ZONE, 'Blue_team')).toThrow(/owner id "Blue_team"/);
    expect(() => shardFenceName(1, ZONE, 's001')).toThrow(/owner id/);
    expect(shardOfFenceName('s064._dnsplane.shards.test.')).toBeUndefined();
    expect(shardOfFenceName('_dnsplane-a.api.shards.test.')).toBeUndefined();
  });

  it('writes g, d, w, n and x, and reads them back; every write has a new nonce', () => {
    const a = newShardFenceSet(5, ZONE, {
      generation: 12,
      digest: 'abcdef012345',
      writer: 'enactor one!',
      excluded: ['web.shards.test. A', 'api.shards.test. AAAA'],
    });
    const b = newShardFenceSet(5, ZONE, { generation: 12, digest: 'abcdef012345', writer: 'enactor one!' });
    expect(a).toMatchObject({ name: 's005._dnsplane.shards.test.', type: 'TXT', ttl: 60 });
    expect(a.values[0]).toMatch(
      /^"dnsplane g=12 d=abcdef012345 w=enactor_one_ n=[0-9a-f]{8} x=api\.shards\.test\.\/AAAA,web\.shards\.test\.\/A"$/,
    );
    expect(parseShardFence(5, a)).toMatchObject({
      shard: 5,
      generation: 12,
      digest: 'abcdef012345',
      writer: 'enactor_one_',
      excluded: ['api.shards.test. AAAA', 'web.shards.test. A'],
    });
    expect(parseShardFence(5, b).excluded).toEqual([]);
    expect(parseShardFence(5, a).nonce).not.toBe(parseShardFence(5, b).nonce);
    expect(sameShardFence(parseShardFence(5, a), parseShardFence(5, a))).toBe(true);
    expect(sameShardFence(parseShardFence(5, a), parseShardFence(5, b))).toBe(false);
    expect(sameShardFence(undefined, undefined)).toBe(true);
  });

  it('caps the writer at 32 characters and splits a long value into 255-character strings that read back whole', () => {
    const excluded = Array.from({ length: 20 }, (_, i) => `poisoned-endpoint-${i}.shards.test. A`);
    const set = newShardFenceSet(1, ZONE, {
      generation: 3,
      digest: EMPTY_SHARD_DIGEST,
      writer: 'w'.repeat(50),
      excluded,
    });
    expect(set.values[0].split('" "').length).toBeGreaterThan(1);
    const fence = parseShardFence(1, set);
    expect(fence.writer).toBe('w'.repeat(32));
    expect(fence.excluded).toEqual([...excluded].sort());
  });

  it('reads garbage as generation 0 with no digest', () => {
    const txt = (...values: string[]): RecordSet => ({
      name: 's000._dnsplane.shards.test.',
      type: 'TXT',
      ttl: 60,
      values,
    });
    for (const garbage of [
      txt('"hand made"'),
      txt('"dnsplane g=x d=abcdef012345"'),
      txt('"dnsplane g=4 d=short"'),
      txt('"dnsplane g=4 d=abcdef012345"', '"dnsplane g=9 d=abcdef012345"'),
      txt('"gen=4 writer=a"'),
    ]) {
      expect(parseShardFence(0, garbage)).toMatchObject({ generation: 0, digest: '' });
    }
    expect(parseShardFence(0, txt('"dnsplane g=4 d=abcdef012345"'))).toMatchObject({
      generation: 4,
      digest: 'abcdef012345',
      writer: undefined,
    });
  });

  it('refuses to write a fence for a non-positive generation or a malformed digest', () => {
    expect(() => newShardFenceSet(0, ZONE, { generation: 0, digest: EMPTY_SHARD_DIGEST, writer: 'a' })).toThrow(
      /positive integer/,
    );
    expect(() => newShardFenceSet(0, ZONE, { generation: 1, digest: 'XYZ', writer: 'a' })).toThrow(/12 hex/);
  });
});

describe('shard digest', () => {
  it('is the fixed empty digest for a shard without content', () => {
    expect(contentDigest(new Map())).toBe(EMPTY_SHARD_DIGEST);
    const digests = shardPlan(plan(1, [])).digests;
    expect(digests).toHaveLength(SHARDS);
    expect(digests.every((digest) => digest === EMPTY_SHARD_DIGEST)).toBe(true);
  });

  it('depends on content only: not on set or value order, not on the generation; changes with any weight, value or TTL', () => {
    const p1 = plan(1, [['api', [10, 20]]]);
    const shard = shardOf(`api.${ZONE}`, 'A');
    const reordered: Plan = {
      ...p1,
      generation: 2,
      endpoints: [{ ...p1.endpoints[0], sets: [...p1.endpoints[0].sets].reverse() }],
    };
    expect(shardDigest(reordered, shard)).toBe(shardDigest(p1, shard));
    expect(shardDigest(p1, shard)).not.toBe(EMPTY_SHARD_DIGEST);
    expect(shardDigest(plan(3, [['api', [10, 21]]]), shard)).not.toBe(shardDigest(p1, shard));
    const longerTtl: Plan = { ...p1, endpoints: [{ ...p1.endpoints[0], ttl: 31 }] };
    expect(shardDigest(longerTtl, shard)).not.toBe(shardDigest(p1, shard));
    // Every other shard of the plan is empty.
    expect(shardPlan(p1).digests.filter((digest) => digest !== EMPTY_SHARD_DIGEST)).toHaveLength(1);
  });

  it('equals the digest of the same content read back as record sets, and leaves excluded endpoints out', () => {
    const p = plan(1, [['api', [10, 20]]]);
    const shard = shardOf(`api.${ZONE}`, 'A');
    const live = new Map(shardPlan(p).content[shard]);
    expect(contentDigest(live)).toBe(shardDigest(p, shard));
    expect(shardDigest(p, shard, [`api.${ZONE} A`])).toBe(EMPTY_SHARD_DIGEST);
  });

  it('is memoised per plan object', () => {
    const p = plan(1, [['api', [1]]]);
    expect(shardPlan(p)).toBe(shardPlan(p));
  });
});

describe('readShardFences against the authority', () => {
  let t: TestAuthority;
  let zoneId: string;

  beforeAll(async () => {
    t = await startTestAuthority();
    zoneId = await t.createZone(ZONE);
  });
  afterAll(async () => {
    await t.close();
  });

  it('reads no fence in a zone without any', async () => {
    const fences = await readShardFences(t.port, zoneId, ZONE);
    expect(fences.size).toBe(SHARDS);
    expect([...fences.values()].every((fence) => fence === undefined)).toBe(true);
  });

  it('reads all 64 fences in ONE ListResourceRecordSets, among names that sort before, between and after them', async () => {
    const fences = Array.from({ length: SHARDS }, (_, shard) =>
      newShardFenceSet(shard, ZONE, { generation: shard + 1, digest: EMPTY_SHARD_DIGEST, writer: 'test' }),
    );
    // 400 weighted sets of endpoints around the fences (a, _dnsplane-a.x, z...), a v1 fence, and a name below _dnsplane.
    const around: RecordSet[] = [];
    for (const label of ['a', 'zz', '_dnsplane-a.api', 'x._dnsplane-a', '_c', '_e']) {
      for (let i = 0; i < 60; i++)
        around.push({
          name: `${label}.${ZONE}`,
          type: 'A',
          ttl: 30,
          setIdentifier: `lb-${i}`,
          weight: 1,
          values: [`10.0.0.${i + 1}`],
        });
    }
    around.push({
      name: `_dnsplane-a.api.${ZONE}`,
      type: 'TXT',
      ttl: 60,
      values: ['"dnsplane gen=3 writer=a nonce=1"'],
    });
    const creates = [...fences, ...around].map((set) => ({ action: 'CREATE' as const, set }));
    await t.client.send(
      new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: toSdkChanges(creates) } }),
    );

    const { client, requests } = countRequests(t.port);
    const read = await readShardFences(client, zoneId, ZONE);
    expect(requests.get('ListResourceRecordSets')).toBe(1);
    expect([...read.values()].map((fence) => fence?.generation)).toEqual(fences.map((_, shard) => shard + 1));
    expect(read.get(7)).toMatchObject({ shard: 7, digest: EMPTY_SHARD_DIGEST, writer: 'test' });
  });
});
