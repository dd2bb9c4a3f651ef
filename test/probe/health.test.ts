import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../src/probe/classify.js';
import { HealthBook, RingBuffer, type Observation } from '../../src/probe/health.js';
import { ChangeFilter } from '../../src/probe/report.js';

function observation(at: number, result: ProbeResult, path: Observation['path'] = 'resolver'): Observation {
  return {
    at,
    endpoint: 'api.example.test. A',
    name: 'api.example.test.',
    type: 'A',
    path,
    server: '127.0.0.1:53',
    result,
    values: [],
  };
}

describe('RingBuffer', () => {
  it('keeps the newest items, oldest first', () => {
    const ring = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i += 1) ring.push(i);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.size).toBe(3);
  });

  it('refuses a capacity below one', () => {
    expect(() => new RingBuffer(0)).toThrow(/capacity/);
  });
});

describe('HealthBook', () => {
  it('tracks availability, the first bad observation and the recovery', () => {
    const book = new HealthBook();
    expect(book.record(observation(1000, 'answered')).wentBad).toBe(false);
    const bad = book.record(observation(1100, 'nodata'));
    expect(bad.wentBad).toBe(true);
    expect(book.record(observation(1200, 'nodata')).wentBad).toBe(false);
    const back = book.record(observation(1300, 'answered'));
    expect(back.recovered).toBe(true);
    const [health] = book.all();
    expect(health).toMatchObject({
      observations: 4,
      answered: 2,
      availability: 0.5,
      firstBadAt: 1100,
      recoveredAt: 1300,
    });
    expect(health.badSince).toBeUndefined();
    expect(health.outages).toEqual([{ from: 1100, to: 1300, result: 'nodata' }]);
  });

  it('keeps each path apart and keeps the first bad time across outages', () => {
    const book = new HealthBook();
    book.record(observation(1, 'timeout', 'authority'));
    book.record(observation(2, 'answered', 'authority'));
    book.record(observation(3, 'servfail', 'authority'));
    book.record(observation(3, 'answered', 'resolver'));
    const authority = book.all().find((health) => health.path === 'authority')!;
    expect(authority.firstBadAt).toBe(1);
    expect(authority.badSince).toBe(3);
    expect(authority.outages).toEqual([
      { from: 1, to: 2, result: 'timeout' },
      { from: 3, result: 'servfail' },
    ]);
    expect(book.all().find((health) => health.path === 'resolver')!.firstBadAt).toBeUndefined();
  });
});

describe('ChangeFilter', () => {
  it('prints a weighted endpoint once while it answers from its planned sets, and every new wrong answer', () => {
    const filter = new ChangeFilter();
    const seen = (result: ProbeResult, values: string[]): boolean =>
      filter.changed({ ...observation(0, result), values });
    expect(seen('answered', ['192.0.2.1'])).toBe(true);
    expect(seen('answered', ['198.51.100.2'])).toBe(false);
    expect(seen('wrong', ['203.0.113.1'])).toBe(true);
    expect(seen('wrong', ['203.0.113.1'])).toBe(false);
    expect(seen('wrong', ['203.0.113.2'])).toBe(true);
    expect(seen('nodata', [])).toBe(true);
  });
});
