import { describe, expect, it } from 'vitest';
import { diffPlans, formatDiff } from '../../src/plan/diff.js';
import type { Plan } from '../../src/plan/schema.js';

const base: Plan = {
  generation: 4,
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'test',
  zone: 'example.test.',
  endpoints: [
    {
      name: 'api.example.test.',
      type: 'A',
      ttl: 60,
      sets: [
        { setIdentifier: 'a', weight: 255, values: ['192.0.2.1'] },
        { setIdentifier: 'b', weight: 255, values: ['192.0.2.2'] },
      ],
    },
    { name: 'old.example.test.', type: 'A', ttl: 60, sets: [{ setIdentifier: 'a', weight: 1, values: ['192.0.2.1'] }] },
  ],
};

describe('diffPlans', () => {
  it('reports added, removed, reweighted and revalued sets, TTL changes and endpoint changes', () => {
    const next: Plan = {
      ...base,
      generation: 5,
      endpoints: [
        {
          name: 'api.example.test.',
          type: 'A',
          ttl: 30,
          sets: [
            { setIdentifier: 'a', weight: 128, values: ['192.0.2.9'] },
            { setIdentifier: 'c', weight: 10, values: ['192.0.2.3'] },
          ],
        },
        {
          name: 'new.example.test.',
          type: 'AAAA',
          ttl: 60,
          sets: [{ setIdentifier: 'x', weight: 255, values: ['2001:db8::1'] }],
        },
      ],
    };
    const diff = diffPlans(base, next);
    expect(diff.changed).toBe(true);
    expect(formatDiff(diff).split('\n')).toEqual([
      'plan generation 4 -> 5 (zone example.test.)',
      '  ~ api.example.test. A',
      '      ttl 60 -> 30',
      '      + c weight 10 [192.0.2.3]',
      '      - b weight 255 [192.0.2.2]',
      '      ~ a weight 255 -> 128',
      '      ~ a values [192.0.2.1] -> [192.0.2.9]',
      '  + new.example.test. AAAA (added)',
      '      + x weight 255 [2001:db8::1]',
      '  - old.example.test. A (removed)',
      '      - a weight 1 [192.0.2.1]',
    ]);
  });

  it('ignores generation, authorship and the order of sets and values', () => {
    const next = structuredClone(base);
    next.generation = 9;
    next.createdBy = 'someone else';
    next.endpoints[0].sets.reverse();
    const diff = diffPlans(base, next);
    expect(diff.changed).toBe(false);
    expect(formatDiff(diff)).toContain('plan generation 4 -> 9 (zone example.test.): no change');
  });

  it('treats the first plan as all added', () => {
    const diff = diffPlans(undefined, base);
    expect(diff.changed).toBe(true);
    expect(formatDiff(diff)).toMatch(/^plan generation \(none\) -> 4/);
  });
});
