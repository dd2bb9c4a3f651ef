// Route53's ListResourceRecordSets order: names compared label by label from the right (so a zone's apex comes
// before its children), then type, then SetIdentifier. Each record set gets one sort key string whose plain
// code-unit order is exactly that order, so the index is a sorted array of strings searched by bisection.

// The name ends with \u0000 and labels are joined by \u0001: a shorter name (a parent) sorts before its
// children, and label boundaries sort before any character a label may hold.
const NAME_END = '\u0000';
const LABEL_SEP = '\u0001';

function reversedName(name: string): string {
  const labels = name.replace(/\.$/, '').split('.');
  return labels.reverse().join(LABEL_SEP);
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
 * A sorted set of keys that absorbs changes cheaply: additions and removals wait in pending sets and are
 * merged on the next read: one bisection each for a few keys, else one sort of the new keys and one merge.
 * A commit therefore costs O(batch log batch + n) at worst, and a 100k-record restart costs one sort.
 */
export class SortedKeys {
  private keys: string[] = [];
  private readonly added = new Set<string>();
  private readonly removed = new Set<string>();

  add(key: string): void {
    if (!this.removed.delete(key)) this.added.add(key);
  }

  remove(key: string): void {
    if (!this.added.delete(key)) this.removed.add(key);
  }

  /** Keys from the first one >= `start`, in order, as long as `visit` returns true. */
  scan(start: string, visit: (key: string) => boolean): void {
    this.settle();
    for (let i = lowerBound(this.keys, start); i < this.keys.length; i++) {
      if (!visit(this.keys[i])) return;
    }
  }

  private settle(): void {
    if (this.added.size + this.removed.size === 0) return;
    let keys = this.keys;
    if (this.removed.size > FEW) keys = keys.filter((key) => !this.removed.has(key));
    else {
      for (const key of this.removed) {
        const at = lowerBound(keys, key);
        if (keys[at] === key) keys.splice(at, 1);
      }
    }
    if (this.added.size > FEW) {
      // Default sort compares UTF-16 code units, the order sortKey is built for. Sorting only the new keys and
      // merging keeps a 1,000-set commit into a 100k-set zone O(n), where one splice per key was O(n) each.
      keys = merge(keys, [...this.added].sort());
    } else {
      for (const key of this.added) keys.splice(lowerBound(keys, key), 0, key);
    }
    this.keys = keys;
    this.added.clear();
    this.removed.clear();
  }
}

/** Changes up to this many keys are spliced in place; more are merged in one pass. */
const FEW = 16;

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
