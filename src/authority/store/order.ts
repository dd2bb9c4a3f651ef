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
 * merged on the next read, one bisection each for a small batch, one sort for a bulk load (journal replay).
 * A commit therefore costs O(batch), and a 100k-record restart costs one sort, not 100k array splices.
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
    const pending = this.added.size + this.removed.size;
    if (pending === 0) return;
    if (pending > 64 + this.keys.length / 32) {
      const kept = this.removed.size > 0 ? this.keys.filter((key) => !this.removed.has(key)) : this.keys;
      for (const key of this.added) kept.push(key);
      // Default sort compares UTF-16 code units, the order sortKey is built for.
      this.keys = kept.sort();
    } else {
      for (const key of this.removed) {
        const at = lowerBound(this.keys, key);
        if (this.keys[at] === key) this.keys.splice(at, 1);
      }
      for (const key of this.added) this.keys.splice(lowerBound(this.keys, key), 0, key);
    }
    this.added.clear();
    this.removed.clear();
  }
}
