// Route53's change-batch semantics, each checked through the stock SDK against a real authority over HTTP.
// Every case here fails on moto (see FIELD-NOTES): these are the promises dnsplane's fencing stands on.
import {
  ChangeResourceRecordSetsCommand,
  DeleteHostedZoneCommand,
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
  type Change,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';

const ZONE = 'sem.test.';
let t: TestAuthority;
let zoneId: string;

function simple(name: string, values: string[], ttl = 60, type = 'A'): ResourceRecordSet {
  return { Name: name, Type: type as 'A', TTL: ttl, ResourceRecords: values.map((Value) => ({ Value })) };
}
function weighted(name: string, id: string, weight: number, values: string[], ttl = 60): ResourceRecordSet {
  return { ...simple(name, values, ttl), SetIdentifier: id, Weight: weight };
}
const create = (set: ResourceRecordSet): Change => ({ Action: 'CREATE', ResourceRecordSet: set });
const del = (set: ResourceRecordSet): Change => ({ Action: 'DELETE', ResourceRecordSet: set });
const upsert = (set: ResourceRecordSet): Change => ({ Action: 'UPSERT', ResourceRecordSet: set });

function change(...changes: Change[]) {
  return t.client.send(
    new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }),
  );
}

/** The zone's record sets other than the apex SOA/NS, as "name type id weight ttl values". */
async function records(): Promise<string[]> {
  const out = await t.client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
  return (out.ResourceRecordSets ?? [])
    .filter((set) => !(set.Name === ZONE && (set.Type === 'SOA' || set.Type === 'NS')))
    .map((set) =>
      [
        set.Name,
        set.Type,
        set.SetIdentifier ?? '-',
        set.Weight ?? '-',
        set.TTL,
        (set.ResourceRecords ?? []).map((r) => r.Value).join(','),
      ].join(' '),
    );
}

/** The rejection's SDK name and its Route53 message(s). */
async function rejection(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string };
    return { name: e.name, message: e.message };
  }
  throw new Error('expected the request to be rejected');
}

beforeAll(async () => {
  t = await startTestAuthority();
});
afterAll(async () => t?.close());
beforeEach(async () => {
  // A fresh zone per test: the same name, so messages read naturally.
  zoneId = await t.createZone(ZONE);
});

describe('ChangeResourceRecordSets: atomic batches', () => {
  it('applies nothing when any change of the batch fails', async () => {
    await change(create(simple('a.sem.test', ['192.0.2.1'])));
    const failure = await rejection(
      change(
        create(simple('b.sem.test', ['192.0.2.2'])),
        upsert(simple('c.sem.test', ['192.0.2.3'])),
        create(simple('a.sem.test', ['192.0.2.9'])),
      ),
    );
    expect(failure.name).toBe('InvalidChangeBatch');
    expect(await records()).toEqual(['a.sem.test. A - - 60 192.0.2.1']);
  });

  it('reports every problem of the batch, not only the first', async () => {
    const failure = await rejection(
      change(del(simple('x.sem.test', ['192.0.2.1'])), create(simple('y.other.test', ['192.0.2.1']))),
    );
    expect(failure.message).toContain(
      "Tried to delete resource record set [name='x.sem.test.', type='A'] but it was not found",
    );
    expect(failure.message).toContain('RRSet with DNS name y.other.test. is not permitted in zone sem.test.');
  });
});

describe('DELETE: the compare-and-swap primitive', () => {
  it('deletes only with the exact current TTL, values, SetIdentifier and Weight', async () => {
    await change(create(weighted('api.sem.test', 'blue', 10, ['192.0.2.1', '192.0.2.2'])));
    for (const stale of [
      weighted('api.sem.test', 'blue', 10, ['192.0.2.1']),
      weighted('api.sem.test', 'blue', 11, ['192.0.2.1', '192.0.2.2']),
      weighted('api.sem.test', 'blue', 10, ['192.0.2.1', '192.0.2.2'], 61),
    ]) {
      const failure = await rejection(change(del(stale)));
      expect(failure.name).toBe('InvalidChangeBatch');
      expect(failure.message).toContain(
        "Tried to delete resource record set [name='api.sem.test.', type='A', set-identifier='blue'] but the values provided do not match the current values",
      );
    }
    // Value order does not matter to Route53.
    await change(del(weighted('api.sem.test', 'blue', 10, ['192.0.2.2', '192.0.2.1'])));
    expect(await records()).toEqual([]);
  });

  it('fences a stale writer: DELETE old fence + CREATE new fence + UPSERT records, in one batch', async () => {
    const fence = (generation: number) => simple('_fence.sem.test', [`"generation=${generation}"`], 60, 'TXT');
    await change(create(fence(1)), create(simple('www.sem.test', ['192.0.2.1'])));
    await change(del(fence(1)), create(fence(2)), upsert(simple('www.sem.test', ['192.0.2.2'])));
    // The delayed writer still believes generation 1 is live: its whole batch is refused.
    const stale = await rejection(
      change(del(fence(1)), create(fence(2)), upsert(simple('www.sem.test', ['192.0.2.66']))),
    );
    expect(stale.name).toBe('InvalidChangeBatch');
    expect(await records()).toEqual(['_fence.sem.test. TXT - - 60 "generation=2"', 'www.sem.test. A - - 60 192.0.2.2']);
  });

  it('refuses to delete a missing set', async () => {
    const failure = await rejection(change(del(weighted('gone.sem.test', 'a', 1, ['192.0.2.1']))));
    expect(failure).toEqual({
      name: 'InvalidChangeBatch',
      message: expect.stringContaining("[name='gone.sem.test.', type='A', set-identifier='a'] but it was not found"),
    });
  });

  it('keys weighted sets by name, type and SetIdentifier: deleting one never touches another name', async () => {
    await change(
      create(weighted('one.sem.test', 'blue', 1, ['192.0.2.1'])),
      create(weighted('two.sem.test', 'blue', 1, ['192.0.2.1'])),
    );
    await change(del(weighted('one.sem.test', 'blue', 1, ['192.0.2.1'])));
    expect(await records()).toEqual(['two.sem.test. A blue 1 60 192.0.2.1']);
  });
});

describe('CREATE and UPSERT', () => {
  it('refuses to CREATE an existing set (same name, type and SetIdentifier), even with other values', async () => {
    await change(create(simple('a.sem.test', ['192.0.2.1'])));
    const failure = await rejection(change(create(simple('A.Sem.Test.', ['192.0.2.2']))));
    expect(failure.message).toContain(
      "Tried to create resource record set [name='a.sem.test.', type='A'] but it already exists",
    );
    expect(await records()).toEqual(['a.sem.test. A - - 60 192.0.2.1']);
  });

  it('UPSERT creates a set, then replaces it whole', async () => {
    await change(upsert(simple('a.sem.test', ['192.0.2.1', '192.0.2.2'], 300)));
    await change(upsert(simple('a.sem.test', ['192.0.2.3'], 30)));
    expect(await records()).toEqual(['a.sem.test. A - - 30 192.0.2.3']);
  });

  it('refuses the same set twice in one batch, but allows DELETE then CREATE of it', async () => {
    const failure = await rejection(
      change(upsert(simple('a.sem.test', ['192.0.2.1'])), upsert(simple('a.sem.test', ['192.0.2.2']))),
    );
    expect(failure.name).toBe('InvalidChangeBatch');
    expect(failure.message).toContain("invalid set of changes for a resource record set 'A a.sem.test.'");
    await change(create(simple('a.sem.test', ['192.0.2.1'])));
    await change(del(simple('a.sem.test', ['192.0.2.1'])), create(simple('a.sem.test', ['192.0.2.5'])));
    expect(await records()).toEqual(['a.sem.test. A - - 60 192.0.2.5']);
  });

  it('refuses names outside the zone, including a suffix that is not a parent label', async () => {
    for (const name of ['x.other.test', 'xsem.test']) {
      const failure = await rejection(change(create(simple(name, ['192.0.2.1']))));
      expect(failure).toEqual({
        name: 'InvalidChangeBatch',
        message: expect.stringContaining(`RRSet with DNS name ${name}. is not permitted in zone sem.test.`),
      });
    }
  });
});

describe('weighted groups', () => {
  it('refuses to mix weighted and non-weighted sets under one name and type, either way round', async () => {
    await change(create(simple('a.sem.test', ['192.0.2.1'])), create(weighted('b.sem.test', 'x', 1, ['192.0.2.1'])));
    expect((await rejection(change(create(weighted('a.sem.test', 'x', 1, ['192.0.2.2']))))).name).toBe(
      'InvalidChangeBatch',
    );
    expect((await rejection(change(create(simple('b.sem.test', ['192.0.2.2']))))).name).toBe('InvalidChangeBatch');
  });

  it('allows at most 100 weighted sets per name and type', async () => {
    const sets = Array.from({ length: 100 }, (_, i) => create(weighted('w.sem.test', `lb-${i}`, 1, ['192.0.2.1'])));
    await change(...sets);
    const failure = await rejection(change(create(weighted('w.sem.test', 'lb-100', 1, ['192.0.2.1']))));
    expect(failure.message).toContain('the limit is 100');
  });

  it('keeps one TTL across the group: the last one given wins', async () => {
    await change(
      create(weighted('w.sem.test', 'a', 1, ['192.0.2.1'], 60)),
      create(weighted('w.sem.test', 'b', 1, ['192.0.2.2'], 60)),
    );
    await change(upsert(weighted('w.sem.test', 'c', 1, ['192.0.2.3'], 10)));
    expect(await records()).toEqual([
      'w.sem.test. A a 1 10 192.0.2.1',
      'w.sem.test. A b 1 10 192.0.2.2',
      'w.sem.test. A c 1 10 192.0.2.3',
    ]);
  });
});

describe('validation', () => {
  it('answers InvalidInput for a weight outside 0..255, a missing TTL and empty ResourceRecords', async () => {
    expect((await rejection(change(create(weighted('a.sem.test', 'x', 256, ['192.0.2.1']))))).name).toBe(
      'InvalidInput',
    );
    expect(
      await rejection(change(create({ Name: 'a.sem.test', Type: 'A', ResourceRecords: [{ Value: '192.0.2.1' }] }))),
    ).toEqual({
      name: 'InvalidInput',
      message: expect.stringContaining('Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]'),
    });
    expect(await rejection(change(create(simple('a.sem.test', []))))).toEqual({
      name: 'InvalidInput',
      message: expect.stringContaining('resourceRecords'),
    });
    expect(await records()).toEqual([]);
  });

  it.each([
    ['A', '192.0.2.256', 'ARRDATAIllegalIPv4Address'],
    ['A', '2001:db8::1', 'ARRDATAIllegalIPv4Address'],
    ['AAAA', '192.0.2.1', 'AAAARRDATAIllegalIPv6Address'],
    ['TXT', 'no quotes', 'Value should be enclosed in quotation marks'],
    ['TXT', `"${'x'.repeat(256)}"`, 'CharacterStringTooLong'],
    ['CNAME', 'bad..name', 'Invalid Resource Record'],
  ])('refuses a %s value %j with InvalidChangeBatch', async (type, value, wording) => {
    const failure = await rejection(change(create(simple('v.sem.test', [value], 60, type))));
    expect(failure.name).toBe('InvalidChangeBatch');
    expect(failure.message).toContain(wording);
  });

  it('refuses a set that names the same value twice, and changes nothing', async () => {
    const failure = await rejection(
      change(create(simple('ok.sem.test', ['192.0.2.1'])), create(simple('dup.sem.test', ['192.0.2.7', '192.0.2.7']))),
    );
    expect(failure).toEqual({
      name: 'InvalidChangeBatch',
      message: expect.stringContaining("Duplicate Resource Record: '192.0.2.7'"),
    });
    expect(await records()).toEqual([]);
  });

  it('accepts valid A, AAAA, multi-string TXT and CNAME values', async () => {
    await change(
      create(simple('a.sem.test', ['192.0.2.1'])),
      create(simple('a.sem.test', ['2001:db8::1'], 60, 'AAAA')),
      create(simple('t.sem.test', ['"v=spf1 -all"', '"part one" "part two"'], 60, 'TXT')),
      create(simple('c.sem.test', ['target.example.com.'], 60, 'CNAME')),
    );
    expect(await records()).toHaveLength(4);
  });

  it('measures a TXT string in octets, as the DNS face encodes it: 200 × é is too long, 100 × \\065 is not', async () => {
    const failure = await rejection(change(create(simple('long.sem.test', [`"${'é'.repeat(200)}"`], 60, 'TXT'))));
    expect(failure).toEqual({ name: 'InvalidChangeBatch', message: expect.stringContaining('CharacterStringTooLong') });
    await change(create(simple('octal.sem.test', [`"${'\\065'.repeat(100)}"`], 60, 'TXT')));
    expect(await records()).toEqual([`octal.sem.test. TXT - - 60 "${'\\065'.repeat(100)}"`]);
  });

  it('refuses a value the DNS face could not encode, whatever its type: a CAA value over 255 octets', async () => {
    // The CAA syntax check alone accepted it; the face would then have dropped the set as unservable.
    const longCaa = await rejection(
      change(create(simple('caa.sem.test', [`0 issue "${'x'.repeat(300)}"`], 60, 'CAA'))),
    );
    expect(longCaa).toEqual({ name: 'InvalidChangeBatch', message: expect.stringContaining('InvalidRDATA') });
    await change(create(simple('caa.sem.test', ['0 issue "letsencrypt.org"'], 60, 'CAA')));
    expect(await records()).toEqual(['caa.sem.test. CAA - - 60 0 issue "letsencrypt.org"']);
  });

  it('counts 1,000 ResourceRecord elements per request, UPSERT twice', async () => {
    const values = (n: number, offset = 0) =>
      Array.from({ length: n }, (_, i) => `10.${offset}.${Math.floor(i / 250)}.${i % 250}`);
    const creates = [
      create(simple('a.sem.test', values(400))),
      create(simple('b.sem.test', values(400, 1))),
      create(simple('c.sem.test', values(200, 2))),
    ];
    await change(...creates);
    const upserts = [upsert(simple('d.sem.test', values(300, 3))), upsert(simple('e.sem.test', values(201, 4)))];
    const failure = await rejection(change(...upserts));
    expect(failure).toEqual({
      name: 'InvalidChangeBatch',
      message: expect.stringContaining('Number of records limit of 1000 exceeded'),
    });
  });

  it('counts 32,000 value characters per request, UPSERT twice', async () => {
    const txt = (n: number) => Array.from({ length: n }, (_, i) => `"${String(i).padStart(3, '0')}${'x'.repeat(246)}"`);
    // 64 values of 251 characters = 16,064 characters: fine once, too many as an UPSERT.
    await change(create(simple('t.sem.test', txt(64), 60, 'TXT')));
    const failure = await rejection(change(upsert(simple('u.sem.test', txt(64), 60, 'TXT'))));
    expect(failure.message).toContain('Number of characters in values limit of 32000 exceeded');
  });
});

describe('hosted zones', () => {
  it('creates SOA and NS at the apex and refuses to delete a zone that holds other records', async () => {
    const zone = await t.client.send(new GetHostedZoneCommand({ Id: zoneId }));
    expect(zone.HostedZone?.ResourceRecordSetCount).toBe(2);
    expect(zone.DelegationSet?.NameServers).toHaveLength(4);
    await change(create(simple('a.sem.test', ['192.0.2.1'])));
    const failure = await rejection(t.client.send(new DeleteHostedZoneCommand({ Id: zoneId })));
    expect(failure.name).toBe('HostedZoneNotEmpty');
    await change(del(simple('a.sem.test', ['192.0.2.1'])));
    await t.client.send(new DeleteHostedZoneCommand({ Id: zoneId }));
    expect((await rejection(t.client.send(new GetHostedZoneCommand({ Id: zoneId })))).name).toBe('NoSuchHostedZone');
    expect((await rejection(change(create(simple('a.sem.test', ['192.0.2.1']))))).name).toBe('NoSuchHostedZone');
  });

  it('refuses to delete the apex SOA or NS', async () => {
    const listed = await t.client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, MaxItems: 2 }));
    const soa = listed.ResourceRecordSets!.find((set) => set.Type === 'SOA')!;
    expect((await rejection(change(del(soa)))).name).toBe('InvalidChangeBatch');
  });
});
