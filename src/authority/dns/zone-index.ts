// The DNS face's read model: every zone turned into lookup maps of pre-encoded answer sections, updated when a
// zone commits, never per query. A commit is applied from what it changed (ZoneSource.changesSince): the sets
// it added are encoded, the ones it removed dropped, and only the names it touched regrouped, so a rebuild
// costs the batch, not the zone. A query sees one committed version of each zone, never half a batch: an
// update is computed whole before anything it changes is touched, then applied in one synchronous step, and
// the server swaps the new index in with one assignment.
import type { RecordSet } from '../../route53/recordset.js';
import type { ZoneChange, ZoneHead, ZoneSnapshot, ZoneSource } from '../zones.js';
import { NameTree, nodeOf, type NameNode, type RRGroup } from './name-tree.js';
import {
  encodeSet,
  isApexSoa,
  keyOf,
  negativeSoa,
  type EncodedSet,
  type OnUnservable,
  type PlaceMemo,
} from './set-encoding.js';
import { TYPE_CODES } from './wire.js';

export type { EncodedSet } from './set-encoding.js';
export type { NameNode, RRGroup } from './name-tree.js';

/**
 * A zone's names, handed on from version to version and updated in place: copying a 100k-name map per commit
 * would cost the zone, not the batch. Only the newest index of the zone (`owner`) may update it; an update
 * that starts from an older index builds a new one from a snapshot instead.
 */
interface ZoneNames {
  readonly tree: NameTree;
  owner: ZoneIndex | undefined;
}

export interface ZoneIndex {
  readonly id: string;
  readonly version: number;
  /** Lower-case wire form (latin1) of the apex, the key of `names` entries and of the zone itself. */
  readonly apexKey: string;
  /** Every name that exists: owners of record sets, their empty non-terminal ancestors, the apex. */
  readonly names: ReadonlyMap<string, NameNode>;
  /** The SOA record for negative answers without its owner (type … RDATA), TTL = min(SOA TTL, minimum). */
  readonly negativeSoa: Buffer;
  /** The apex SOA set `negativeSoa` was made from; undefined when the zone has none (a default is used). */
  readonly soa: RecordSet | undefined;
  readonly state: ZoneNames;
}

export interface FaceIndex {
  readonly byApex: ReadonlyMap<string, ZoneIndex>;
  readonly byId: ReadonlyMap<string, ZoneIndex>;
}

export const EMPTY_INDEX: FaceIndex = { byApex: new Map(), byId: new Map() };

/** Picks one whole set: with probability weight ÷ sum, or uniformly when every weight is 0. */
export function pickSet(g: RRGroup): EncodedSet {
  if (g.sets.length === 1) return g.sets[0];
  if (g.total === 0) return g.sets[Math.floor(Math.random() * g.sets.length)];
  const draw = Math.random() * g.total;
  // Strictly below: a weight-0 set repeats its predecessor's sum and can never be the first to exceed it.
  for (let i = 0; i < g.cumulative.length; i++) if (draw < g.cumulative[i]) return g.sets[i];
  return g.sets[g.sets.length - 1];
}

function indexOf(head: ZoneHead, state: ZoneNames, soa: RecordSet | undefined, negative: Buffer): ZoneIndex {
  const index: ZoneIndex = {
    id: head.zone.id,
    version: head.version,
    apexKey: state.tree.apexKey,
    names: state.tree.names,
    negativeSoa: negative,
    soa,
    state,
  };
  state.owner = index;
  return index;
}

/** Every encoding an index serves, by the set it encodes: a full build reuses them instead of encoding again. */
function encodingsOf(index: ZoneIndex | undefined): Map<RecordSet, EncodedSet> {
  const encodings = new Map<RecordSet, EncodedSet>();
  for (const node of index?.names.values() ?? [])
    for (const g of node.types.values()) for (const set of g.sets) encodings.set(set.source, set);
  return encodings;
}

/**
 * The index of one zone version, built from its whole snapshot. Encodings of sets `previous` already serves
 * (the same RecordSet objects) are reused.
 */
export function buildZoneIndex(
  snapshot: ZoneSnapshot,
  previous: ZoneIndex | undefined,
  onError: OnUnservable,
): ZoneIndex {
  const apex = snapshot.zone.name;
  const apexKey = keyOf(apex);
  if (apexKey === undefined)
    throw new Error(`zone ${snapshot.zone.id}: apex ${JSON.stringify(apex)} is not an encodable name`);
  const tree = new NameTree(apexKey);
  const reuse = encodingsOf(previous);
  const byName = new Map<string, Map<number, EncodedSet[]>>();
  let soa: RecordSet | undefined;
  for (const set of snapshot.recordSets) {
    if (!soa && isApexSoa(set, apex)) soa = set;
    const known = reuse.get(set);
    // A set served before has a name that encodes.
    const placed = known
      ? { key: keyOf(set.name)!, typeCode: TYPE_CODES[set.type], encoded: known }
      : encodeSet(set, onError);
    if (!placed?.encoded || !tree.holds(placed.key)) continue;
    let types = byName.get(placed.key);
    if (!types) byName.set(placed.key, (types = new Map()));
    const list = types.get(placed.typeCode);
    if (list) list.push(placed.encoded);
    else types.set(placed.typeCode, [placed.encoded]);
  }
  const negative = negativeSoa(apex, soa);
  for (const [key, types] of byName) tree.set(key, nodeOf(types));
  return indexOf(snapshot, { tree, owner: undefined }, soa, negative);
}

/**
 * The next version of `previous` from the change batches made since it, oldest first; undefined when
 * `previous` may not be updated in place (a newer index of the zone exists), so a snapshot must be read.
 */
function applyZoneChanges(
  previous: ZoneIndex,
  head: ZoneHead,
  changes: readonly ZoneChange[],
  onError: OnUnservable,
): ZoneIndex | undefined {
  const { state } = previous;
  if (state.owner !== previous || previous.id !== head.zone.id || keyOf(head.zone.name) !== previous.apexKey)
    return undefined;
  const { tree } = state;
  const apex = head.zone.name;
  // Phase 1, nothing shared touched yet (a throw here leaves `previous` whole): the touched names' sets by type.
  const touched = new Map<string, Map<number, EncodedSet[]>>();
  const setsAt = (key: string) => {
    let types = touched.get(key);
    if (!types) {
      touched.set(key, (types = new Map()));
      for (const [code, g] of tree.names.get(key)?.types ?? []) types.set(code, [...g.sets]);
    }
    return types;
  };
  let soa = previous.soa;
  const memo: PlaceMemo = new Map();
  for (const change of changes) {
    for (const set of change.removed) {
      if (isApexSoa(set, apex)) soa = undefined;
      const key = keyOf(set.name, memo);
      if (key === undefined || !tree.holds(key)) continue; // never served
      const list = setsAt(key).get(TYPE_CODES[set.type]);
      if (!list) continue;
      // The very object served; else the set of that identifier (a source may hand out copies).
      let at = list.findIndex((e) => e.source === set);
      if (at < 0) at = list.findIndex((e) => e.source.setIdentifier === set.setIdentifier);
      if (at >= 0) list.splice(at, 1);
    }
    for (const set of change.added) {
      if (isApexSoa(set, apex)) soa = set;
      const placed = encodeSet(set, onError, memo);
      if (!placed?.encoded || !tree.holds(placed.key)) continue;
      const types = setsAt(placed.key);
      const list = types.get(placed.typeCode);
      if (list) list.push(placed.encoded);
      else types.set(placed.typeCode, [placed.encoded]);
    }
  }
  const negative = soa === previous.soa ? previous.negativeSoa : negativeSoa(apex, soa);
  const nodes = [...touched].map(([key, types]) => [key, nodeOf(types)] as const);
  // Phase 2: plain map updates, which cannot throw.
  for (const [key, node] of nodes) tree.set(key, node);
  return indexOf(head, state, soa, negative);
}

/**
 * The index of `source` as it stands now, from `previous`: a zone whose version moved is updated from the
 * batches it committed since, when the source keeps them, and built from its snapshot otherwise (first sight
 * of a zone, batches no longer kept, an update that failed: reported to
 * `onUpdateFailed`, as it costs a walk of the zone). An update in place supersedes `previous`: its zones' names
 * then show the new version, so serve the result, not `previous`.
 */
export function updateIndex(
  source: ZoneSource,
  previous: FaceIndex,
  onError: OnUnservable,
  onUpdateFailed: (zoneId: string, error: unknown) => void = () => undefined,
): FaceIndex {
  let snapshots: Map<string, ZoneSnapshot> | undefined;
  const snapshotOf = (id: string) => (snapshots ??= new Map(source.snapshots().map((s) => [s.zone.id, s]))).get(id)!;
  return assembleFaceIndex(source.heads(), previous, (head, old) => {
    const changes = old && source.changesSince(head.zone.id, old.version);
    if (old && changes) {
      try {
        const updated = applyZoneChanges(old, head, changes, onError);
        if (updated) return updated;
      } catch (error) {
        // Nothing was changed (see applyZoneChanges): a build from the snapshot reports what is wrong per set.
        onUpdateFailed(head.zone.id, error);
      }
    }
    return buildZoneIndex(snapshotOf(head.zone.id), old, onError);
  });
}

function assembleFaceIndex<H extends ZoneHead>(
  heads: readonly H[],
  previous: FaceIndex,
  next: (head: H, old: ZoneIndex | undefined) => ZoneIndex,
): FaceIndex {
  const byApex = new Map<string, ZoneIndex>();
  const byId = new Map<string, ZoneIndex>();
  for (const head of heads) {
    const old = previous.byId.get(head.zone.id);
    const zone = old && old.version === head.version ? old : next(head, old);
    byId.set(zone.id, zone);
    if (!byApex.has(zone.apexKey)) byApex.set(zone.apexKey, zone);
  }
  return { byApex, byId };
}
