// Unit properties of the store's ordering index: whatever the sequence of additions and removals, a scan
// sees exactly the live keys in Route53's order, from any start.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SortedKeys, sortKey } from '../../src/authority/store/order.js';

/** Route53's order spelled out directly: labels compared right to left, a parent before its children. */
function route53Compare(a: [string, string, string], b: [string, string, string]): number {
  const la = a[0].replace(/\.$/, '').split('.').reverse();
  const lb = b[0].replace(/\.$/, '').split('.').reverse();
  for (let i = 0; i < Math.min(la.length, lb.length); i++) if (la[i] !== lb[i]) return la[i] < lb[i] ? -1 : 1;
  if (la.length !== lb.length) return la.length - lb.length;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return a[2] === b[2] ? 0 : a[2] < b[2] ? -1 : 1;
}

const label = fc.stringMatching(/^[a-z0-9-]{1,4}$/);
const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => `${labels.join('.')}.`);
const entry = fc.tuple(name, fc.constantFrom('A', 'AAAA', 'TXT'), fc.constantFrom('', 'a', 'b', 'blue'));

describe('sortKey', () => {
  it('orders keys exactly as Route53 orders (name by reversed labels, type, SetIdentifier)', () => {
    fc.assert(
      fc.property(entry, entry, (a, b) => {
        const byKey = Math.sign(sortKey(...a) < sortKey(...b) ? -1 : sortKey(...a) > sortKey(...b) ? 1 : 0);
        expect(byKey).toBe(Math.sign(route53Compare(a, b)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('SortedKeys', () => {
  // Chunks of 512 (the default) and of 2, so that splitting, emptied chunks and re-cutting all happen here.
  it.each([512, 2])(
    'scans the live keys in order from any start, through any mix of small and bulk changes (chunks of %i)',
    (chunkSize) => {
      const op = fc.oneof(
        fc.record({ add: fc.array(entry, { maxLength: 150 }) }),
        fc.record({ remove: fc.nat(), count: fc.nat({ max: 100 }) }),
        fc.record({ scanFrom: entry }),
      );
      fc.assert(
        fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
          const index = new SortedKeys(chunkSize);
          const model = new Set<string>();
          for (const step of ops) {
            if ('add' in step) {
              for (const e of step.add) {
                const key = sortKey(...e);
                if (!model.has(key)) index.add(key);
                model.add(key);
              }
            } else if ('remove' in step) {
              const live = [...model];
              for (let i = 0; i < Math.min(step.count, live.length); i++) {
                const key = live[(step.remove + i) % live.length];
                if (model.delete(key)) index.remove(key);
              }
            } else {
              const start = sortKey(...step.scanFrom);
              const seen: string[] = [];
              index.scan(start, (key) => seen.push(key) > 0);
              expect(seen).toEqual([...model].filter((key) => key >= start).sort());
            }
          }
          const all: string[] = [];
          index.scan('', (key) => all.push(key) > 0);
          expect(all).toEqual([...model].sort());
        }),
        { numRuns: 300 },
      );
    },
  );
});
