// Robustness of the DNS face under hostile input: random and mutated datagrams over UDP and random streams
// over TCP against a face serving a zone with every feature the face answers from (weighted sets, wildcard,
// delegation with glue, MX/SRV targets, CNAME, failover/multivalue/geolocation sets with health checks that
// flip at random, aliases). It counts crashes (the face stops answering a plain query)
// and wrong replies, checked by an oracle independent of the face's code:
//   - a reply is a whole, well-formed message (every section parses to exactly its end; pointers point back),
//     with QR set, the request's id and opcode, at most one reply per request, none to a response (QR=1);
//   - NOERROR/NXDOMAIN echo the request's question byte for byte; TC=1 replies carry no records;
//   - answers are owned by the question name and have its type (or CNAME, or any type for ANY); a reply
//     without AA is a referral: no answers, only NS records in authority owned by an ancestor of the name.
// Silence is allowed (kernel drops under load, or no reply due) and counted.
//
//   node bin/run-ts.js scripts/fuzz-dns.ts [--datagrams 1050000] [--streams 3000] [--seed 1]
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import { startDnsFace } from '../src/authority/dns/server.js';
import type { HostedZoneInfo, ZoneSnapshot, ZoneSource } from '../src/authority/zones.js';
import type { RecordSet } from '../src/route53/recordset.js';
import { HELP_OPTION, parseScriptArgs, usageError } from './script-args.js';

const USAGE = 'usage: node bin/run-ts.js scripts/fuzz-dns.ts [--datagrams N] [--streams N] [--seed N]';
const { values } = parseScriptArgs('fuzz-dns', USAGE, () =>
  parseArgs({
    options: {
      ...HELP_OPTION,
      datagrams: { type: 'string', default: '1050000' },
      streams: { type: 'string', default: '3000' },
      seed: { type: 'string', default: '1' },
    },
  }),
);
const DATAGRAMS = Number(values.datagrams);
const STREAMS = Number(values.streams);
let seed = Number(values.seed) >>> 0 || 1;
if (!Number.isInteger(DATAGRAMS) || DATAGRAMS < 1 || !Number.isInteger(STREAMS) || STREAMS < 0)
  usageError('fuzz-dns', '--datagrams and --streams must be positive integers', USAGE);

/** xorshift32: reproducible from --seed, and cheap enough for a million packets. */
function rand(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}

const APEX = 'fuzz.test.';
const zone: HostedZoneInfo = { id: 'ZFUZZ', name: APEX, callerReference: 'fuzz', nameServers: ['ns-1.fuzz.test.'] };
const sets: RecordSet[] = [
  { name: APEX, type: 'SOA', ttl: 900, values: ['ns-1.fuzz.test. hostmaster.fuzz.test. 1 7200 900 1209600 300'] },
  { name: APEX, type: 'NS', ttl: 172800, values: ['ns-1.fuzz.test.', 'ns-2.elsewhere.'] },
  { name: 'ns-1.fuzz.test.', type: 'A', ttl: 60, values: ['192.0.2.53'] },
  { name: APEX, type: 'MX', ttl: 60, values: ['10 mail.fuzz.test.'] },
  { name: 'mail.fuzz.test.', type: 'AAAA', ttl: 60, values: ['2001:db8::25'] },
  { name: 'w.fuzz.test.', type: 'A', ttl: 60, setIdentifier: 'a', weight: 3, values: ['192.0.2.1', '192.0.2.2'] },
  { name: 'w.fuzz.test.', type: 'A', ttl: 60, setIdentifier: 'b', weight: 1, values: ['192.0.2.3'] },
  { name: '*.wild.fuzz.test.', type: 'TXT', ttl: 60, values: ['"wild"'] },
  { name: 'sub.fuzz.test.', type: 'NS', ttl: 3600, values: ['ns.sub.fuzz.test.'] },
  { name: 'ns.sub.fuzz.test.', type: 'A', ttl: 3600, values: ['192.0.2.99'] },
  { name: '_s._tcp.fuzz.test.', type: 'SRV', ttl: 60, values: ['0 1 80 mail.fuzz.test.'] },
  { name: 'c.fuzz.test.', type: 'CNAME', ttl: 60, values: ['w.fuzz.test.'] },
  {
    name: 'big.fuzz.test.',
    type: 'TXT',
    ttl: 60,
    values: Array.from({ length: 30 }, (_, i) => `"${String(i).padStart(60, 'x')}"`),
  },
  // Routing policies, health checks (flipped at random per query, below) and aliases: the face's slow path.
  {
    name: 'fo.fuzz.test.',
    type: 'A',
    ttl: 60,
    setIdentifier: 'p',
    failover: 'PRIMARY',
    healthCheckId: 'hc-1',
    values: ['192.0.2.31'],
  },
  {
    name: 'fo.fuzz.test.',
    type: 'A',
    ttl: 60,
    setIdentifier: 's',
    failover: 'SECONDARY',
    healthCheckId: 'hc-2',
    values: ['192.0.2.32'],
  },
  ...Array.from({ length: 10 }, (_, i): RecordSet => ({
    name: 'mv.fuzz.test.',
    type: 'A',
    ttl: 60,
    setIdentifier: `m${i}`,
    multiValueAnswer: true,
    healthCheckId: `hc-${i}`,
    values: [`192.0.2.${40 + i}`],
  })),
  {
    name: APEX,
    type: 'A',
    ttl: 0,
    values: [],
    aliasTarget: { hostedZoneId: 'ZFUZZ', dnsName: 'mv.fuzz.test.', evaluateTargetHealth: true },
  },
  {
    name: 'al.fuzz.test.',
    type: 'MX',
    ttl: 0,
    values: [],
    aliasTarget: { hostedZoneId: 'ZFUZZ', dnsName: 'fuzz.test.', evaluateTargetHealth: false },
  },
  {
    name: 'lb.fuzz.test.',
    type: 'A',
    ttl: 0,
    values: [],
    aliasTarget: { hostedZoneId: 'Z35SXDOTRQ7X7K', dnsName: 'x.elb.amazonaws.com.', evaluateTargetHealth: true },
  },
  {
    name: 'geo.fuzz.test.',
    type: 'A',
    ttl: 60,
    setIdentifier: 'd',
    geoLocation: { countryCode: '*' },
    values: ['192.0.2.70'],
  },
];
const source: ZoneSource = {
  snapshots: (): ZoneSnapshot[] => [{ zone, version: 1, recordSets: sets }],
  heads: () => [{ zone, version: 1 }],
  // The zone never changes: nothing committed after its one version.
  changesSince: () => [],
  onCommit: () => () => undefined,
};

function encodeName(name: string): Buffer {
  return Buffer.concat([
    ...name
      .split('.')
      .filter(Boolean)
      .map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])),
    Buffer.from([0]),
  ]);
}
function queryFor(name: string, type: number, opt: Buffer | null): Buffer {
  const header = Buffer.from([0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, opt ? 1 : 0]);
  return Buffer.concat([header, encodeName(name), Buffer.from([type >> 8, type & 255, 0, 1]), ...(opt ? [opt] : [])]);
}
const OPTS = [
  Buffer.from([0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0]),
  Buffer.from([0, 0, 41, 16, 0, 0, 0, 0x80, 0, 0, 8, 0, 10, 0, 4, 1, 2, 3, 4]), // DO + a cookie-ish option
];
const SEEDS: Buffer[] = [];
for (const name of [
  'fo.fuzz.test',
  'mv.fuzz.test',
  'al.fuzz.test',
  'lb.fuzz.test',
  'geo.fuzz.test',
  'fuzz.test',
  'w.fuzz.test',
  'x.y.wild.fuzz.test',
  'a.sub.fuzz.test',
  'c.fuzz.test',
  'big.fuzz.test',
  '_s._tcp.fuzz.test',
  'nope.fuzz.test',
  'other.zone',
]) {
  for (const type of [1, 2, 5, 6, 15, 16, 28, 33, 41, 43, 255])
    for (const opt of [null, ...OPTS]) SEEDS.push(queryFor(name, type, opt));
}

function mutate(): Buffer {
  const kind = rand(10);
  if (kind === 0) return Buffer.from(Array.from({ length: rand(600) }, () => rand(256)));
  const base = Buffer.from(SEEDS[rand(SEEDS.length)]);
  if (kind === 1) return base.subarray(0, rand(base.length + 1)); // truncated
  if (kind === 2) return Buffer.concat([base, Buffer.from(Array.from({ length: 1 + rand(40) }, () => rand(256)))]); // trailing junk
  for (let edits = 1 + rand(4); edits > 0; edits--)
    base[rand(base.length)] = rand(8) === 0 ? 0xc0 | rand(64) : rand(256);
  return base;
}

// ---- the oracle ----

/** Where the name at `at` ends in `msg` and its lower-case text, following backward pointers; null if malformed. */
function readName(msg: Buffer, at: number): { end: number; name: string } | null {
  let p = at;
  let end = -1;
  const labels: string[] = [];
  for (let hops = 0; hops < 128; hops++) {
    if (p >= msg.length) return null;
    const len = msg[p];
    if (len === 0) return { end: end < 0 ? p + 1 : end, name: labels.join('.').toLowerCase() };
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= msg.length) return null;
      const target = ((len & 0x3f) << 8) | msg[p + 1];
      if (target >= p) return null;
      if (end < 0) end = p + 2;
      p = target;
    } else if (len > 63 || p + 1 + len > msg.length) return null;
    else {
      labels.push(msg.toString('latin1', p + 1, p + 1 + len));
      p += 1 + len;
    }
  }
  return null;
}

interface Parsed {
  qname: string | null;
  qtype: number;
  questionEnd: number;
  records: Array<{ section: number; name: string; type: number }>;
  extendedRcode: number;
}

function parseMessage(msg: Buffer): Parsed | null {
  if (msg.length < 12) return null;
  const counts = [4, 6, 8, 10].map((o) => msg.readUInt16BE(o));
  let p = 12;
  let qname: string | null = null;
  let qtype = 0;
  for (let i = 0; i < counts[0]; i++) {
    const n = readName(msg, p);
    if (!n || n.end + 4 > msg.length) return null;
    qname ??= n.name;
    if (i === 0) qtype = msg.readUInt16BE(n.end);
    p = n.end + 4;
  }
  const questionEnd = p;
  const records: Parsed['records'] = [];
  let extendedRcode = 0;
  for (let section = 1; section <= 3; section++) {
    for (let i = 0; i < counts[section]; i++) {
      const n = readName(msg, p);
      if (!n || n.end + 10 > msg.length) return null;
      const type = msg.readUInt16BE(n.end);
      if (type === 41) extendedRcode = msg[n.end + 4];
      p = n.end + 10 + msg.readUInt16BE(n.end + 8);
      if (p > msg.length) return null;
      records.push({ section, name: n.name, type });
    }
  }
  return p === msg.length ? { qname, qtype, questionEnd, records, extendedRcode } : null;
}

/** The oracle's verdict on one reply to one request: null when right, else what is wrong. */
function wrong(req: Buffer, rep: Buffer): string | null {
  if (req.length < 12 || req[2] & 0x80) return 'a reply to a request that is not a query';
  if (rep.length < 12 || rep.readUInt16BE(0) !== req.readUInt16BE(0)) return 'id';
  if (!(rep[2] & 0x80) || ((rep[2] >> 3) & 15) !== ((req[2] >> 3) & 15)) return 'QR/opcode';
  const parsed = parseMessage(rep);
  if (!parsed) return 'malformed reply';
  const rcode = (parsed.extendedRcode << 4) | (rep[3] & 15);
  const tc = (rep[2] & 2) !== 0;
  const aa = (rep[2] & 4) !== 0;
  if (tc && parsed.records.some((r) => r.type !== 41)) return 'TC with records';
  if (rcode === 0 || rcode === 3) {
    if (!req.subarray(12, parsed.questionEnd).equals(rep.subarray(12, parsed.questionEnd)))
      return 'question not echoed';
    const qname = parsed.qname ?? '';
    const answers = parsed.records.filter((r) => r.section === 1);
    if (!aa && !tc) {
      if (rcode !== 0 || answers.length) return 'non-authoritative answer';
      const ns = parsed.records.filter((r) => r.section === 2);
      if (!ns.length || ns.some((r) => r.type !== 2 || !(qname === r.name || qname.endsWith(`.${r.name}`))))
        return 'bad referral';
    }
    for (const a of answers)
      if (a.name !== qname || !(a.type === parsed.qtype || a.type === 5 || parsed.qtype === 255))
        return 'answer for another question';
  }
  return null;
}

// ---- the run ----

const health = { isHealthy: () => Math.random() < 0.5 };
const face = await startDnsFace({
  host: '127.0.0.1',
  port: 0,
  source,
  health,
  logger: (await import('../src/telemetry/logger.js')).createLogger('fuzz', 'silent'),
});
const counts = {
  datagrams: 0,
  replies: 0,
  silent: 0,
  wrong: 0,
  duplicate: 0,
  streams: 0,
  streamReplies: 0,
  crashes: 0,
};
const examples: string[] = [];
const note = (what: string, req: Buffer) => {
  counts.wrong++;
  if (examples.length < 10) examples.push(`${what}: ${req.toString('hex')}`);
};

async function alive(): Promise<boolean> {
  const probe = queryFor('w.fuzz.test', 1, null);
  probe.writeUInt16BE(0xbeef, 0);
  for (let attempt = 0; attempt < 5; attempt++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createSocket('udp4');
      const timer = setTimeout(() => (s.close(), resolve(false)), 1000);
      s.on(
        'message',
        (m) => (clearTimeout(timer), s.close(), resolve(m.readUInt16BE(0) === 0xbeef && (m[3] & 15) === 0)),
      );
      s.send(probe, face.port, '127.0.0.1');
    });
    if (ok) return true;
  }
  return false;
}

// UDP: a window of requests in flight, each with its own id (the oracle matches replies by it); one not
// answered within 200 ms counts as silent.
const socket = createSocket('udp4');
const inFlight = new Map<number, { req: Buffer; at: number; answered: boolean }>();
socket.on('message', (rep) => {
  if (rep.length < 2) return note('reply shorter than an id', rep);
  const entry = inFlight.get(rep.readUInt16BE(0));
  if (!entry) return; // late reply to a request already counted silent
  if (entry.answered) return void counts.duplicate++;
  entry.answered = true;
  counts.replies++;
  const verdict = wrong(entry.req, rep);
  if (verdict) note(verdict, entry.req);
});
await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
const WINDOW = 256;
let nextId = 0;
const started = Date.now();
while (counts.datagrams < DATAGRAMS) {
  const now = Date.now();
  for (const [id, entry] of inFlight) {
    if (entry.answered) inFlight.delete(id);
    else if (now - entry.at > 200) {
      counts.silent++;
      inFlight.delete(id);
    }
  }
  while (inFlight.size < WINDOW && counts.datagrams < DATAGRAMS) {
    const req = mutate();
    let id = nextId;
    while (inFlight.has(id)) id = (id + 1) & 0xffff;
    nextId = (id + 1) & 0xffff;
    if (req.length >= 2) req.writeUInt16BE(id, 0);
    counts.datagrams++;
    if (req.length >= 2) inFlight.set(id, { req, at: now, answered: false });
    socket.send(req, face.port, '127.0.0.1');
  }
  await new Promise((resolve) => setImmediate(resolve));
  if (counts.datagrams % 131072 < WINDOW && !(await alive())) counts.crashes++;
}
await new Promise((resolve) => setTimeout(resolve, 300));
counts.silent += [...inFlight.values()].filter((e) => !e.answered).length;
socket.close();

// TCP: streams of whole frames, frames whose length lies, and junk, cut at a random point.
for (let batch = 0; batch < STREAMS; batch += 20) {
  await Promise.all(
    Array.from({ length: Math.min(20, STREAMS - batch) }, () => {
      const parts: Buffer[] = [];
      for (let frames = 1 + rand(6); frames > 0; frames--) {
        const msg = mutate();
        const lie = rand(5) === 0 ? rand(65536) : msg.length;
        parts.push(Buffer.from([lie >> 8, lie & 255]), msg);
      }
      const stream = Buffer.concat(parts);
      const cut = rand(3) === 0 ? rand(stream.length + 1) : stream.length;
      counts.streams++;
      return new Promise<void>((resolve) => {
        const c = connect(face.port, '127.0.0.1', () => c.end(stream.subarray(0, cut)));
        let data = Buffer.alloc(0);
        c.on('data', (chunk) => (data = Buffer.concat([data, chunk])));
        c.on('error', () => undefined);
        c.setTimeout(3000, () => c.destroy());
        c.on('close', () => {
          // Every whole frame in the reply stream must be a well-formed message.
          for (let p = 0; p + 2 <= data.length;) {
            const len = data.readUInt16BE(p);
            if (p + 2 + len > data.length) break;
            counts.streamReplies++;
            if (!parseMessage(data.subarray(p + 2, p + 2 + len))) note('malformed TCP reply', stream);
            p += 2 + len;
          }
          resolve();
        });
      });
    }),
  );
}
if (!(await alive())) counts.crashes++;
await face.close();
const seconds = (Date.now() - started) / 1000;
console.log(JSON.stringify({ ...counts, seconds: Math.round(seconds), seed: Number(values.seed) }));
for (const example of examples) console.log(example);
process.exit(counts.crashes || counts.wrong ? 1 : 0);
