// Strict configuration: unknown keys in fleet files and plans are errors naming the key and the closest known
// one, and durations need a unit. The permissive variant (z.object) is kept as a case that must miss the typo,
// so this test is shown able to fail.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseDuration } from '../../src/cli/duration.js';
import { closest, strictObject } from '../../src/config/strict.js';
import { parseFleet } from '../../src/plan/fleet.js';
import { parsePlan } from '../../src/plan/schema.js';

const lb = { id: 'a', addresses: ['192.0.2.1'], capacity: 100, healthCheckUrl: 'http://127.0.0.1:9/health/a' };
const fleet = (extra: Record<string, unknown> = {}, lbExtra: Record<string, unknown> = {}) => ({
  zone: 'example.test.',
  endpoints: [{ name: 'api.example.test.', type: 'A', loadBalancers: [{ ...lb, ...lbExtra }] }],
  ...extra,
});

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('strict fleet files and plans', () => {
  it('refuses a misspelt safety setting, naming it, where it is and the key meant', () => {
    const message = messageOf(() => parseFleet(fleet({ defaults: { maxCapacityDropshare: 0.9 } }), 'fleet.json'));
    expect(message).toContain('fleet.json is not a valid fleet file');
    expect(message).toContain('unknown key "maxCapacityDropshare" (did you mean "maxCapacityDropShare"?)');
    expect(message).toContain('→ at defaults');
  });

  it('names unknown keys at every level, with no guess when nothing is close', () => {
    const message = messageOf(() => parseFleet(fleet({ zones: 'x' }, { healthCheckURL: 'http://x/', colour: 'blue' })));
    expect(message).toContain('unknown key "zones" (did you mean "zone"?)');
    expect(message).toContain('unknown key "healthCheckURL" (did you mean "healthCheckUrl"?)');
    expect(message).toMatch(
      /unknown key "colour"; known keys: id, addresses, capacity, healthCheckUrl\n\s+→ at endpoints\[0\]\.loadBalancers\[0\]/,
    );
  });

  it('refuses unknown keys in a plan', () => {
    const plan = {
      generation: 1,
      createdAt: new Date().toISOString(),
      createdBy: 't',
      zone: 'example.test.',
      endpoints: [
        {
          name: 'api.example.test.',
          type: 'A',
          ttl: 60,
          sets: [{ setIdentifier: 'a', wieght: 1, weight: 1, values: ['192.0.2.1'] }],
        },
      ],
    };
    expect(messageOf(() => parsePlan(plan, 'p.json'))).toContain('unknown key "wieght" (did you mean "weight"?)');
    const { wieght: _typo, ...set } = plan.endpoints[0].sets[0];
    expect(parsePlan({ ...plan, endpoints: [{ ...plan.endpoints[0], sets: [set] }] }).generation).toBe(1);
  });

  it('the permissive schema this replaces lets the typo through (the case strictness exists for)', () => {
    const shape = { maxCapacityDropShare: z.number().default(0.25) };
    expect(z.object(shape).parse({ maxCapacityDropshare: 0.9 })).toEqual({ maxCapacityDropShare: 0.25 });
    expect(strictObject(shape).safeParse({ maxCapacityDropshare: 0.9 }).success).toBe(false);
  });

  it('suggests by edit distance, case-insensitively, only when near', () => {
    expect(closest('Zone', ['zone', 'endpoints'])).toBe('zone');
    expect(closest('endpoint', ['zone', 'endpoints'])).toBe('endpoints');
    expect(closest('colour', ['zone', 'endpoints'])).toBeUndefined();
  });
});

describe('durations', () => {
  it('need a unit; 0 needs none', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('0')).toBe(0);
  });

  it('refuse a bare number, saying so and naming the option', () => {
    expect(() => parseDuration('60', '--heartbeat')).toThrowError('--heartbeat "60" has no unit: write 60ms or 60s');
    expect(() => parseDuration('5 minutes', '--interval')).toThrowError(
      '--interval "5 minutes" is not a duration such as 500ms, 5s or 2m',
    );
  });
});
