// One DNS question, asked the way a stub resolver asks it: over UDP, again over TCP when the reply comes back
// truncated, with a random id, and with one deadline for the whole exchange. dns2 parses and encodes the
// messages; the transport is ours because dns2's TCP client has no timeout and always sends id 0, and a probe
// that can hang is no probe.
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import DNS from 'dns2';

const { Packet } = DNS;
type Packet = DNS.Packet;

export interface DnsServerAddress {
  /** An IP literal: replies are accepted only from this address. */
  host: string;
  port: number;
}

export interface DnsQuery {
  server: DnsServerAddress;
  name: string;
  /** A record type name that dns2 knows, such as A, AAAA or SOA. */
  type: string;
  timeoutMs: number;
  /** Set RD; a recursive resolver needs it, an authority ignores it. Default true. */
  recursionDesired?: boolean;
}

export interface DnsReply {
  rcode: number;
  /** NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ... */
  rcodeName: string;
  authoritative: boolean;
  /** The values of the answer records of the asked type, in presentation form (IPv6 canonical, RFC 5952). */
  values: string[];
  transport: 'udp' | 'tcp';
  latencyMs: number;
}

export class DnsTimeoutError extends Error {
  constructor(query: DnsQuery, stage: 'udp' | 'tcp') {
    super(
      `no reply from ${formatServer(query.server)} for ${query.name} ${query.type} within ${query.timeoutMs} ms (${stage})`,
    );
    this.name = 'DnsTimeoutError';
  }
}

/** EDNS buffer size that we advertise: the DNS Flag Day 2020 value, so big answers take the TCP path. */
const EDNS_UDP_SIZE = 1232;

const RCODE_NAMES = new Map<number, string>(Object.entries(Packet.RCODE).map(([name, code]) => [code as number, name]));

export function formatServer(server: DnsServerAddress): string {
  return server.host.includes(':') ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

/** Parses "127.0.0.1:8053", "[::1]:53" or a bare IP (port 53). Names are refused: the sender check needs an IP. */
export function parseServerAddress(text: string, what = 'address'): DnsServerAddress {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([^:]+)(?::(\d+))?$/.exec(text);
  const match = bracketed ?? (net.isIPv6(text) ? [text, text, undefined] : plain);
  const host = match?.[1];
  const port = match?.[2] === undefined ? 53 : Number(match[2]);
  if (!host || !net.isIP(host))
    throw new Error(`${what} ${JSON.stringify(text)} must be IP:PORT, such as 127.0.0.1:8053`);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`${what} ${JSON.stringify(text)} has an invalid port`);
  return { host, port };
}

export async function queryDns(query: DnsQuery): Promise<DnsReply> {
  const typeCode = (Packet.TYPE as Record<string, number>)[query.type];
  if (typeCode === undefined) throw new Error(`unknown record type ${query.type}`);
  const started = performance.now();
  const deadline = started + query.timeoutMs;
  const id = randomInt(0, 0x10000);
  const request = buildQuery(id, query, typeCode);

  let reply = await exchangeUdp(request, id, query, deadline);
  let transport: DnsReply['transport'] = 'udp';
  if (reply.header.tc) {
    reply = await exchangeTcp(request, id, query, deadline);
    transport = 'tcp';
  }
  return {
    rcode: reply.header.rcode,
    rcodeName: RCODE_NAMES.get(reply.header.rcode) ?? `RCODE${reply.header.rcode}`,
    authoritative: reply.header.aa === 1,
    values: reply.answers.filter((answer) => answer.type === typeCode).map(presentValue),
    transport,
    latencyMs: performance.now() - started,
  };
}

function buildQuery(id: number, query: DnsQuery, typeCode: number): Buffer {
  const packet = new Packet();
  packet.header.id = id;
  packet.header.rd = query.recursionDesired === false ? 0 : 1;
  packet.questions.push({
    name: query.name.replace(/\.$/, ''),
    type: typeCode,
    class: Packet.CLASS.IN,
  } as DNS.Packet.Question);
  packet.additionals.push(Packet.Resource.EDNS([], { udpPayloadSize: EDNS_UDP_SIZE }));
  return packet.toBuffer();
}

function presentValue(answer: DNS.Packet.Resource): string {
  if (answer.address !== undefined) return answer.address;
  if (answer.domain !== undefined) return answer.domain;
  if (typeof answer.data === 'string') return answer.data;
  if (Array.isArray(answer.data)) return answer.data.join('');
  return JSON.stringify(answer);
}

/** A reply belongs to our query when the id and the question both match (RFC 5452's minimum). */
function matches(reply: Packet, id: number, query: DnsQuery): boolean {
  const question = reply.questions[0];
  return (
    reply.header.id === id &&
    reply.header.qr === 1 &&
    question !== undefined &&
    question.name.toLowerCase().replace(/\.$/, '') === query.name.toLowerCase().replace(/\.$/, '')
  );
}

function parseOrUndefined(message: Buffer): Packet | undefined {
  try {
    return Packet.parse(message);
  } catch {
    return undefined;
  }
}

type Finish = (outcome: Packet | Error) => void;

/** Runs one exchange: `finish` settles it once and cleans up; the deadline settles it with a timeout. */
function exchange(
  query: DnsQuery,
  stage: 'udp' | 'tcp',
  deadline: number,
  cleanup: () => void,
  begin: (finish: Finish) => void,
): Promise<Packet> {
  return new Promise<Packet>((resolve, reject) => {
    let settled = false;
    const finish: Finish = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cleanup();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(
      () => finish(new DnsTimeoutError(query, stage)),
      Math.max(0, deadline - performance.now()),
    );
    begin(finish);
  });
}

function exchangeUdp(request: Buffer, id: number, query: DnsQuery, deadline: number): Promise<Packet> {
  const { host, port } = query.server;
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  return exchange(
    query,
    'udp',
    deadline,
    () => socket.close(),
    (finish) => {
      socket.on('error', finish);
      socket.on('message', (message, sender) => {
        // Anything that is not our server answering our question is dropped; the deadline still runs.
        if (sender.address !== host || sender.port !== port) return;
        const reply = parseOrUndefined(message);
        if (reply && matches(reply, id, query)) finish(reply);
      });
      socket.send(request, port, host, (error) => {
        if (error) finish(error);
      });
    },
  );
}

function exchangeTcp(request: Buffer, id: number, query: DnsQuery, deadline: number): Promise<Packet> {
  const socket = net.connect({ host: query.server.host, port: query.server.port });
  let received = Buffer.alloc(0);
  return exchange(
    query,
    'tcp',
    deadline,
    () => socket.destroy(),
    (finish) => {
      socket.on('error', finish);
      socket.on('close', () =>
        finish(new Error(`${formatServer(query.server)} closed the TCP connection without a reply`)),
      );
      socket.on('connect', () => {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(request.length);
        socket.write(Buffer.concat([length, request]));
      });
      socket.on('data', (chunk) => {
        received = Buffer.concat([received, chunk]);
        // Two-byte length framing (RFC 1035 4.2.2); a server may pipeline, so read every complete message.
        while (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
          const size = received.readUInt16BE(0);
          const reply = parseOrUndefined(received.subarray(2, 2 + size));
          received = received.subarray(2 + size);
          if (reply && matches(reply, id, query)) return finish(reply);
        }
      });
    },
  );
}
