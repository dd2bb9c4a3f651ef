// DNS wire format for the values Route53 stores: names (with \DDD escapes), and the RDATA of every record
// type we serve. Used only when a zone changes, to pre-encode whole answer sections; the per-query path
// never calls into this file.
import { isIPv4, isIPv6 } from 'node:net';
import type { RecordType } from '../../route53/recordset.js';

export const TYPE_CODES: Record<RecordType, number> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  CAA: 257,
};
export const CLASS_IN = 1;

/**
 * Labels of a Route53 name ("a.b.c." or "a.b.c"), decoding \X and \ooo escapes. Route53's three-digit
 * escapes are OCTAL (it lists `*` as \052), unlike the decimal \DDD of RFC 1035 zone files. Root is [].
 */
export function nameLabels(name: string): Buffer[] {
  const labels = name.includes('\\') ? escapedLabels(name) : plainLabels(name);
  let wireLength = 1;
  for (const label of labels) {
    if (label.length === 0) throw new Error(`empty label in name ${JSON.stringify(name)}`);
    if (label.length > 63) throw new Error(`label longer than 63 octets in name ${JSON.stringify(name)}`);
    wireLength += label.length + 1;
  }
  if (wireLength > 255) throw new Error(`name longer than 255 octets: ${JSON.stringify(name)}`);
  return labels;
}

// The common case, kept cheap because a 100k-record zone encodes every owner name when it loads.
function plainLabels(name: string): Buffer[] {
  // eslint-disable-next-line no-control-regex -- the class starts at NUL on purpose: every byte outside Latin-1 is refused
  if (/[^\x00-\xff]/.test(name)) throw new Error(`non-ASCII character in name ${JSON.stringify(name)}`);
  if (name === '.' || name === '') return [];
  const parts = name.split('.');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts.map((part) => Buffer.from(part, 'latin1'));
}

function escapedLabels(name: string): Buffer[] {
  const labels: Buffer[] = [];
  let current: number[] = [];
  const text = name === '.' ? '' : name;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      const digits = text.slice(i + 1, i + 4);
      if (/^[0-7]{3}$/.test(digits)) {
        const code = parseInt(digits, 8);
        if (code > 255) throw new Error(`bad escape \\${digits} in name ${JSON.stringify(name)}`);
        current.push(code);
        i += 3;
      } else if (i + 1 < text.length) {
        current.push(text.charCodeAt(i + 1));
        i += 1;
      } else throw new Error(`dangling escape in name ${JSON.stringify(name)}`);
    } else if (ch === '.') {
      labels.push(Buffer.from(current));
      current = [];
    } else {
      const code = text.charCodeAt(i);
      if (code > 255) throw new Error(`non-ASCII character in name ${JSON.stringify(name)}`);
      current.push(code);
    }
  }
  if (current.length > 0) labels.push(Buffer.from(current));
  return labels;
}

/** Uncompressed, lower-cased wire form of labels as a latin1 string: the lookup key of names and zones. */
export function wireKey(labels: readonly Buffer[]): string {
  let key = '';
  for (const label of labels) key += String.fromCharCode(label.length) + label.toString('latin1');
  key += '\0';
  // Length octets are at most 63, so they are never in A-Z and fold safely along with the text.
  return /[A-Z]/.test(key) ? key.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32)) : key;
}

// One scratch buffer for every writer: encoding is synchronous, and toBuffer() copies the result out.
let scratch = Buffer.alloc(64 * 1024);

/**
 * Writes one message section at a known message offset, compressing names against a dictionary of names
 * already in the message (lower-case wire suffix → offset), as RFC 1035 §4.1.4 allows.
 */
export class SectionWriter {
  private pos = 0;
  private dict: Map<string, number> | null = null;

  constructor(
    private readonly base: number,
    /** Made on first use (most answers hold no names to compress); null: the position is unknown, never compress. */
    private readonly dictionary: (() => Map<string, number>) | null,
  ) {}

  private ensure(n: number): void {
    if (this.pos + n <= scratch.length) return;
    const bigger = Buffer.alloc(Math.max(scratch.length * 2, this.pos + n));
    scratch.copy(bigger, 0, 0, this.pos);
    scratch = bigger;
  }

  get length(): number {
    return this.pos;
  }

  u8(v: number): void {
    this.ensure(1);
    scratch[this.pos++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    scratch.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    scratch.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }

  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(scratch, this.pos);
    this.pos += b.length;
  }

  patchU16(at: number, v: number): void {
    scratch.writeUInt16BE(v, at);
  }

  name(labels: readonly Buffer[], compressible: boolean): void {
    const dict = compressible && this.dictionary ? (this.dict ??= this.dictionary()) : null;
    const key = dict ? wireKey(labels) : '';
    let suffixAt = 0;
    for (const label of labels) {
      if (dict) {
        const suffix = key.slice(suffixAt);
        const known = dict.get(suffix);
        if (known !== undefined) return this.u16(0xc000 | known);
        if (this.base + this.pos < 0x3fff) dict.set(suffix, this.base + this.pos);
      }
      this.u8(label.length);
      this.bytes(label);
      suffixAt += label.length + 1;
    }
    this.u8(0);
  }

  toBuffer(): Buffer {
    return Buffer.from(scratch.subarray(0, this.pos));
  }
}

function parseIPv4(value: string): number[] {
  if (!isIPv4(value)) throw new Error(`invalid IPv4 address ${JSON.stringify(value)}`);
  return value.split('.').map(Number);
}

function parseIPv6(value: string): Buffer {
  if (!isIPv6(value)) throw new Error(`invalid IPv6 address ${JSON.stringify(value)}`);
  let text = value;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    tail.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    text = `${text.slice(0, lastColon + 1)}0`; // placeholder group, dropped below
  }
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  let words = groups(head);
  const back = rest !== undefined ? groups(rest) : [];
  if (tail.length) (rest !== undefined ? back : words).pop();
  const fill = 8 - tail.length - words.length - back.length;
  words = [...words, ...new Array(rest !== undefined ? fill : 0).fill(0), ...back, ...tail];
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

/** Character-strings of a Route53 value: quoted strings (with \" \\ and octal \ooo escapes) or bare words. */
export function characterStrings(value: string): Buffer[] {
  const strings: Buffer[] = [];
  const space = (code: number) =>
    code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code > 0x7f && /\s/.test(String.fromCharCode(code)));
  let i = 0;
  while (i < value.length) {
    while (i < value.length && space(value.charCodeAt(i))) i++;
    if (i >= value.length) break;
    const quoted = value[i] === '"';
    if (quoted) i++;
    const bytes: number[] = [];
    while (i < value.length && (quoted ? value[i] !== '"' : !space(value.charCodeAt(i)))) {
      if (value[i] === '\\' && i + 1 < value.length) {
        const digits = value.slice(i + 1, i + 4);
        if (/^[0-3][0-7]{2}$/.test(digits)) {
          bytes.push(parseInt(digits, 8));
          i += 4;
          continue;
        }
        i++;
      }
      const code = value.charCodeAt(i);
      // ASCII as is (fences and most TXT values are all ASCII); anything else as its UTF-8 octets, a surrogate
      // pair together.
      if (code < 0x80) {
        bytes.push(code);
        i++;
      } else {
        const char = String.fromCodePoint(value.codePointAt(i)!);
        for (const octet of Buffer.from(char, 'utf8')) bytes.push(octet);
        i += char.length;
      }
    }
    if (quoted) {
      if (value[i] !== '"') throw new Error(`unterminated quoted string in ${JSON.stringify(value)}`);
      i++;
    }
    if (bytes.length > 255) throw new Error(`character-string longer than 255 octets in ${JSON.stringify(value)}`);
    strings.push(Buffer.from(bytes));
  }
  return strings;
}

function fields(value: string, count: number, type: string): string[] {
  const parts = value.trim().split(/\s+/);
  if (parts.length < count) throw new Error(`${type} value needs ${count} fields: ${JSON.stringify(value)}`);
  return parts;
}

function integer(text: string, max: number, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) > max) throw new Error(`invalid ${what} ${JSON.stringify(text)}`);
  return Number(text);
}

/** Appends the RDATA of one value (without RDLENGTH). Names compress only where RFC 3597 §4 allows it. */
export function writeRdata(w: SectionWriter, type: RecordType, value: string): void {
  switch (type) {
    case 'A':
      return parseIPv4(value.trim()).forEach((octet) => w.u8(octet));
    case 'AAAA':
      return w.bytes(parseIPv6(value.trim()));
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return w.name(nameLabels(value.trim()), true);
    case 'MX': {
      const [pref, host] = fields(value, 2, 'MX');
      w.u16(integer(pref, 0xffff, 'MX preference'));
      return w.name(nameLabels(host), true);
    }
    case 'SRV': {
      const [priority, weight, port, target] = fields(value, 4, 'SRV');
      w.u16(integer(priority, 0xffff, 'SRV priority'));
      w.u16(integer(weight, 0xffff, 'SRV weight'));
      w.u16(integer(port, 0xffff, 'SRV port'));
      return w.name(nameLabels(target), false);
    }
    case 'SOA': {
      const [mname, rname, ...numbers] = fields(value, 7, 'SOA');
      w.name(nameLabels(mname), true);
      w.name(nameLabels(rname), true);
      for (const n of numbers.slice(0, 5)) w.u32(integer(n, 0xffffffff, 'SOA number'));
      return;
    }
    case 'TXT': {
      const strings = characterStrings(value);
      for (const s of strings.length ? strings : [Buffer.alloc(0)]) {
        w.u8(s.length);
        w.bytes(s);
      }
      return;
    }
    case 'CAA': {
      const match = /^\s*(\d+)\s+([A-Za-z0-9]+)\s+(.*)$/.exec(value);
      if (!match) throw new Error(`invalid CAA value ${JSON.stringify(value)}`);
      w.u8(integer(match[1], 255, 'CAA flags'));
      w.u8(match[2].length);
      w.bytes(Buffer.from(match[2], 'latin1'));
      return w.bytes(Buffer.concat(characterStrings(match[3])));
    }
  }
}

/** The pointer to the question name, which is always at offset 12 and always the owner of our answers. */
const QUESTION_POINTER = 0xc000 | 12;

/** Appends one answer record owned by the question name: pointer, type, class IN, TTL, RDLENGTH, RDATA. */
export function writeAnswer(w: SectionWriter, type: RecordType, ttl: number, value: string): void {
  writeRecord(w, QUESTION_POINTER, type, ttl, value);
}

/**
 * Appends one record: its owner (a compression pointer given as a number, or labels written through the
 * writer's dictionary), type, class IN, TTL, RDLENGTH, RDATA.
 */
export function writeRecord(
  w: SectionWriter,
  owner: number | readonly Buffer[],
  type: RecordType,
  ttl: number,
  value: string,
): void {
  if (typeof owner === 'number') w.u16(owner);
  else w.name(owner, true);
  w.u16(TYPE_CODES[type]);
  w.u16(CLASS_IN);
  w.u32(ttl);
  const lengthAt = w.length;
  w.u16(0);
  writeRdata(w, type, value);
  w.patchU16(lengthAt, w.length - lengthAt - 2);
}

/** The message-offset dictionary of a question name written uncompressed at offset 12. */
export function questionDictionary(labels: readonly Buffer[]): Map<string, number> {
  const key = wireKey(labels);
  const dict = new Map<string, number>();
  for (let at = 0; at < key.length - 1; at += key.charCodeAt(at) + 1) dict.set(key.slice(at), 12 + at);
  return dict;
}
