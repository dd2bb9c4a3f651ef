// Value syntax per record type, with Route53's own wording ("Invalid Resource Record: FATAL problem: ...")
// so a client that logs the InvalidChangeBatch message reads what it would read from AWS.
import { isIPv4, isIPv6 } from 'node:net';
import type { RecordType } from '../../route53/recordset.js';
import { SectionWriter, characterStrings as encodeCharacterStrings, writeRdata } from '../dns/wire.js';

const LABEL = /^(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?|[a-z0-9_-]{1,63})$/i;

let lastName = '';
let lastVerdict = false;

/** A DNS name as Route53 accepts it in names and in CNAME/NS/MX/SRV/PTR values. */
export function isDomainName(name: string): boolean {
  // A batch names most owners twice in a row (DELETE, then CREATE): remember the last answer.
  if (name !== lastName) {
    lastName = name;
    lastVerdict = checkDomainName(name);
  }
  return lastVerdict;
}

function checkDomainName(name: string): boolean {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare.length === 0 || bare.length > 253) return false;
  return bare.split('.').every((label) => LABEL.test(label));
}

function fatal(problem: string, value: string): string {
  return `Invalid Resource Record: 'FATAL problem: ${problem} encountered with '${value}''`;
}

/** Splits a TXT/CAA value into its quoted character-strings, or returns undefined when a quote is missing. */
function characterStrings(value: string): string[] | undefined {
  const strings: string[] = [];
  const pattern = /\s*"((?:[^"\\]|\\.)*)"\s*/y;
  let at = 0;
  while (at < value.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(value);
    if (!match) return undefined;
    strings.push(match[1]);
    at = pattern.lastIndex;
  }
  return strings.length > 0 ? strings : undefined;
}

function checkTxt(value: string): string | undefined {
  if (!characterStrings(value))
    return fatal('InvalidCharacterString (Value should be enclosed in quotation marks)', value);
  // The 255-octet limit is measured by the DNS face's own encoder (\ooo is one octet, é is two), so the store
  // accepts exactly the values the face can serve: an estimate here once acknowledged sets the face dropped.
  try {
    encodeCharacterStrings(value);
  } catch {
    return fatal('CharacterStringTooLong (Value is too long)', value);
  }
  return undefined;
}

// One check per type the store accepts (a Record over RecordType: a new type cannot be left without one).
const checks: Record<RecordType, (value: string) => string | undefined> = {
  A: (value) =>
    isIPv4(value) ? undefined : fatal('ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address)', value),
  AAAA: (value) =>
    isIPv6(value) ? undefined : fatal('AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address)', value),
  TXT: checkTxt,
  CNAME: (value) =>
    isDomainName(value) ? undefined : fatal('DomainLabelEmpty (Domain label is empty) or invalid name', value),
  NS: (value) =>
    isDomainName(value) ? undefined : fatal('DomainLabelEmpty (Domain label is empty) or invalid name', value),
  PTR: (value) =>
    isDomainName(value) ? undefined : fatal('DomainLabelEmpty (Domain label is empty) or invalid name', value),
  MX: (value) => {
    const [preference, host, ...rest] = value.trim().split(/\s+/);
    const ok =
      rest.length === 0 &&
      /^\d{1,5}$/.test(preference ?? '') &&
      Number(preference) <= 65535 &&
      isDomainName(host ?? '');
    return ok ? undefined : fatal('InvalidMXRecord (MX record must be "preference host")', value);
  },
  SRV: (value) => {
    const parts = value.trim().split(/\s+/);
    const numbers = parts.slice(0, 3);
    const ok =
      parts.length === 4 && numbers.every((n) => /^\d{1,5}$/.test(n) && Number(n) <= 65535) && isDomainName(parts[3]);
    return ok ? undefined : fatal('InvalidSRVRecord (SRV record must be "priority weight port target")', value);
  },
  CAA: (value) => {
    const match = /^(\d{1,3})\s+([a-z0-9]+)\s+(".*")$/i.exec(value.trim());
    return match && Number(match[1]) <= 255 && characterStrings(match[3])
      ? undefined
      : fatal('InvalidCAARecord (CAA record must be "flags tag \\"value\\"")', value);
  },
  SOA: (value) => {
    const parts = value.trim().split(/\s+/);
    const ok =
      parts.length === 7 &&
      isDomainName(parts[0]) &&
      isDomainName(parts[1]) &&
      parts.slice(2).every((n) => /^\d{1,10}$/.test(n));
    return ok ? undefined : fatal('InvalidSOARecord (SOA record must have seven fields)', value);
  },
};

/** Route53's message for an invalid value of this type, or undefined when the value is valid. */
export function valueProblem(type: RecordType, value: string): string | undefined {
  const problem = checks[type](value);
  // TXT's check above already ran the face's encoder.
  if (problem || type === 'TXT') return problem;
  // The DNS face's own encoder has the last word, so the store never acknowledges a value the face would then
  // drop as unservable (a CAA string over 255 octets passed the syntax check above, for one).
  try {
    writeRdata(new SectionWriter(0, null), type, value);
  } catch (error) {
    return fatal(`InvalidRDATA (${(error as Error).message})`, value);
  }
  return undefined;
}
