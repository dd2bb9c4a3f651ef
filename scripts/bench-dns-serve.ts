// Child process of scripts/bench-dns.ts: serves the benchmark zone on 127.0.0.1 and prints {"port":N}.
//   --impl face   the DNS face (src/authority/dns), optionally with --churn MS: a new generation every MS
//                 (UDP transport as the face picks it; DNSPLANE_UDP=dgram in the environment forces node:dgram)
//   --impl dns2   the "before": a plain dns2 server building every answer with dns2's packet encoder
//   --impl echo   the ceiling: node:dgram sending each query straight back (QR set), no DNS work at all
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';
import dns2 from 'dns2';
import { startDnsFace } from '../src/authority/dns/server.js';
import type { ZoneSnapshot, ZoneSource } from '../src/authority/zones.js';
import { normalizeName, type RecordSet } from '../src/route53/recordset.js';
import { APEX, WEIGHTED, ZONE, staticSets, weightedPair, weightedSets } from './bench-dns-zone.js';

const { values: args } = parseArgs({
  options: { impl: { type: 'string', default: 'face' }, churn: { type: 'string', default: '0' } },
});

class BenchSource implements ZoneSource {
  private listeners = new Set<() => void>();
  private readonly fixed = staticSets();
  private weighted = weightedSets(0);
  private snapshot: ZoneSnapshot = { zone: ZONE, version: 1, recordSets: [...this.fixed, ...this.weighted] };

  /**
   * Generation g rewrites a tenth of the weighted names (i ≡ g mod 10): 400 record sets, 800 records per
   * 100 ms, about Route53's own bound (10 requests/s of 1,000 records). Unchanged sets keep their objects,
   * as a store hands them on.
   */
  commitGeneration(g: number): void {
    this.weighted = this.weighted.slice();
    for (let i = g % 10; i < WEIGHTED; i += 10) this.weighted.splice(2 * i, 2, ...weightedPair(i, g));
    this.snapshot = { zone: ZONE, version: this.snapshot.version + 1, recordSets: [...this.fixed, ...this.weighted] };
    for (const listener of this.listeners) listener();
  }

  snapshots(): readonly ZoneSnapshot[] {
    return [this.snapshot];
  }

  onCommit(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

async function serveFace(churnMs: number): Promise<number> {
  const source = new BenchSource();
  const face = await startDnsFace({ host: '127.0.0.1', port: 0, source });
  // The parent labels the row with this: a row named for the batched path must not silently measure dgram.
  transport = face.udpTransport;
  if (churnMs > 0) {
    let g = 0;
    setInterval(() => source.commitGeneration((g = (g + 1) % 200)), churnMs);
  }
  return face.port;
}

/** The baseline: the same zone answered through dns2's Packet objects and encoder, as dns2 users write it. */
async function serveDns2(): Promise<number> {
  const { Packet } = dns2;
  const byName = new Map<string, Map<string, RecordSet[]>>();
  for (const set of [...staticSets(), ...weightedSets(0)]) {
    const types = byName.get(set.name) ?? new Map<string, RecordSet[]>();
    types.set(set.type, [...(types.get(set.type) ?? []), set]);
    byName.set(set.name, types);
  }
  const typeName = Object.fromEntries(Object.entries(Packet.TYPE).map(([k, v]) => [v, k]));
  const soa = {
    name: APEX.slice(0, -1),
    type: Packet.TYPE.SOA,
    class: 1,
    ttl: 300,
    primary: `ns-1.${APEX}`,
    admin: `hostmaster.${APEX}`,
    serial: 1,
    refresh: 7200,
    retry: 900,
    expiration: 1209600,
    minimum: 300,
  };
  const rdata = (set: RecordSet, value: string) =>
    set.type === 'A' || set.type === 'AAAA'
      ? { address: value }
      : set.type === 'TXT'
        ? { data: value.match(/"([^"]*)"/g)!.map((s) => s.slice(1, -1)) }
        : { ns: value };
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      response.header.aa = 1;
      const [question] = request.questions;
      const name = normalizeName(question.name);
      const types = name.endsWith(APEX) ? byName.get(name) : undefined;
      const sets = types?.get(typeName[question.type] ?? '');
      if (sets) {
        const total = sets.reduce((n, s) => n + (s.weight ?? 1), 0);
        let draw = Math.random() * total;
        const set = sets.find((s) => (draw -= s.weight ?? 1) < 0) ?? sets[0];
        for (const value of set.values)
          response.answers.push({
            name: question.name,
            type: question.type,
            class: 1,
            ttl: set.ttl,
            ...rdata(set, value),
          } as never);
      } else {
        if (!types) response.header.rcode = 3;
        response.authorities.push(soa as never);
      }
      send(response).catch((error: unknown) => console.error('dns2 send failed:', error));
    },
  });
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  return addresses.udp!.port;
}

/** What one Node process can send back at all: the upper bound of any DNS server written on node:dgram. */
async function serveEcho(): Promise<number> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    msg[2] |= 0x80;
    socket.send(msg, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket.address().port;
}

let transport = 'dgram';
const servers: Record<string, () => Promise<number>> = {
  face: () => serveFace(Number(args.churn)),
  dns2: serveDns2,
  echo: serveEcho,
};
if (!servers[args.impl]) throw new Error(`--impl must be one of ${Object.keys(servers).join(', ')}`);
const port = await servers[args.impl]();
process.stdout.write(`${JSON.stringify({ port, transport })}\n`);
// Exit through process.exit so --cpu-prof and other exit hooks run when the runner stops us.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
