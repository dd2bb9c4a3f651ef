// The names of one zone that exist, for the DNS face: names that own record sets, their ancestors up to the
// apex (empty non-terminals, which must answer NOERROR/NODATA, not NXDOMAIN) and the apex itself. It counts
// each name's existing children, so a change batch adds or removes names in time proportional to the names it
// touched (and their ancestors), never to the zone: a name without sets exists exactly while it has children.
import type { EncodedSet } from './set-encoding.js';

/** The record sets of one name and type: one set, or a weighted group of which each answer carries one. */
export interface RRGroup {
  readonly sets: readonly EncodedSet[];
  /** Running sums of the weights; a set is picked where a uniform draw below `total` first falls. */
  readonly cumulative: readonly number[];
  readonly total: number;
  /**
   * No alias, no health check, no policy beyond weights: the answer is a weighted draw (pickSet), decided
   * without looking further. Other groups are answered by ./policy.ts.
   */
  readonly plain: boolean;
}

export interface NameNode {
  /** Type code → group. Empty for an empty non-terminal (a name that exists only as a parent). */
  readonly types: ReadonlyMap<number, RRGroup>;
}

const TYPE_NS = 2;

/** The node of an empty non-terminal: it exists (NOERROR/NODATA), with no record sets. */
const EMPTY_NODE: NameNode = { types: new Map() };

function group(sets: readonly EncodedSet[]): RRGroup {
  const cumulative: number[] = [];
  let total = 0;
  let plain = true;
  for (const set of sets) {
    cumulative.push((total += set.weight));
    const { source } = set;
    if (
      set.aliasKey !== undefined ||
      source.healthCheckId !== undefined ||
      (source.setIdentifier !== undefined && source.weight === undefined)
    )
      plain = false;
  }
  return { sets, cumulative, total, plain };
}

/** A node of the given sets by type (empty lists left out); EMPTY_NODE when there are none. */
export function nodeOf(types: ReadonlyMap<number, readonly EncodedSet[]>): NameNode {
  const groups = new Map<number, RRGroup>();
  for (const [code, sets] of types) if (sets.length) groups.set(code, group(sets));
  return groups.size ? { types: groups } : EMPTY_NODE;
}

/** Parent of a wire key: drop the first label. */
function parentKey(key: string): string {
  return key.slice(key.charCodeAt(0) + 1);
}

export class NameTree {
  readonly names = new Map<string, NameNode>();
  /** Existing direct children per name that has any (only parents are listed: few, in most zones). */
  private readonly children = new Map<string, number>();
  /** How many names below the apex own NS sets (delegations): the face looks for a zone cut only when some exist. */
  cuts = 0;

  /** `apexKey` is the zone's wire key; every key given later must end with it. */
  constructor(readonly apexKey: string) {
    this.names.set(apexKey, EMPTY_NODE);
  }

  /** Whether `key` is the apex or a name below it (label by label: a label may hold any octet). */
  holds(key: string): boolean {
    const at = key.length - this.apexKey.length;
    if (at < 0 || !key.endsWith(this.apexKey)) return false;
    let p = 0;
    while (p < at) p += key.charCodeAt(p) + 1;
    return p === at;
  }

  /** Sets the record sets of `key` (one it holds; EMPTY_NODE: none), adding or removing it and its ancestors as needed. */
  set(key: string, node: NameNode): void {
    if (key !== this.apexKey)
      this.cuts += Number(node.types.has(TYPE_NS)) - Number(this.names.get(key)?.types.has(TYPE_NS) ?? false);
    if (this.names.has(key)) {
      this.names.set(key, node);
      if (node === EMPTY_NODE) this.dropIfUnused(key);
    } else if (node !== EMPTY_NODE) {
      this.add(key, node);
    }
  }

  /** Adds a name that is not there yet, and every missing ancestor as an empty non-terminal. */
  private add(key: string, node: NameNode): void {
    this.names.set(key, node);
    for (let k = key; k !== this.apexKey;) {
      const parent = parentKey(k);
      this.children.set(parent, (this.children.get(parent) ?? 0) + 1);
      if (this.names.has(parent)) return;
      this.names.set(parent, EMPTY_NODE);
      k = parent;
    }
  }

  /** Removes a name that has neither sets nor children, and then every ancestor left in the same state. */
  private dropIfUnused(key: string): void {
    for (let k = key; k !== this.apexKey && this.names.get(k) === EMPTY_NODE && !this.children.has(k);) {
      this.names.delete(k);
      const parent = parentKey(k);
      const left = this.children.get(parent)! - 1;
      if (left) this.children.set(parent, left);
      else this.children.delete(parent);
      k = parent;
    }
  }
}
