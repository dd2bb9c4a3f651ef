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
  /** The build that last saw this set in its snapshot (mark and sweep, see EncodingCache). */
  seen: number;
}

/**
 * Each record set's encoding, by object identity. Snapshots are immutable and a store hands unchanged
 * RecordSet objects on to the next version, so a commit re-encodes only the sets it touched. (A plain Map,
 * not a WeakMap: 100k weak entries make every garbage collection slow.) The map is handed on from version
 * to version and updated in place (mark, then sweep what the new snapshot no longer holds): a fresh 100k-entry
 * map per commit was most of the garbage, and so most of the peak memory, of a bulk enactment. Only the
 * newest index built from it may update it (`owner`); a build from an older index copies instead.
 */
interface EncodingCache {
  readonly map: Map<RecordSet, CachedSet>;
  owner: number;
}

let builds = 0;

export interface ZoneIndex {
  readonly id: string;
  readonly version: number;
  /** Lower-case wire form (latin1) of the apex, the key of `names` entries and of the zone itself. */
  readonly apexKey: string;
  readonly names: ReadonlyMap<string, NameNode>;
  /** The SOA record for negative answers without its owner (type … RDATA), TTL = min(SOA TTL, minimum). */
  readonly negativeSoa: Buffer;
  readonly encodings: EncodingCache;
  /** Which build made this index; it may update `encodings` in place while it is their owner. */
  readonly build: number;
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
      seen: 0,
    };
  } catch (error) {
    // A value the store should have rejected: serve the rest of the zone rather than nothing.
    onError(set, error);
    return { key: '', typeCode: 0, encoded: null, seen: 0 };
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

/** The node of an empty non-terminal: it exists (NOERROR/NODATA), with no record sets. */
const EMPTY_NODE: NameNode = { types: new Map() };

/** Nodes of the names in `only` (every name when null), grouping their current sets by type. */
function groupNames(
  sets: readonly RecordSet[],
  encodings: ReadonlyMap<RecordSet, CachedSet>,
  apexKey: string,
  only: ReadonlySet<string> | null,
): Map<string, NameNode> {
  const lists = new Map<string, Map<number, EncodedSet[]>>();
  for (const set of sets) {
    const { key, typeCode, encoded } = encodings.get(set)!;
    if (!encoded || (only && !only.has(key)) || !key.endsWith(apexKey)) continue;
    let types = lists.get(key);
    if (!types) lists.set(key, (types = new Map()));
    const list = types.get(typeCode);
    if (list) list.push(encoded);
    else types.set(typeCode, [encoded]);
  }
  const nodes = new Map<string, NameNode>();
  for (const [key, types] of lists) nodes.set(key, { types: new Map([...types].map(([code, list]) => [code, group(list)])) });
  return nodes;
}

/** Empty non-terminals exist: add every missing ancestor of `keys` up to the apex. */
function addAncestors(names: Map<string, NameNode>, keys: Iterable<string>, apexKey: string): void {
  for (const key of keys) {
    for (let k = key; k.length > apexKey.length; ) {
      k = parentKey(k);
      if (names.has(k)) break;
      names.set(k, EMPTY_NODE);
    }
  }
  if (!names.has(apexKey)) names.set(apexKey, EMPTY_NODE);
}

/**
 * The index of one zone version. With the previous version's index it is incremental: only new record
 * sets are encoded, and only the names whose sets changed get new nodes (the rest are shared,
 * copy-on-write), unless a name vanished, when the empty non-terminals are worked out again from scratch.
 */
export function buildZoneIndex(
  snapshot: ZoneSnapshot,
  previous: ZoneIndex | undefined,
  onError: (set: RecordSet, error: unknown) => void,
): ZoneIndex {
  const apexKey = wireKey(nameLabels(snapshot.zone.name));
  const build = ++builds;
  const inPlace = previous !== undefined && previous.encodings.owner === previous.build;
  const encodings: EncodingCache = inPlace ? previous.encodings : { map: new Map(), owner: build };
  encodings.owner = build;
  const touched = new Set<string>();
  for (const set of snapshot.recordSets) {
    let cached = encodings.map.get(set);
    if (!cached && !inPlace) {
      cached = previous?.encodings.map.get(set);
      if (cached) encodings.map.set(set, cached);
    }
    if (!cached) {
      encodings.map.set(set, (cached = encodeSet(set, onError)));
      touched.add(cached.key);
    }
    cached.seen = build;
  }
  if (inPlace) {
    for (const [set, cached] of encodings.map) {
      if (cached.seen === build) continue;
      touched.add(cached.key);
      encodings.map.delete(set);
    }
  } else if (previous) {
    for (const [set, cached] of previous.encodings.map) if (!encodings.map.has(set)) touched.add(cached.key);
  }
  let names: Map<string, NameNode> | null = null;
  if (previous && previous.apexKey === apexKey) {
    const fresh = groupNames(snapshot.recordSets, encodings.map, apexKey, touched);
    const vanished = [...touched].some((key) => !fresh.has(key) && (previous.names.get(key) ?? EMPTY_NODE) !== EMPTY_NODE);
    if (!vanished) {
      // The newest index hands its names on like its encodings (a commit is applied in one synchronous step,
      // so no query sees it half done); a copy per rebuild was, with the snapshot array, most of a bulk
      // load's garbage. An older index's names are copied, as before.
      names = inPlace ? (previous.names as Map<string, NameNode>) : new Map(previous.names);
      for (const [key, node] of fresh) names.set(key, node);
      addAncestors(names, fresh.keys(), apexKey);
    }
  }
  if (!names) {
    names = groupNames(snapshot.recordSets, encodings.map, apexKey, null);
    addAncestors(names, [...names.keys()], apexKey);
  }
  return { id: snapshot.zone.id, version: snapshot.version, apexKey, names, negativeSoa: negativeSoa(snapshot), encodings, build };
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
