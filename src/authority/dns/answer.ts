// The per-query hot path: read the question straight from the request bytes, find the pre-encoded answer,
// and assemble header + the request's own question + answer bytes. No packet objects, no encoder: the only
// per-query work is a bounded parse, a few map lookups, a weighted draw and one buffer copy.
import { pickSet, type FaceIndex, type NameNode, type ZoneIndex } from './zone-index.js';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
const TYPE_OPT = 41;
const TYPE_IXFR = 251;
const TYPE_AXFR = 252;
const TYPE_ANY = 255;
const CLASS_IN = 1;
const CLASS_ANY = 255;
/** The largest UDP answer we send (the DNS flag day 2020 value), whatever the client advertises. */
export const MAX_UDP_PAYLOAD = 1232;
const MIN_UDP_PAYLOAD = 512;
/** A TCP message carries a 2-byte length: a larger answer (a huge TXT set) goes out truncated, TC=1. */
const MAX_MESSAGE = 65535;

const HEADER = 12;
const WILDCARD_LABEL = '\x01*';
// Lower-cased question name in wire form; a question name is at most 255 octets (checked while parsing).
const scratch = Buffer.alloc(256);
const labelStarts = new Int32Array(128);

/** Where a name ends (skipping a compression pointer), or -1 past the end of the message. */
function skipName(msg: Buffer, at: number): number {
  for (let p = at, hops = 0; p < msg.length && hops < 128; hops++) {
    const len = msg[p];
    if (len === 0) return p + 1;
    if ((len & 0xc0) === 0xc0) return p + 2 <= msg.length ? p + 2 : -1;
    if (len > 63) return -1;
    p += len + 1;
  }
  return -1;
}

interface Edns {
  payload: number;
  version: number;
}

/** The client's OPT record, null when it sent none, or 'bad' for an unparseable additional section. */
function readEdns(msg: Buffer, at: number, anCount: number, nsCount: number, arCount: number): Edns | null | 'bad' {
  let p = at;
  let edns: Edns | null = null;
  for (let i = 0; i < anCount + nsCount + arCount; i++) {
    const nameStart = p;
    p = skipName(msg, p);
    if (p < 0 || p + 10 > msg.length) return 'bad';
    const type = msg.readUInt16BE(p);
    const rdLength = msg.readUInt16BE(p + 8);
    if (i >= anCount + nsCount && type === TYPE_OPT) {
      // RFC 6891 §6.1.1: one OPT, owned by the root.
      if (edns || msg[nameStart] !== 0) return 'bad';
      edns = { payload: msg.readUInt16BE(p + 2), version: msg[p + 5] };
    }
    p += 10 + rdLength;
    if (p > msg.length) return 'bad';
  }
  return edns;
}

/** Whether any reply is due: the request carries an id (a whole header) and is not itself a response (a reply
 * to a response could start a reflection loop between two servers). */
export function replyDue(req: Buffer): boolean {
  return req.length >= HEADER && (req[2] & 0x80) === 0;
}

/** A reply of the request's header alone with `rcode` (the request must be at least a header long). */
export function headerOnly(req: Buffer, rcode: number): Buffer {
  const out = Buffer.alloc(HEADER);
  req.copy(out, 0, 0, 4);
  out[2] = 0x80 | (req[2] & 0x79); // QR, opcode and RD kept; AA and TC clear
  out[3] = rcode;
  return out;
}

interface Reply {
  questionEnd: number;
  aa: boolean;
  rcode: number;
  answer: Buffer | null;
  answerCount: number;
  /** The zone whose SOA goes into the authority section (negative answers), owned at `apexOffset`. */
  soaZone: ZoneIndex | null;
  apexOffset: number;
  edns: Edns | null;
}

// The hot path writes bytes by index and copies with Uint8Array#set: Buffer#copy and writeUInt16BE validate
// their arguments in JS on every call, which measured as a third of the per-query time.
function put16(out: Buffer, at: number, value: number): void {
  out[at] = value >> 8;
  out[at + 1] = value & 0xff;
}

function assemble(req: Buffer, r: Reply, limit: number): Buffer {
  const answerLength = r.answer ? r.answer.length : 0;
  const authorityLength = r.soaZone ? 2 + r.soaZone.negativeSoa.length : 0;
  const optLength = r.edns ? 11 : 0;
  let size = r.questionEnd + answerLength + authorityLength + optLength;
  const truncated = size > limit;
  if (truncated) size = r.questionEnd + optLength;
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < r.questionEnd; i++) out[i] = req[i]; // header and question, a few dozen octets
  out[2] = 0x80 | (req[2] & 0x79) | (r.aa ? 0x04 : 0) | (truncated ? 0x02 : 0);
  out[3] = (req[3] & 0x10) | (r.rcode & 0x0f); // CD echoed; RA, Z, AD clear
  put16(out, 4, 1);
  put16(out, 6, truncated ? 0 : r.answerCount);
  put16(out, 8, truncated || !r.soaZone ? 0 : 1);
  put16(out, 10, r.edns ? 1 : 0);
  let p = r.questionEnd;
  if (!truncated) {
    if (r.answer) {
      out.set(r.answer, p);
      p += r.answer.length;
    }
    if (r.soaZone) {
      put16(out, p, 0xc000 | r.apexOffset);
      out.set(r.soaZone.negativeSoa, p + 2);
      p += 2 + r.soaZone.negativeSoa.length;
    }
  }
  if (r.edns) {
    out[p] = 0; // root owner
    put16(out, p + 1, TYPE_OPT);
    put16(out, p + 3, MAX_UDP_PAYLOAD);
    out[p + 5] = r.rcode >> 4; // extended rcode (BADVERS)
    out[p + 6] = 0; // version 0
    put16(out, p + 7, 0); // no DO: we do not sign
    put16(out, p + 9, 0);
  }
  return out;
}

/**
 * RFC 4592: a missing name is answered from `*.<closest encloser>` when that exists. The closest encloser
 * is the longest existing ancestor (empty non-terminals count, as they are in `names`).
 */
function wildcardFor(zone: ZoneIndex, key: string, labels: number): NameNode | undefined {
  for (let i = 1; i <= labels; i++) {
    const ancestor = key.slice(labelStarts[i]);
    if (ancestor.length < zone.apexKey.length) return undefined;
    if (zone.names.has(ancestor)) return zone.names.get(WILDCARD_LABEL + ancestor);
  }
  return undefined;
}

/**
 * The reply to one request, or null when none is due (a response, or too short to carry an id). Over UDP
 * (`udp` true) an answer larger than the client's limit goes out with TC=1 and only the question; over
 * TCP, one larger than a DNS message can be.
 * Throws only on a bug; the server turns that into FORMERR.
 */
export function respond(index: FaceIndex, req: Buffer, udp: boolean): Buffer | null {
  if (!replyDue(req)) return null;
  const opcode = (req[2] >> 3) & 0x0f;
  if (opcode !== 0) return headerOnly(req, RCODE.NOTIMP);
  if (req[4] !== 0 || req[5] !== 1) return headerOnly(req, RCODE.FORMERR);

  // Question name: plain labels only (a pointer cannot point backwards from offset 12).
  let p = HEADER;
  let labels = 0;
  for (;;) {
    if (p >= req.length) return headerOnly(req, RCODE.FORMERR);
    const len = req[p];
    if (len === 0) break;
    if (len > 63 || p + 1 + len >= req.length || p + 1 + len - HEADER > 254) return headerOnly(req, RCODE.FORMERR);
    labelStarts[labels++] = p - HEADER;
    scratch[p - HEADER] = len;
    for (let i = 1; i <= len; i++) {
      const c = req[p + i];
      scratch[p - HEADER + i] = c >= 65 && c <= 90 ? c + 32 : c;
    }
    p += len + 1;
  }
  scratch[p - HEADER] = 0;
  labelStarts[labels] = p - HEADER; // the root
  const nameLength = p + 1 - HEADER;
  const questionEnd = p + 5;
  if (questionEnd > req.length) return headerOnly(req, RCODE.FORMERR);
  const qtype = (req[p + 1] << 8) | req[p + 2];
  const qclass = (req[p + 3] << 8) | req[p + 4];

  const more = (req[6] << 8) | req[7] | req[8] | req[9] | req[10] | req[11];
  const edns = more === 0 ? null : readEdns(req, questionEnd, (req[6] << 8) | req[7], (req[8] << 8) | req[9], (req[10] << 8) | req[11]);
  if (edns === 'bad') return headerOnly(req, RCODE.FORMERR);
  const limit = !udp ? MAX_MESSAGE : edns ? Math.min(Math.max(edns.payload, MIN_UDP_PAYLOAD), MAX_UDP_PAYLOAD) : MIN_UDP_PAYLOAD;
  const reply: Reply = { questionEnd, aa: false, rcode: RCODE.REFUSED, answer: null, answerCount: 0, soaZone: null, apexOffset: 0, edns };
  if (edns && edns.version !== 0) {
    reply.rcode = 16; // BADVERS (RFC 6891 §6.1.3): we speak EDNS version 0 only
    return assemble(req, reply, limit);
  }
  if ((qclass !== CLASS_IN && qclass !== CLASS_ANY) || qtype === TYPE_OPT) return assemble(req, reply, limit);

  const key = scratch.toString('latin1', 0, nameLength);
  // Longest-match zone: try the name itself, then each parent.
  let zone: ZoneIndex | undefined;
  for (let i = 0; i <= labels && !zone; i++) zone = index.byApex.get(i === 0 ? key : key.slice(labelStarts[i]));
  // Zone transfers are a policy refusal, not an unknown feature: REFUSED (RFC 5936 §4.2), never NOTIMP.
  if (!zone || qtype === TYPE_AXFR || qtype === TYPE_IXFR) return assemble(req, reply, limit);

  reply.aa = true;
  reply.rcode = RCODE.NOERROR;
  const node = zone.names.get(key) ?? wildcardFor(zone, key, labels);
  const groups = node?.types;
  const found = groups && (groups.get(qtype) ?? groups.get(5 /* CNAME */) ?? (qtype === TYPE_ANY ? groups.values().next().value : undefined));
  if (found) {
    const set = pickSet(found);
    reply.answer = set.bytes;
    reply.answerCount = set.count;
  } else {
    if (!node) reply.rcode = RCODE.NXDOMAIN;
    reply.soaZone = zone;
    reply.apexOffset = HEADER + nameLength - zone.apexKey.length;
  }
  return assemble(req, reply, limit);
}
