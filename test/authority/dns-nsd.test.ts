// The DNS face next to NSD serving the same zone, both asked the same questions with dig: referrals for
// delegations below the apex, additional-section addresses, EDNS (DO, OPT rules), QTYPE=OPT. The one
// difference left out on purpose: NSD adds the apex NS set (and its addresses) to the authority section of
// positive answers, which Route53 does not do; the comparison drops those records from NSD's side.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDnsFace } from '../../src/authority/dns/server.js';
import type { DnsFace } from '../../src/authority/zones.js';
import type { RecordSet } from '../../src/route53/recordset.js';
import { startNsd, type Nsd } from '../helpers/nsd.js';
import { describeWithTools } from '../helpers/tools.js';
import { MemoryZoneSource, udpExchange, zoneInfo } from './dns-fixture.js';

const run = promisify(execFile);
const APEX = 'example.com.';

const SETS: RecordSet[] = [
  { name: APEX, type: 'SOA', ttl: 900, values: ['ns-1.example.com. hostmaster.example.com. 1 7200 900 1209600 300'] },
  { name: APEX, type: 'NS', ttl: 172800, values: ['ns-1.example.com.', 'ns-2.example.com.'] },
  { name: 'ns-1.example.com.', type: 'A', ttl: 60, values: ['192.0.2.53'] },
  { name: APEX, type: 'MX', ttl: 60, values: ['10 mail.example.com.', '20 mx.elsewhere.net.'] },
  { name: 'mail.example.com.', type: 'A', ttl: 60, values: ['192.0.2.25'] },
  { name: 'mail.example.com.', type: 'AAAA', ttl: 60, values: ['2001:db8::25'] },
  {
    name: '_sip._tcp.example.com.',
    type: 'SRV',
    ttl: 60,
    values: ['0 5 5060 sip.example.com.', '1 5 5060 sip.example.com.'],
  },
  { name: 'sip.example.com.', type: 'A', ttl: 60, values: ['192.0.2.60', '192.0.2.61'] },
  {
    name: 'child.example.com.',
    type: 'NS',
    ttl: 3600,
    values: ['ns1.child.example.com.', 'ns.elsewhere.net.', 'mail.example.com.'],
  },
  { name: 'ns1.child.example.com.', type: 'A', ttl: 3600, values: ['192.0.2.99'] },
  { name: 'web.example.com.', type: 'A', ttl: 60, values: ['192.0.2.80'] },
  { name: 'deep.sub.example.com.', type: 'TXT', ttl: 60, values: ['"x"'] },
];

interface Digged {
  status: string;
  flags: string;
  edns: string | null;
  sections: Record<'ANSWER' | 'AUTHORITY' | 'ADDITIONAL', string[]>;
}

function parseDig(text: string): Digged {
  const status = /status: (\w+)/.exec(text)?.[1] ?? 'none';
  const flags = /;; flags: ([^;]*);/.exec(text)?.[1].trim() ?? '';
  const edns = /; EDNS: version: \d+, flags:([^;]*);/.exec(text)?.[1].trim() ?? null;
  const sections: Digged['sections'] = { ANSWER: [], AUTHORITY: [], ADDITIONAL: [] };
  let current: keyof Digged['sections'] | null = null;
  for (const line of text.split('\n')) {
    const header = /^;; (ANSWER|AUTHORITY|ADDITIONAL) SECTION:/.exec(line);
    if (header) current = header[1] as keyof Digged['sections'];
    else if (!line.trim() || line.startsWith(';')) current = line.trim() ? current : null;
    else if (current) sections[current].push(line.trim().split(/\s+/).join(' '));
  }
  for (const list of Object.values(sections)) list.sort();
  return { status, flags, edns, sections };
}

/** NSD's view without what it adds and Route53 does not: the apex NS set in authority of a positive answer. */
function withoutApexNs(nsd: Digged): Digged {
  const apexNs = nsd.sections.AUTHORITY.filter((r) => r.startsWith(`${APEX} `) && r.includes(' IN NS '));
  if (!nsd.sections.ANSWER.length || !apexNs.length) return nsd;
  const named = new Set(nsd.sections.ANSWER.map((r) => r.split(' ').pop()!));
  const onlyForNs = new Set(apexNs.map((r) => r.split(' ').pop()!).filter((target) => !named.has(target)));
  return {
    ...nsd,
    sections: {
      ANSWER: nsd.sections.ANSWER,
      AUTHORITY: nsd.sections.AUTHORITY.filter((r) => !apexNs.includes(r)),
      ADDITIONAL: nsd.sections.ADDITIONAL.filter((r) => !onlyForNs.has(r.split(' ')[0])),
    },
  };
}

describeWithTools(['dig', 'nsd'], 'DNS face next to NSD on the same zone', () => {
  let face: DnsFace;
  let nsd: Nsd;
  beforeAll(async () => {
    const source = new MemoryZoneSource();
    source.commit(zoneInfo(APEX), SETS);
    face = await startDnsFace({ host: '127.0.0.1', port: 0, source });
    nsd = await startNsd(APEX, SETS);
  }, 60_000);
  afterAll(async () => {
    await face?.close();
    await nsd?.stop();
  });

  const dig = async (port: number, args: string[]) =>
    parseDig((await run('dig', ['@127.0.0.1', '-p', String(port), '+norec', '+time=5', '+tries=3', ...args])).stdout);
  const both = async (...args: string[]) => {
    const [ours, theirs] = await Promise.all([dig(face.port, args), dig(nsd.port, args)]);
    return { ours, theirs: withoutApexNs(theirs) };
  };

  const cases: Array<[string, string[], (d: Digged) => void]> = [
    [
      'a name below a delegation: referral with glue',
      ['www.child.example.com', 'A'],
      (d) => {
        expect(d.flags).toBe('qr');
        expect(d.sections.AUTHORITY).toHaveLength(3);
        expect(d.sections.ADDITIONAL).toEqual([
          'mail.example.com. 60 IN A 192.0.2.25',
          'mail.example.com. 60 IN AAAA 2001:db8::25',
          'ns1.child.example.com. 3600 IN A 192.0.2.99',
        ]);
      },
    ],
    [
      'NS at the delegation: referral, not an answer',
      ['child.example.com', 'NS'],
      (d) => expect(d.sections.ANSWER).toEqual([]),
    ],
    ['the glue name itself: referral', ['ns1.child.example.com', 'A'], (d) => expect(d.flags).toBe('qr')],
    [
      'DS at the delegation: the parent answers NODATA',
      ['child.example.com', 'DS'],
      (d) => expect(d.flags).toBe('qr aa'),
    ],
    [
      'MX: addresses of in-zone exchanges in additional',
      ['example.com', 'MX'],
      (d) => expect(d.sections.ADDITIONAL).toHaveLength(2),
    ],
    [
      'SRV: addresses of in-zone targets, once each',
      ['_sip._tcp.example.com', 'SRV'],
      (d) => expect(d.sections.ADDITIONAL).toHaveLength(2),
    ],
    [
      'apex NS: addresses of in-zone name servers',
      ['example.com', 'NS'],
      (d) => expect(d.sections.ADDITIONAL).toEqual(['ns-1.example.com. 60 IN A 192.0.2.53']),
    ],
    ['DO bit copied back (RFC 3225)', ['+dnssec', 'web.example.com', 'A'], (d) => expect(d.edns).toBe('do')],
    ['QTYPE=OPT: NODATA with the SOA', ['example.com', 'TYPE41'], (d) => expect(d.sections.AUTHORITY).toHaveLength(1)],
    ['QTYPE=OPT without EDNS', ['+noedns', 'web.example.com', 'TYPE41'], (d) => expect(d.status).toBe('NOERROR')],
    ['an empty non-terminal', ['sub.example.com', 'A'], (d) => expect(d.status).toBe('NOERROR')],
    ['a missing name', ['nothing.example.com', 'A'], (d) => expect(d.status).toBe('NXDOMAIN')],
    ['over TCP, a referral', ['+tcp', 'x.y.child.example.com', 'AAAA'], (d) => expect(d.flags).toBe('qr')],
    // RFC 8906 §8's EDNS compliance checks (genreport's set), UDP and TCP.
    ...(['+notcp', '+tcp'] as const).flatMap((transport): Array<[string, string[], (d: Digged) => void]> => [
      [`${transport}: no EDNS`, [transport, '+noedns', 'web.example.com', 'A'], (d) => expect(d.edns).toBeNull()],
      [
        `${transport}: EDNS version 1 is BADVERS`,
        [transport, '+edns=1', '+noednsneg', 'web.example.com', 'A'],
        (d) => expect(d.status).toBe('BADVERS'),
      ],
      [
        `${transport}: an unknown option is ignored`,
        [transport, '+ednsopt=100', 'web.example.com', 'A'],
        (d) => expect(d.sections.ANSWER).toHaveLength(1),
      ],
      [
        `${transport}: an unknown EDNS flag is not echoed`,
        [transport, '+ednsflags=0x80', 'web.example.com', 'A'],
        (d) => expect(d.edns).toBe(''),
      ],
      [
        `${transport}: a 512-octet buffer`,
        [transport, '+bufsize=512', 'web.example.com', 'A'],
        (d) => expect(d.status).toBe('NOERROR'),
      ],
      [
        `${transport}: NSID, cookie, expire and client subnet asked`,
        [transport, '+nsid', '+cookie', '+expire', '+subnet=0.0.0.0/0', 'web.example.com', 'A'],
        (d) => expect(d.sections.ANSWER).toHaveLength(1),
      ],
    ]),
  ];
  for (const [what, args, check] of cases) {
    it(what, async () => {
      const { ours, theirs } = await both(...args);
      expect(ours).toEqual(theirs);
      check(ours);
    });
  }

  // Hand-made EDNS violations NSD and Knot answer FORMERR; the face's FORMERR carries an OPT (RFC 6891 §6.1.1).
  const question = Buffer.from('\x03web\x07example\x03com\x00\x00\x01\x00\x01', 'latin1');
  const opt = (rdata: Buffer = Buffer.alloc(0)) =>
    Buffer.concat([Buffer.from([0, 0, 41, 4, 0, 0, 0, 0, 0, rdata.length >> 8, rdata.length & 255]), rdata]);
  const header = (id: number, an: number, ar: number) =>
    Buffer.from([id >> 8, id & 255, 0, 0, 0, 1, 0, an, 0, 0, 0, ar]);
  const violations: Array<[string, Buffer]> = [
    ['an OPT in the answer section', Buffer.concat([header(0x101, 1, 0), question, opt()])],
    ['two OPT records', Buffer.concat([header(0x102, 0, 2), question, opt(), opt()])],
    [
      'an option running past the OPT data',
      Buffer.concat([header(0x103, 0, 1), question, opt(Buffer.from([0, 10, 0, 8, 1, 2]))]),
    ],
  ];
  for (const [what, packet] of violations) {
    it(`FORMERR with an OPT for ${what}`, async () => {
      const [ours, theirs] = await Promise.all([
        udpExchange(face.port, packet, 3_000),
        udpExchange(nsd.port, packet, 3_000),
      ]);
      expect(ours[3] & 0x0f).toBe(theirs[3] & 0x0f);
      expect(ours[3] & 0x0f).toBe(1);
      expect(ours.readUInt16BE(10)).toBe(1); // our OPT
      expect(ours.readUInt16BE(ours.length - 10)).toBe(41);
    });
  }

  it('NOTIMP to an EDNS query carries an OPT', async () => {
    const packet = Buffer.concat([Buffer.from([0x1, 0x4, 2 << 3, 0, 0, 1, 0, 0, 0, 0, 0, 1]), question, opt()]);
    const [ours, theirs] = await Promise.all([
      udpExchange(face.port, packet, 3_000),
      udpExchange(nsd.port, packet, 3_000),
    ]);
    expect(ours[3] & 0x0f).toBe(theirs[3] & 0x0f);
    expect(ours[3] & 0x0f).toBe(4);
    expect(ours.readUInt16BE(10)).toBe(1);
    expect(ours.readUInt16BE(ours.length - 10)).toBe(41);
  });
});
