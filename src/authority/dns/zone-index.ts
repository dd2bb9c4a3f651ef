// The DNS face's read model: every zone snapshot turned into lookup maps of pre-encoded answer sections.
// Built when a zone commits, never per query. An index is immutable; the server swaps a whole new one in
// with one assignment, so a query sees one committed version of each zone, never half a batch.
import type { RecordSet } from '../../route53/recordset.js';
import type { ZoneSnapshot } from '../zones.js';
import { CLASS_IN, SectionWriter, TYPE_CODES, nameLabels, questionDictionary, wireKey, writeAnswer, writeRdata } from './wire.js';

/** One record set's whole answer section, encoded for a question of its own name at message offset 12. */
export interface EncodedSet {
  readonly bytes: Buffer;
  readonly count: number;
  readonly weight: number;
}

/** The record sets of one name and type: one set, or a weighted group of which each answer carries one. */
export interface RRGroup {
  readonly sets: readonly EncodedSet[];
  /** Running sums of the weights; a set is picked where a uniform draw below `total` first falls. */
  readonly cumulative: readonly number[];
  readonly total: number;
}

export interface NameNode {
  /** Type code → group. Empty for an empty non-terminal (a name that exists only as a parent). */
  readonly types: ReadonlyMap<number, RRGroup>;
}

interface CachedSet {
  key: string;
  typeCode: number;
  encoded: EncodedSet | null;
}

export interface ZoneIndex {
  readonly id: string;
  readonly version: number;
  /** Lower-case wire form (latin1) of the apex, the key of `names` entries and of the zone itself. */
  readonly apexKey: string;
  readonly names: ReadonlyMap<string, NameNode>;
  /** The SOA record for negative answers without its owner (type … RDATA), TTL = min(SOA TTL, minimum). */
  readonly negativeSoa: Buffer;
  /**
   * Each record set's encoding, by object identity. Snapshots are immutable and a store hands unchanged
   * RecordSet objects on to the next version, so a commit re-encodes only the sets it touched. (A plain
   * Map, not a WeakMap: 100k weak entries make every garbage collection slow.)
   */
  readonly encodings: ReadonlyMap<RecordSet, CachedSet>;
}

export interface FaceIndex {
  readonly byApex: ReadonlyMap<string, ZoneIndex>;
  readonly byId: ReadonlyMap<string, ZoneIndex>;
}

export const EMPTY_INDEX: FaceIndex = { byApex: new Map(), byId: new Map() };

// Consecutive record sets usually share their owner (a weighted group), so remember the last one's labels.
let lastName = '';
let lastLabels: Buffer[] = [];
let lastKey = '';

function encodeSet(set: RecordSet, onError: (set: RecordSet, error: unknown) => void): CachedSet {
  try {
    if (set.name !== lastName) {
      lastLabels = nameLabels(set.name);
      lastKey = wireKey(lastLabels);
      lastName = set.name;
    }
    const labels = lastLabels;
    // The answer section starts right after the header (12) and the question (name, type, class). A
    // wildcard's answer also serves longer question names, so it compresses nothing but its owner.
    const wildcard = labels[0]?.length === 1 && labels[0][0] === 0x2a;
    const writer = new SectionWriter(12 + lastKey.length + 4, wildcard ? null : () => questionDictionary(labels));
    for (const value of set.values) writeAnswer(writer, set.type, set.ttl, value);
    return {
      key: lastKey,
      typeCode: TYPE_CODES[set.type],
      encoded: set.values.length ? { bytes: writer.toBuffer(), count: set.values.length, weight: set.weight ?? 0 } : null,
    };
  } catch (error) {
    // A value the store should have rejected: serve the rest of the zone rather than nothing.
    onError(set, error);
    return { key: '', typeCode: 0, encoded: null };
  }
}

function group(sets: EncodedSet[]): RRGroup {
  const cumulative: number[] = [];
  let total = 0;
  for (const set of sets) cumulative.push((total += set.weight));
  return { sets, cumulative, total };
}

/** Picks one whole set: with probability weight ÷ sum, or uniformly when every weight is 0. */
export function pickSet(g: RRGroup): EncodedSet {
  if (g.sets.length === 1) return g.sets[0];
  if (g.total === 0) return g.sets[Math.floor(Math.random() * g.sets.length)];
  const draw = Math.random() * g.total;
  // Strictly below: a weight-0 set repeats its predecessor's sum and can never be the first to exceed it.
  for (let i = 0; i < g.cumulative.length; i++) if (draw < g.cumulative[i]) return g.sets[i];
  return g.sets[g.sets.length - 1];
}

const DEFAULT_SOA = (apex: string) => `ns-1.${apex} hostmaster.${apex} 1 7200 900 1209600 86400`;

function negativeSoa(snapshot: ZoneSnapshot): Buffer {
  const soa = snapshot.recordSets.find((s) => s.type === 'SOA' && s.name === snapshot.zone.name);
  const value = soa?.values[0] ?? DEFAULT_SOA(snapshot.zone.name);
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

/** Parent of a wire key: drop the first label. */
function parentKey(key: string): string {
  return key.slice(key.charCodeAt(0) + 1);
}

interface Building {
  types: Map<number, EncodedSet[]>;
}

export function buildZoneIndex(
  snapshot: ZoneSnapshot,
  previous: ZoneIndex | undefined,
  onError: (set: RecordSet, error: unknown) => void,
): ZoneIndex {
  const apexKey = wireKey(nameLabels(snapshot.zone.name));
  const encodings = new Map<RecordSet, CachedSet>();
  const building = new Map<string, Building>();
  for (const set of snapshot.recordSets) {
    const cached = previous?.encodings.get(set) ?? encodeSet(set, onError);
    encodings.set(set, cached);
    const { key, typeCode, encoded } = cached;
    if (!encoded || !key.endsWith(apexKey)) continue;
    let node = building.get(key);
    if (!node) building.set(key, (node = { types: new Map() }));
    const sets = node.types.get(typeCode);
    if (sets) sets.push(encoded);
    else node.types.set(typeCode, [encoded]);
  }
  // Turn each list of sets into its group in place: one map per name, made once.
  const names = building as unknown as Map<string, { types: Map<number, EncodedSet[] | RRGroup> }>;
  for (const node of names.values()) for (const [code, sets] of node.types) node.types.set(code, group(sets as EncodedSet[]));
  // Empty non-terminals exist (NOERROR/NODATA, not NXDOMAIN): add every missing ancestor up to the apex.
  const empty = { types: new Map() };
  for (const key of building.keys()) {
    for (let k = key; k.length > apexKey.length; ) {
      k = parentKey(k);
      if (names.has(k)) break;
      names.set(k, empty);
    }
  }
  if (!names.has(apexKey)) names.set(apexKey, empty);
  return {
    id: snapshot.zone.id,
    version: snapshot.version,
    apexKey,
    names: names as Map<string, NameNode>,
    negativeSoa: negativeSoa(snapshot),
    encodings,
  };
}

/**
 * A new index from the current snapshots, reusing the previous index's zones whose version did not move.
 * Two hosted zones with the same name: the first one listed answers.
 */
export function buildIndex(
  snapshots: readonly ZoneSnapshot[],
  previous: FaceIndex,
  onError: (set: RecordSet, error: unknown) => void,
): FaceIndex {
  const byApex = new Map<string, ZoneIndex>();
  const byId = new Map<string, ZoneIndex>();
  for (const snapshot of snapshots) {
    const old = previous.byId.get(snapshot.zone.id);
    const zone = old && old.version === snapshot.version ? old : buildZoneIndex(snapshot, old, onError);
    byId.set(zone.id, zone);
    if (!byApex.has(zone.apexKey)) byApex.set(zone.apexKey, zone);
  }
  return { byApex, byId };
}
