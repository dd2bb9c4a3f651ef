// The per-query hot path: read the question straight from the request bytes, find the pre-encoded answer,
// and assemble header + the request's own question + answer bytes. No packet objects, no encoder: the only
// per-query work is a bounded parse, a few map lookups, a weighted draw and one buffer copy.
import { ALL_HEALTHY, type HealthView } from '../health/view.js';
import { answerGroup } from './policy.js';
import type { EncodedSet, Target } from './set-encoding.js';
import { SectionWriter, nameLabels, questionDictionary, wireKey, writeRecord } from './wire.js';
import { pickSet, type FaceIndex, type NameNode, type ZoneIndex } from './zone-index.js';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
const TYPE_A = 1;
const TYPE_NS = 2;
const TYPE_CNAME = 5;
const TYPE_AAAA = 28;
const TYPE_DS = 43;
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
  /** DO (RFC 3225): copied back in the reply's OPT; we do not sign, so it changes nothing else. */
  dnssecOk: boolean;
}

/** What our own OPT says when the client's could not be read (a FORMERR to an EDNS query still carries one). */
const PLAIN_EDNS: Edns = { payload: MAX_UDP_PAYLOAD, version: 0, dnssecOk: false };

/** Whether the options of an OPT record's RDATA (code, length, data)* end exactly at `end`. */
function optionsFit(msg: Buffer, at: number, end: number): boolean {
  let p = at;
  while (p + 4 <= end) p += 4 + ((msg[p + 2] << 8) | msg[p + 3]);
  return p === end;
}

/**
 * The client's OPT record; null when it sent none; 'bad' for records that cannot be read, 'bad-opt' when an
 * OPT was among them or the OPT itself breaks RFC 6891 §6.1.1 (not in additional, more than one, not owned by
 * the root, an option running past its data): both are FORMERR, and the second one's reply carries an OPT.
 */
function readEdns(
  msg: Buffer,
  at: number,
  anCount: number,
  nsCount: number,
  arCount: number,
): Edns | null | 'bad' | 'bad-opt' {
  let p = at;
  let edns: Edns | null = null;
  let sawOpt = false;
  let badOpt = false;
  for (let i = 0; i < anCount + nsCount + arCount; i++) {
    const nameStart = p;
    p = skipName(msg, p);
    if (p < 0 || p + 10 > msg.length) return sawOpt ? 'bad-opt' : 'bad';
    const type = msg.readUInt16BE(p);
    const end = p + 10 + msg.readUInt16BE(p + 8);
    if (type === TYPE_OPT) {
      if (end > msg.length) return 'bad-opt';
      if (sawOpt || i < anCount + nsCount || msg[nameStart] !== 0 || !optionsFit(msg, p + 10, end)) badOpt = true;
      else edns = { payload: msg.readUInt16BE(p + 2), version: msg[p + 5], dnssecOk: (msg[p + 6] & 0x80) !== 0 };
      sawOpt = true;
    }
    p = end;
    if (p > msg.length) return sawOpt ? 'bad-opt' : 'bad';
  }
  return badOpt ? 'bad-opt' : edns;
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
  /** Authority and additional records made for this query (a referral), which must fit or the reply is truncated. */
  tail: Buffer | null;
  tailAuthority: number;
  tailAdditional: number;
  /** Addresses of the answer's targets: left out, without TC, when they do not fit (RFC 1035 §6.2 / RFC 2181 §9). */
  extra: Buffer | null;
  extraCount: number;
  edns: Edns | null;
}

function reply(questionEnd: number, rcode: number, edns: Edns | null): Reply {
  return {
    questionEnd,
    aa: false,
    rcode,
    answer: null,
    answerCount: 0,
    soaZone: null,
    apexOffset: 0,
    tail: null,
    tailAuthority: 0,
    tailAdditional: 0,
    extra: null,
    extraCount: 0,
    edns,
  };
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
  const tailLength = r.tail ? r.tail.length : 0;
  const optLength = r.edns ? 11 : 0;
  let size = r.questionEnd + answerLength + authorityLength + tailLength + optLength;
  let extra = r.extra;
  if (extra && size + extra.length <= limit) size += extra.length;
  else extra = null;
  const truncated = size > limit;
  if (truncated) size = r.questionEnd + optLength;
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < r.questionEnd; i++) out[i] = req[i]; // header and question, a few dozen octets
  out[2] = 0x80 | (req[2] & 0x79) | (r.aa ? 0x04 : 0) | (truncated ? 0x02 : 0);
  out[3] = (req[3] & 0x10) | (r.rcode & 0x0f); // CD echoed; RA, Z, AD clear
  put16(out, 4, r.questionEnd > HEADER ? 1 : 0);
  put16(out, 6, truncated ? 0 : r.answerCount);
  put16(out, 8, truncated ? 0 : (r.soaZone ? 1 : 0) + r.tailAuthority);
  put16(out, 10, (truncated ? 0 : r.tailAdditional + (extra ? r.extraCount : 0)) + (r.edns ? 1 : 0));
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
    if (r.tail) {
      out.set(r.tail, p);
      p += r.tail.length;
    }
    if (extra) {
      out.set(extra, p);
      p += extra.length;
    }
  }
  if (r.edns) {
    out[p] = 0; // root owner
    put16(out, p + 1, TYPE_OPT);
    put16(out, p + 3, MAX_UDP_PAYLOAD);
    out[p + 5] = r.rcode >> 4; // extended rcode (BADVERS)
    out[p + 6] = 0; // version 0
    put16(out, p + 7, r.edns.dnssecOk ? 0x8000 : 0); // DO copied back (RFC 3225); nothing is signed
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
export function respond(index: FaceIndex, req: Buffer, udp: boolean, health: HealthView = ALL_HEALTHY): Buffer | null {
  if (!replyDue(req)) return null;
  const opcode = (req[2] >> 3) & 0x0f;
  // What a request we cannot read gets: FORMERR, or NOTIMP for an opcode we do not serve.
  const refusal = opcode === 0 ? RCODE.FORMERR : RCODE.NOTIMP;
  const qdCount = (req[4] << 8) | req[5];
  if (qdCount > 1 || (qdCount === 0 && opcode === 0)) return headerOnly(req, refusal);

  // Question name: plain labels only (a pointer cannot point backwards from offset 12).
  let p = HEADER;
  let labels = 0;
  for (; qdCount === 1;) {
    if (p >= req.length) return headerOnly(req, refusal);
    const len = req[p];
    if (len === 0) break;
    if (len > 63 || p + 1 + len >= req.length || p + 1 + len - HEADER > 254) return headerOnly(req, refusal);
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
  const questionEnd = qdCount === 1 ? p + 5 : HEADER;
  if (questionEnd > req.length) return headerOnly(req, refusal);
  const qtype = (req[p + 1] << 8) | req[p + 2];
  const qclass = (req[p + 3] << 8) | req[p + 4];

  const more = (req[6] << 8) | req[7] | req[8] | req[9] | req[10] | req[11];
  const edns =
    more === 0
      ? null
      : readEdns(req, questionEnd, (req[6] << 8) | req[7], (req[8] << 8) | req[9], (req[10] << 8) | req[11]);
  if (edns === 'bad') return headerOnly(req, refusal);
  // RFC 6891 §6.1.1: a reply to a request with an OPT carries one, FORMERR and NOTIMP included.
  if (edns === 'bad-opt') return assemble(req, reply(questionEnd, refusal, PLAIN_EDNS), MIN_UDP_PAYLOAD);
  const limit = !udp
    ? MAX_MESSAGE
    : edns
      ? Math.min(Math.max(edns.payload, MIN_UDP_PAYLOAD), MAX_UDP_PAYLOAD)
      : MIN_UDP_PAYLOAD;
  if (opcode !== 0)
    return edns ? assemble(req, reply(questionEnd, RCODE.NOTIMP, edns), limit) : headerOnly(req, RCODE.NOTIMP);
  const out = reply(questionEnd, RCODE.REFUSED, edns);
  if (edns && edns.version !== 0) {
    out.rcode = 16; // BADVERS (RFC 6891 §6.1.3): we speak EDNS version 0 only
    return assemble(req, out, limit);
  }
  if (qclass !== CLASS_IN && qclass !== CLASS_ANY) return assemble(req, out, limit);

  const key = scratch.toString('latin1', 0, nameLength);
  // Longest-match zone: try the name itself, then each parent.
  let zone: ZoneIndex | undefined;
  let apexAt = 0;
  for (; apexAt <= labels && !zone; apexAt++)
    zone = index.byApex.get(apexAt === 0 ? key : key.slice(labelStarts[apexAt]));
  apexAt--;
  // Zone transfers are a policy refusal, not an unknown feature: REFUSED (RFC 5936 §4.2), never NOTIMP.
  if (!zone || qtype === TYPE_AXFR || qtype === TYPE_IXFR) return assemble(req, out, limit);

  out.rcode = RCODE.NOERROR;
  if (zone.state.tree.cuts > 0 && referral(zone, key, labels, apexAt, qtype, out)) return assemble(req, out, limit);
  out.aa = true;
  const node = zone.names.get(key) ?? wildcardFor(zone, key, labels);
  const groups = node?.types;
  // QTYPE OPT is a meta type with no data (NSD and Knot answer NODATA): never a CNAME or ANY answer.
  const found =
    groups &&
    qtype !== TYPE_OPT &&
    (groups.get(qtype) ?? groups.get(TYPE_CNAME) ?? (qtype === TYPE_ANY ? groups.values().next().value : undefined));
  // A plain group is a weighted draw; routing policies, health checks and aliases are decided in policy.ts.
  const answer = !found
    ? null
    : found.plain
      ? pickSet(found)
      : answerGroup(found, { index, zone, health, questionEnd, questionLabels: () => questionLabels(labels) });
  if (answer) {
    out.answer = answer.bytes;
    out.answerCount = answer.count;
    const targets = 'source' in answer ? answer.targets : answer.own?.targets;
    if (targets) targetAddresses(zone, targets, questionEnd, out);
  } else {
    if (!node) out.rcode = RCODE.NXDOMAIN;
    out.soaZone = zone;
    out.apexOffset = HEADER + nameLength - zone.apexKey.length;
  }
  return assemble(req, out, limit);
}

/** The question name's labels (lower-cased), from the parse of the current request. */
function questionLabels(count: number): Buffer[] {
  const labels: Buffer[] = [];
  for (let l = 0; l < count; l++) labels.push(Buffer.from(scratch.subarray(labelStarts[l] + 1, labelStarts[l + 1])));
  return labels;
}

/** The answer records of the A and AAAA sets of a name in the zone, or nothing. */
function* addressSets(zone: ZoneIndex, key: string): Generator<EncodedSet> {
  const types = zone.names.get(key)?.types;
  if (!types) return;
  const a = types.get(TYPE_A);
  if (a) yield pickSet(a);
  const aaaa = types.get(TYPE_AAAA);
  if (aaaa) yield pickSet(aaaa);
}

/**
 * The additional section of an NS/MX/SRV answer: the addresses the zone holds for its targets, each record
 * the target's pre-encoded A/AAAA answer with its owner pointer moved to where the answer names the target.
 */
function targetAddresses(zone: ZoneIndex, targets: readonly Target[], answerAt: number, out: Reply): void {
  const parts: Buffer[] = [];
  let count = 0;
  for (let i = 0; i < targets.length; i++) {
    const { key, at } = targets[i];
    const pointer = answerAt + at;
    if (pointer > 0x3fff || targets.findIndex((t) => t.key === key) < i) continue; // unreachable by a pointer, or done
    for (const set of addressSets(zone, key)) {
      const copy = Buffer.from(set.bytes);
      // Every record of a pre-encoded A (16 octets) or AAAA (28) answer starts with its owner pointer.
      const step = copy.length / set.count;
      for (let r = 0; r < copy.length; r += step) put16(copy, r, 0xc000 | pointer);
      parts.push(copy);
      count += set.count;
    }
  }
  if (count) {
    out.extra = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    out.extraCount = count;
  }
}

/**
 * RFC 1034 §4.3.2 step 3b: a name at or below a delegation inside the zone (an NS set below the apex) is
 * answered with a referral: AA clear, the delegation's NS set in authority, the addresses the zone holds for
 * its name servers (glue) in additional. The topmost cut wins. DS at the cut itself belongs to the parent side.
 * Returns false when no cut is above the name. Written per query: referrals are rare next to answers.
 */
function referral(
  zone: ZoneIndex,
  key: string,
  labelCount: number,
  apexAt: number,
  qtype: number,
  out: Reply,
): boolean {
  for (let i = apexAt - 1; i >= 0; i--) {
    const node = zone.names.get(key.slice(labelStarts[i]));
    if (!node) return false; // no such name, so nothing below it either
    const ns = node.types.get(TYPE_NS);
    if (!ns || (i === 0 && qtype === TYPE_DS)) continue;
    const labels = questionLabels(labelCount);
    const w = new SectionWriter(out.questionEnd, () => questionDictionary(labels));
    const delegation = pickSet(ns).source;
    for (const value of delegation.values)
      writeRecord(w, 0xc000 | (HEADER + labelStarts[i]), 'NS', delegation.ttl, value);
    let glue = 0;
    const seen = new Set<string>();
    for (const value of delegation.values) {
      const target = nameLabels(value.trim());
      const targetKey = wireKey(target);
      if (seen.has(targetKey)) continue;
      seen.add(targetKey);
      for (const set of addressSets(zone, targetKey)) {
        for (const address of set.source.values) writeRecord(w, target, set.source.type, set.source.ttl, address);
        glue += set.count;
      }
    }
    out.tail = w.toBuffer();
    out.tailAuthority = delegation.values.length;
    out.tailAdditional = glue;
    return true;
  }
  return false;
}
