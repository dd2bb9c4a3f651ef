// The fast path of a plan read (src/plan/plan-fast-path.ts) must never accept what PlanSchema rejects, nor
// return anything but what zod returns, and it must accept the plans planners write. Checked on generated
// valid plans and on the same plans mutated at a random place; a deliberately broken fast path (one that
// forgets the TTL) must be caught by the same property, so the mutations are shown to reach the fields.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceptPlanFast, parseOwnedPlan } from '../../src/plan/plan-fast-path.js';
import { PlanSchema, PlanValidationError, type Plan } from '../../src/plan/schema.js';

const zone = fc.constantFrom('example.com.', 'z.test.', 'a-b.c.');
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();

function endpoint(zoneName: string) {
  return fc.constantFrom<'A' | 'AAAA'>('A', 'AAAA').chain((type) =>
    fc.record({
      name: label.map((l) => `${l}.${zoneName}`),
      type: fc.constant(type),
      ttl: fc.integer({ min: 0, max: 2147483647 }),
      sets: fc.uniqueArray(
        fc.record({
          setIdentifier: fc.string({ minLength: 1, maxLength: 12 }),
          weight: fc.integer({ min: 0, max: 255 }),
          values: fc.uniqueArray(type === 'A' ? ipv4 : ipv6, { minLength: 1, maxLength: 3 }),
        }),
        { minLength: 1, maxLength: 3, selector: (set) => set.setIdentifier },
      ),
    }),
  );
}

const validPlan: fc.Arbitrary<Plan> = zone.chain((z) =>
  fc.record({
    generation: fc.integer({ min: 1, max: 1_000_000 }),
    createdAt: fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString()),
    createdBy: fc.string({ minLength: 1, maxLength: 8 }),
    zone: fc.constant(z),
    endpoints: fc.uniqueArray(endpoint(z), { maxLength: 6, selector: (e) => `${e.name}|${e.type}` }),
  }),
);

/** Places in a plan a mutation can hit: every object and array, by path. */
function containers(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value !== 'object' || value === null) return [];
  const here = [path];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return here.concat(...entries.map(([key, child]) => containers(child, [...path, key])));
}

const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    -1,
    1.5,
    256,
    2147483648,
    '',
    'A',
    'AAAA',
    'CNAME',
    'UP.example.com.',
    'x.example.com',
    '1.2.3.4',
    '::1',
  ),
  fc.constantFrom('a.other.', '01.2.3.4', '1.2.3.4 ', 'lb-0', 'e.example.com.', 'e.z.test.', '2026-01-01T00:00:00Z'),
);

/** A valid plan changed at one random place: a field replaced, a key removed or added, an element repeated. */
const mutatedPlan = fc
  .tuple(validPlan, fc.nat(), fc.nat(), fc.constantFrom('replace', 'delete', 'add', 'repeat'), oddValue)
  .map(([plan, where, which, how, value]) => {
    const copy = structuredClone(plan) as unknown as Record<string, unknown>;
    const places = containers(copy);
    const path = places[where % places.length];
    const target = path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], copy) as
      Record<string, unknown> | unknown[];
    const keys = Array.isArray(target) ? target.map((_, i) => i) : Object.keys(target);
    const key = keys.length === 0 ? 0 : keys[which % keys.length];
    const record = target as Record<string | number, unknown>;
    if (how === 'replace') record[key] = value;
    else if (how === 'delete') {
      if (Array.isArray(target)) target.splice(Number(key), 1);
      else delete record[key];
    } else if (how === 'add') {
      if (Array.isArray(target)) target.push(value);
      else record[`extra${which % 3}`] = value;
    } else if (Array.isArray(target) && target.length > 0) target.push(structuredClone(target[Number(key)]));
    return copy;
  });

type Accept = (input: unknown) => Plan | undefined;

/** Whatever `accept` accepts, zod accepts too, and returns the same value. */
function agreesWithZod(accept: Accept) {
  return fc.property(fc.oneof(validPlan as fc.Arbitrary<unknown>, mutatedPlan), (input) => {
    const fast = accept(structuredClone(input));
    if (fast === undefined) return true;
    const zod = PlanSchema.safeParse(structuredClone(input));
    return zod.success && isDeepStrictEqual(zod.data, fast);
  });
}

describe('the fast path of a plan read', () => {
  it('never accepts what zod rejects, and returns what zod returns', () => {
    fc.assert(agreesWithZod(acceptPlanFast), { numRuns: 3000, seed: 11 });
  });

  it('accepts every plan a planner writes (it is not a path that always defers to zod)', () => {
    fc.assert(
      fc.property(validPlan, (plan) => acceptPlanFast(structuredClone(plan)) !== undefined),
      { numRuns: 500, seed: 12 },
    );
  });

  it('catches a fast path that forgets to check the TTL', () => {
    const withoutTtl: Accept = (input) => {
      const copy = structuredClone(input) as { endpoints?: unknown };
      if (Array.isArray(copy?.endpoints))
        for (const e of copy.endpoints as Array<Record<string, unknown>>)
          if (typeof e === 'object' && e !== null && 'ttl' in e) e.ttl = 60;
      return acceptPlanFast(copy) ? (input as Plan) : undefined;
    };
    const result = fc.check(agreesWithZod(withoutTtl), { numRuns: 3000, seed: 11 });
    expect(result.failed).toBe(true);
  });

  it('leaves errors to zod, which names the field', () => {
    const plan = { generation: 1, createdAt: '2026-12-06T00:00:00Z', createdBy: 't', zone: 'z.test.', endpoints: [] };
    const bad = {
      ...plan,
      endpoints: [
        { name: 'a.z.test.', type: 'A', ttl: 60, sets: [{ setIdentifier: 'x', weight: 1, values: ['300.1.1.1'] }] },
      ],
    };
    expect(() => parseOwnedPlan(bad, 'plan file p')).toThrow(PlanValidationError);
    expect(() => parseOwnedPlan(bad, 'plan file p')).toThrow(/endpoints\[0\]\.sets\[0\]\.values\[0\]|300\.1\.1\.1/);
  });

  it('hands a plan with names to normalise to zod, which normalises them', () => {
    const plan = { generation: 1, createdAt: '2026-12-06T00:00:00Z', createdBy: 't', zone: 'Z.test', endpoints: [] };
    expect(acceptPlanFast(plan)).toBeUndefined();
    expect(parseOwnedPlan(plan, 'p').zone).toBe('z.test.');
  });
});
