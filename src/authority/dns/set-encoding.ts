// Record sets turned into the bytes the DNS face serves: each set's whole answer section, pre-encoded once
// when it is committed, and a zone's negative-answer SOA. Only the query's id and flags are written per query.
import type { RecordSet } from '../../route53/recordset.js';
import {
  CLASS_IN,
  SectionWriter,
  TYPE_CODES,
  nameLabels,
  questionDictionary,
  wireKey,
  writeAnswer,
  writeRdata,
} from './wire.js';

/** One record set's whole answer section, encoded for a question of its own name at message offset 12. */
export interface EncodedSet {
  readonly bytes: Buffer;
  readonly count: number;
  readonly weight: number;
  /** The set it encodes: a later change batch finds it by its SetIdentifier, a full build reuses it by identity. */
  readonly source: RecordSet;
  /**
   * NS/MX/SRV sets: the names their values point at, each as its wire key and the offset in `bytes` where it is
   * written, so the face can add the target's addresses to the additional section owned by a pointer to it.
   */
  readonly targets?: readonly Target[];
  /** An alias set's target name as a wire key: it has no bytes of its own and is answered from the target's. */
  readonly aliasKey?: string;
}

export interface Target {
  readonly key: string;
  readonly at: number;
}

const NO_BYTES = Buffer.alloc(0);

/** Where the target name starts in the RDATA of a type that names a host the answer's reader will look up next. */
const TARGET_IN_RDATA: Partial<Record<RecordSet['type'], number>> = { NS: 0, MX: 2, SRV: 6 };
/** Owner pointer, type, class, TTL and RDLENGTH: what precedes the RDATA of a pre-encoded answer record. */
const RECORD_HEAD = 12;

/** Where a set is served: its owner's wire key (see wire.ts's wireKey) and its type code. */
export interface Placed {
  readonly key: string;
  readonly typeCode: number;
}

export type OnUnservable = (set: RecordSet, error: unknown) => void;

interface Place {
  readonly labels: Buffer[];
  readonly key: string;
}

/**
 * Owner names already turned into labels and keys, for one update: a change batch meets each name several
 * times (its removed sets, then its added ones), and working a name out is a good part of encoding a set.
 */
export type PlaceMemo = Map<string, Place>;

// Consecutive record sets usually share their owner (a weighted group; a snapshot is in name order), so the
// last one's place is remembered even without a memo.
let lastName = '';
let lastPlace: Place = { labels: [], key: '' };

function placeOf(name: string, memo: PlaceMemo | undefined): Place {
  if (name === lastName) return lastPlace;
  let place = memo?.get(name);
  if (!place) {
    const labels = nameLabels(name);
    place = { labels, key: wireKey(labels) };
    memo?.set(name, place);
  }
  lastName = name;
  lastPlace = place;
  return place;
}

/** The wire key of a name; undefined for a name that cannot be encoded (such a set is never served). */
export function keyOf(name: string, memo?: PlaceMemo): string | undefined {
  try {
    return placeOf(name, memo).key;
  } catch {
    return undefined;
  }
}

/** Where `set` is served and its encoding; null when it cannot be encoded (reported) or has no values. */
export function encodeSet(
  set: RecordSet,
  onError: OnUnservable,
  memo?: PlaceMemo,
): (Placed & { encoded: EncodedSet | null }) | null {
  try {
    const { labels, key } = placeOf(set.name, memo);
    if (set.aliasTarget) {
      const aliasKey = wireKey(nameLabels(set.aliasTarget.dnsName));
      return {
        key,
        typeCode: TYPE_CODES[set.type],
        encoded: { bytes: NO_BYTES, count: 0, weight: set.weight ?? 0, source: set, aliasKey },
      };
    }
    if (!set.values.length) return { key, typeCode: TYPE_CODES[set.type], encoded: null };
    // The answer section starts right after the header (12) and the question (name, type, class). A
    // wildcard's answer also serves longer question names, so it compresses nothing but its owner.
    const wildcard = labels[0]?.length === 1 && labels[0][0] === 0x2a;
    const writer = new SectionWriter(12 + key.length + 4, wildcard ? null : () => questionDictionary(labels));
    const targetAt = TARGET_IN_RDATA[set.type];
    const targets: Target[] = [];
    for (const value of set.values) {
      if (targetAt !== undefined)
        targets.push({
          key: wireKey(nameLabels(value.trim().split(/\s+/).pop()!)),
          at: writer.length + RECORD_HEAD + targetAt,
        });
      writeAnswer(writer, set.type, set.ttl, value);
    }
    const encoded: EncodedSet = {
      bytes: writer.toBuffer(),
      count: set.values.length,
      weight: set.weight ?? 0,
      source: set,
      ...(targets.length ? { targets } : {}),
    };
    return { key, typeCode: TYPE_CODES[set.type], encoded };
  } catch (error) {
    // A value the store should have rejected: serve the rest of the zone rather than nothing.
    onError(set, error);
    return null;
  }
}

const DEFAULT_SOA = (apex: string) => `ns-1.${apex} hostmaster.${apex} 1 7200 900 1209600 86400`;

/** The SOA record for negative answers without its owner (type … RDATA), TTL = min(SOA TTL, minimum). */
export function negativeSoa(apex: string, soa: RecordSet | undefined): Buffer {
  const value = soa?.values[0] ?? DEFAULT_SOA(apex);
  const minimum = Number(value.trim().split(/\s+/)[6] ?? 86400);
  const ttl = Math.min(soa?.ttl ?? 900, Number.isFinite(minimum) ? minimum : 900);
  // Written after a per-query owner pointer at an offset known only then: no compression inside.
  const w = new SectionWriter(0, null);
  w.u16(TYPE_CODES.SOA);
  w.u16(CLASS_IN);
  w.u32(ttl);
  const lengthAt = w.length;
  w.u16(0);
  writeRdata(w, 'SOA', value);
  w.patchU16(lengthAt, w.length - lengthAt - 2);
  return w.toBuffer();
}

/** Whether `set` is the zone's own SOA, the one negative answers carry. */
export function isApexSoa(set: RecordSet, apex: string): boolean {
  return set.type === 'SOA' && set.name === apex;
}
