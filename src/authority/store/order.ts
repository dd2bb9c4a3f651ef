// Route53's ListResourceRecordSets order: names compared label by label from the right (so a zone's apex comes
// before its children), then type, then SetIdentifier. Each record set gets one sort key string whose plain
// code-unit order is exactly that order, so the index is a sorted array of strings searched by bisection.

// The name ends with \u0000 and labels are joined by \u0001: a shorter name (a parent) sorts before its
// children, and label boundaries sort before any character a label may hold.
const NAME_END = '\u0000';
const LABEL_SEP = '\u0001';

// Consecutive calls mostly ask for the same name (a DELETE and its CREATE, an endpoint's sets, its group).
let lastName = '';
let lastReversed = '';

function reversedName(name: string): string {
  if (name === lastName) return lastReversed;
  lastName = name;
  lastReversed = reverseLabels(name);
  return lastReversed;
}

function reverseLabels(name: string): string {
  // One pass from the right instead of replace + split + reverse + join: half the time, and it runs for
  // every set of every batch (several times: validation, commit, group checks).
  const end = name.charCodeAt(name.length - 1) === 0x2e ? name.length - 1 : name.length;
  let reversed = '';
  let stop = end;
  for (let i = end - 1; i >= 0; i--) {
    if (name.charCodeAt(i) !== 0x2e) continue;
    reversed += name.slice(i + 1, stop) + LABEL_SEP;
    stop = i;
  }
  return reversed + name.slice(0, stop);
}

/** The sort key of a record set, or of a paging start (a missing type or identifier sorts first). */
export function sortKey(name: string, type = '', setIdentifier = ''): string {
  return `${reversedName(name)}${NAME_END}${type}${NAME_END}${setIdentifier}`;
}

/** The sort-key prefix shared by every set of one name and type (a weighted group). */
export function groupPrefix(name: string, type: string): string {
  return `${reversedName(name)}${NAME_END}${type}${NAME_END}`;
}

/** The first index whose key is >= `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A sorted set of keys kept in chunks (sorted arrays of at most 2 × `chunkSize` keys, in order), so that a
 * commit never copies the whole zone: a 1,000-set batch into a 100k-set zone splices into ~200 small arrays
 * instead of allocating a new 100k-entry array, which was a large share of a bulk load's garbage (and so of
 * the authority's peak memory). Additions and removals wait in pending sets and are applied on the next read;
 * a batch that is large next to the whole (a restart, a zone filling up from empty) is merged and re-cut in
 * one pass instead.
 */
export class SortedKeys {
  private chunks: string[][] = [];
  private size = 0;
  private readonly added = new Set<string>();
  private readonly removed = new Set<string>();

  /** `chunkSize` is only for tests: small chunks exercise the splitting that large zones meet. */
  constructor(private readonly chunkSize = 512) {}

  add(key: string): void {
    if (!this.removed.delete(key)) this.added.add(key);
  }

  remove(key: string): void {
    if (!this.added.delete(key)) this.removed.add(key);
  }

  /** Keys from the first one >= `start`, in order, as long as `visit` returns true. */
  scan(start: string, visit: (key: string) => boolean): void {
    this.settle();
    let c = this.chunkFor(start);
    for (let i = c < this.chunks.length ? lowerBound(this.chunks[c], start) : 0; c < this.chunks.length; c++, i = 0) {
      const chunk = this.chunks[c];
      for (; i < chunk.length; i++) if (!visit(chunk[i])) return;
    }
  }

  /** The first chunk whose last key is >= `key`; chunks.length when every key is smaller. */
  private chunkFor(key: string): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.chunks[mid];
      if (chunk[chunk.length - 1] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private settle(): void {
    if (this.added.size + this.removed.size === 0) return;
    for (const key of this.removed) {
      const c = this.chunkFor(key);
      const chunk = this.chunks[c];
      const at = chunk ? lowerBound(chunk, key) : -1;
      if (at < 0 || chunk[at] !== key) continue;
      chunk.splice(at, 1);
      this.size -= 1;
      if (chunk.length === 0) this.chunks.splice(c, 1);
    }
    // Default sort compares UTF-16 code units, the order sortKey is built for.
    const added = [...this.added].sort();
    if (added.length * 4 > this.size) this.recut(merge(this.chunks.flat(), added));
    else for (const key of added) this.insert(key);
    this.size += added.length;
    this.added.clear();
    this.removed.clear();
  }

  private insert(key: string): void {
    const c = Math.min(this.chunkFor(key), this.chunks.length - 1);
    const chunk = this.chunks[c];
    chunk.splice(lowerBound(chunk, key), 0, key);
    if (chunk.length > 2 * this.chunkSize)
      this.chunks.splice(c, 1, chunk.slice(0, this.chunkSize), chunk.slice(this.chunkSize));
  }

  private recut(keys: readonly string[]): void {
    this.chunks = [];
    for (let i = 0; i < keys.length; i += this.chunkSize) this.chunks.push(keys.slice(i, i + this.chunkSize));
  }
}

function merge(a: readonly string[], b: readonly string[]): string[] {
  const out = new Array<string>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i] <= b[j] ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}
