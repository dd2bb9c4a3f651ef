// The DNS face over real UDP and TCP sockets, fed by an in-memory zone source.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsFace } from '../../src/authority/dns/server.js';
import type { DnsFace } from '../../src/authority/zones.js';
import type { RecordSet } from '../../src/route53/recordset.js';
import { MemoryZoneSource, apexSets, query, zoneInfo, type Reply } from './dns-fixture.js';

const APEX = 'example.com.';
const zone = zoneInfo(APEX);
const sub = zoneInfo('sub.example.com.');

const RECORDS: RecordSet[] = [
  ...apexSets(APEX, 900, 300),
  { name: 'www.example.com.', type: 'A', ttl: 60, setIdentifier: 'blue', weight: 3, values: ['192.0.2.1'] },
  {
    name: 'www.example.com.',
    type: 'A',
    ttl: 60,
    setIdentifier: 'green',
    weight: 1,
    values: ['192.0.2.2', '192.0.2.3'],
  },
  { name: 'zero.example.com.', type: 'A', ttl: 60, setIdentifier: 'a', weight: 0, values: ['198.51.100.1'] },
  { name: 'zero.example.com.', type: 'A', ttl: 60, setIdentifier: 'b', weight: 0, values: ['198.51.100.2'] },
  { name: 'mostly.example.com.', type: 'A', ttl: 60, setIdentifier: 'live', weight: 5, values: ['203.0.113.1'] },
  { name: 'mostly.example.com.', type: 'A', ttl: 60, setIdentifier: 'drained', weight: 0, values: ['203.0.113.2'] },
  { name: 'deep.a.b.example.com.', type: 'AAAA', ttl: 60, values: ['2001:db8::1'] },
  { name: 'txt.example.com.', type: 'TXT', ttl: 60, values: ['"v=spf1 -all"', '"two strings" "in \\"one\\" value"'] },
  { name: 'alias.example.com.', type: 'CNAME', ttl: 60, values: ['www.example.com.'] },
  { name: '*.wild.example.com.', type: 'A', ttl: 60, values: ['192.0.2.50'] },
  { name: 'real.wild.example.com.', type: 'TXT', ttl: 60, values: ['"real"'] },
  { name: '\\052.star.example.com.', type: 'CNAME', ttl: 60, values: ['target.example.net.'] },
  {
    name: 'big.example.com.',
    type: 'TXT',
    ttl: 60,
    values: Array.from({ length: 12 }, (_, i) => `"${String(i).padStart(2, '0')}${'x'.repeat(100)}"`),
  },
];

let source: MemoryZoneSource;
let face: DnsFace;

beforeAll(async () => {
  source = new MemoryZoneSource();
  source.commit(zone, RECORDS);
  source.commit(sub, [
    ...apexSets('sub.example.com.', 600, 900),
    { name: 'x.sub.example.com.', type: 'A', ttl: 5, values: ['192.0.2.99'] },
  ]);
  face = await startDnsFace({ host: '127.0.0.1', port: 0, source });
});
afterAll(() => face.close());

/** The face applies commits asynchronously (coalesced, and paced under a stream of them): wait for it. */
async function served(version: number): Promise<void> {
  for (const deadline = Date.now() + 5000; face.servedVersion(zone.id) < version;) {
    if (Date.now() > deadline) throw new Error(`version ${version} not served within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const addresses = (reply: Reply) => reply.answers.map((a) => (a as { address?: string }).address).sort();

describe('DNS face: positive answers', () => {
  it('answers authoritatively, without recursion, echoing the question case', async () => {
    const reply = await query(face.port, 'WwW.ExAmPle.CoM', 'A');
    expect(reply.header.qr).toBe(1);
    expect(reply.header.aa).toBe(1);
    expect(reply.header.ra).toBe(0);
    expect(reply.header.rcode).toBe(0);
    expect(reply.questions[0].name).toBe('WwW.ExAmPle.CoM');
    expect(reply.answers.length).toBeGreaterThan(0);
    expect(reply.answers[0].name.toLowerCase()).toBe('www.example.com');
  });

  it('splits a 3:1 weighted pair within a few percent of 75/25, one whole set per answer', async () => {
    const counts = { blue: 0, green: 0 };
    for (let batch = 0; batch < 40; batch++) {
      const replies = await Promise.all(Array.from({ length: 100 }, () => query(face.port, 'www.example.com', 'A')));
      for (const reply of replies) {
        const got = addresses(reply).join(',');
        if (got === '192.0.2.1') counts.blue++;
        else if (got === '192.0.2.2,192.0.2.3') counts.green++;
        else throw new Error(`not one whole set: ${got}`);
      }
    }
    expect(counts.blue + counts.green).toBe(4000);
    expect(counts.blue / 4000).toBeGreaterThan(0.72);
    expect(counts.blue / 4000).toBeLessThan(0.78);
  });

  it('serves weight-0 sets uniformly when all are 0, and never when another set has weight', async () => {
    const zero = await Promise.all(Array.from({ length: 400 }, () => query(face.port, 'zero.example.com', 'A')));
    const a = zero.filter((r) => addresses(r)[0] === '198.51.100.1').length;
    expect(a).toBeGreaterThan(150);
    expect(a).toBeLessThan(250);
    const mostly = await Promise.all(Array.from({ length: 200 }, () => query(face.port, 'mostly.example.com', 'A')));
    expect(new Set(mostly.map((r) => addresses(r).join()))).toEqual(new Set(['203.0.113.1']));
  });

  it('answers SOA and NS at the apex', async () => {
    const soa = await query(face.port, 'example.com', 'SOA');
    expect(soa.answers).toHaveLength(1);
    expect(soa.answers[0]).toMatchObject({
      type: 6,
      primary: 'ns-1.example.com',
      admin: 'hostmaster.example.com',
      minimum: 300,
    });
    const ns = await query(face.port, 'example.com', 'NS');
    expect(ns.answers.map((a) => (a as { ns?: string }).ns).sort()).toEqual(['ns-1.example.com', 'ns-2.example.com']);
  });

  it('encodes TXT values with several strings and escaped quotes', async () => {
    const reply = await query(face.port, 'txt.example.com', 'TXT');
    const data = reply.answers
      .map((a) => (a as { data?: string[] | string }).data)
      .map((d) => ([] as string[]).concat(d ?? []));
    expect(data).toContainEqual(['v=spf1 -all']);
    expect(data).toContainEqual(['two strings', 'in "one" value']);
  });

  it('answers a CNAME as such, whatever type was asked', async () => {
    const reply = await query(face.port, 'alias.example.com', 'A');
    expect(reply.header.rcode).toBe(0);
    expect(reply.answers).toHaveLength(1);
    expect(reply.answers[0]).toMatchObject({ type: 5, domain: 'www.example.com' });
  });

  it('answers from a wildcard for missing names below it, with the question as owner (RFC 4592)', async () => {
    for (const name of ['anything.wild.example.com', 'A.b.wild.example.com']) {
      const reply = await query(face.port, name, 'A');
      expect(reply.header.rcode, name).toBe(0);
      expect(reply.answers, name).toHaveLength(1);
      expect(reply.answers[0], name).toMatchObject({ name, address: '192.0.2.50' });
    }
    const nodata = await query(face.port, 'x.wild.example.com', 'AAAA');
    expect(nodata.header.rcode).toBe(0);
    expect(nodata.answers).toHaveLength(0);
    // An existing name is never answered from the wildcard.
    const real = await query(face.port, 'real.wild.example.com', 'A');
    expect(real.answers).toHaveLength(0);
    expect(real.authorities[0]).toMatchObject({ type: 6 });
    // Route53's escaped form of * works too, and a wildcard CNAME's target decodes for any owner length.
    const star = await query(face.port, 'some.longer.name.star.example.com', 'A');
    expect(star.answers[0]).toMatchObject({ type: 5, domain: 'target.example.net' });
  });

  it('answers from the longest matching zone', async () => {
    const reply = await query(face.port, 'x.sub.example.com', 'A');
    expect(addresses(reply)).toEqual(['192.0.2.99']);
    const missing = await query(face.port, 'y.sub.example.com', 'A');
    expect(missing.header.rcode).toBe(3);
    expect(missing.authorities[0]).toMatchObject({ name: 'sub.example.com', ttl: 600 });
  });
});

describe('DNS face: negative answers', () => {
  it('NXDOMAIN with the SOA in authority, TTL = min(SOA TTL, minimum)', async () => {
    const reply = await query(face.port, 'nope.example.com', 'A');
    expect(reply.header.rcode).toBe(3);
    expect(reply.header.aa).toBe(1);
    expect(reply.answers).toHaveLength(0);
    expect(reply.authorities).toHaveLength(1);
    expect(reply.authorities[0]).toMatchObject({ name: 'example.com', type: 6, ttl: 300 });
  });

  it('NODATA (NOERROR, SOA in authority) for an existing name without that type', async () => {
    const reply = await query(face.port, 'www.example.com', 'AAAA');
    expect(reply.header.rcode).toBe(0);
    expect(reply.answers).toHaveLength(0);
    expect(reply.authorities[0]).toMatchObject({ name: 'example.com', type: 6 });
  });

  it('NODATA, not NXDOMAIN, for empty non-terminals', async () => {
    for (const name of ['b.example.com', 'a.b.example.com']) {
      const reply = await query(face.port, name, 'A');
      expect(reply.header.rcode, name).toBe(0);
      expect(reply.authorities[0], name).toMatchObject({ type: 6 });
    }
    expect((await query(face.port, 'c.b.example.com', 'A')).header.rcode).toBe(3);
  });

  it('REFUSED outside our zones, without AA', async () => {
    const reply = await query(face.port, 'example.org', 'A');
    expect(reply.header.rcode).toBe(5);
    expect(reply.header.aa).toBe(0);
    expect((await query(face.port, 'notexample.com', 'A')).header.rcode).toBe(5);
  });

  it('refuses zone transfers over TCP (AXFR, IXFR)', async () => {
    for (const type of ['AXFR', 'IXFR']) {
      const reply = await query(face.port, 'example.com', type, { tcp: true });
      expect(reply.header.rcode, type).toBe(5);
      expect(reply.answers).toHaveLength(0);
    }
  });
});

describe('DNS face: EDNS and truncation', () => {
  it('echoes an OPT record only when the client sent one', async () => {
    const withOpt = await query(face.port, 'www.example.com', 'A', { edns: 4096 });
    const opt = withOpt.additionals.find((r) => r.type === 41);
    expect(opt).toBeDefined();
    expect(opt!.class).toBe(1232);
    const without = await query(face.port, 'www.example.com', 'A');
    expect(without.additionals).toHaveLength(0);
  });

  it('truncates a large UDP answer with TC=1, and TCP carries all of it', async () => {
    const plain = await query(face.port, 'big.example.com', 'TXT');
    expect(plain.header.tc).toBe(1);
    expect(plain.answers).toHaveLength(0);
    // 12 strings of 102 octets (~1.4 kB) do not fit even the 1232 cap, whatever the client advertises.
    const edns = await query(face.port, 'big.example.com', 'TXT', { edns: 4096 });
    expect(edns.header.tc).toBe(1);
    const tcp = await query(face.port, 'big.example.com', 'TXT', { tcp: true });
    expect(tcp.header.tc).toBe(0);
    expect(tcp.answers).toHaveLength(12);
  });

  it('truncates over TCP only what no DNS message can hold (over 65,535 octets)', async () => {
    const huge = Array.from({ length: 300 }, (_, i) => `"${i} ${'h'.repeat(250)}"`);
    await served(
      source.commit(zone, RECORDS.concat({ name: 'huge.example.com.', type: 'TXT', ttl: 60, values: huge })),
    );
    const reply = await query(face.port, 'huge.example.com', 'TXT', { tcp: true });
    expect(reply.header.tc).toBe(1);
    expect((await query(face.port, 'www.example.com', 'A', { tcp: true })).answers.length).toBeGreaterThan(0);
  });

  it('fits a mid-size answer into a client EDNS size above 512', async () => {
    const six = RECORDS.concat({
      name: 'mid.example.com.',
      type: 'TXT',
      ttl: 60,
      values: Array.from({ length: 6 }, (_, i) => `"${i}${'y'.repeat(100)}"`),
    });
    await served(source.commit(zone, six));
    expect((await query(face.port, 'mid.example.com', 'TXT')).header.tc).toBe(1);
    const fits = await query(face.port, 'mid.example.com', 'TXT', { edns: 1232 });
    expect(fits.header.tc).toBe(0);
    expect(fits.answers).toHaveLength(6);
  });
});

describe('DNS face: versions', () => {
  it('reports the version it serves per zone, 0 for an unknown zone', async () => {
    const version = source.commit(zone, RECORDS);
    await served(version);
    expect(face.servedVersion(zone.id)).toBe(version);
    expect(face.servedVersion(sub.id)).toBe(1);
    expect(face.servedVersion('NOPE')).toBe(0);
  });
});
