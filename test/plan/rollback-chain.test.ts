// The rollback chain (pure): from the latest plan's content toward an old generation's, every step within the
// planner's velocity limit, the last step exactly the target.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CHAIN_STEPS, rollbackChain } from '../../src/plan/rollback-chain.js';
import type { EndpointPlan } from '../../src/plan/schema.js';

const endpoint = (
  label: string,
  weights: Record<string, number>,
  address = (id: string) => `192.0.2.${id.charCodeAt(0) % 200}`,
): EndpointPlan => ({
  name: `${label}.example.test.`,
  type: 'A',
  ttl: 60,
  sets: Object.entries(weights).map(([id, weight]) => ({ setIdentifier: id, weight, values: [address(id)] })),
});
const weightsOf = (endpoints: EndpointPlan[], label: string) =>
  Object.fromEntries(
    endpoints.find((e) => e.name === `${label}.example.test.`)?.sets.map((set) => [set.setIdentifier, set.weight]) ??
      [],
  );

/**
 * Serving weight an endpoint loses from one content to the next, and the step budget the planner's rule allows:
 * floor(share × the endpoint's weight), the weight being fixed for the chain (each set at the larger of its
 * weight at the start and in the target).
 */
function dropAndBudget(
  start: EndpointPlan,
  before: EndpointPlan,
  after: EndpointPlan,
  target: EndpointPlan,
  share: number,
) {
  const weight = (e: EndpointPlan, id: string) => e.sets.find((set) => set.setIdentifier === id)?.weight ?? 0;
  const ids = new Set([...start.sets, ...before.sets, ...after.sets, ...target.sets].map((set) => set.setIdentifier));
  let drop = 0;
  let total = 0;
  for (const id of ids) {
    drop += Math.max(0, weight(before, id) - weight(after, id));
    total += Math.max(weight(start, id), weight(target, id));
  }
  return { drop, budget: Math.max(1, Math.floor(share * total)) };
}

describe('rollbackChain', () => {
  it('1020 -> 255 at 25% is three generations, 255 units each, as the planner drains (issue 11 case 3)', () => {
    const from = [endpoint('api', { a: 255, b: 255, c: 255, d: 255 })];
    const to = [endpoint('api', { a: 255 })];
    const steps = rollbackChain(from, to, { maxDropShare: 0.25 });
    expect(steps.map((step) => weightsOf(step.endpoints, 'api'))).toEqual([
      { a: 255, b: 170, c: 170, d: 170 },
      { a: 255, b: 85, c: 85, d: 85 },
      { a: 255 },
    ]);
    expect(steps.map((step) => step.limited)).toEqual([['api.example.test. A'], ['api.example.test. A'], []]);
    expect(steps.at(-1)!.endpoints).toEqual(to);
  });

  it('--force is one step straight to the target', () => {
    const steps = rollbackChain([endpoint('api', { a: 255, b: 255, c: 255, d: 255 })], [endpoint('api', { a: 255 })], {
      maxDropShare: 0.25,
      force: true,
    });
    expect(steps).toHaveLength(1);
    expect(weightsOf(steps[0].endpoints, 'api')).toEqual({ a: 255 });
  });

  it('rises and new values are taken at once; an added endpoint appears in the first step, a dropped one stays until the last', () => {
    const from = [endpoint('api', { a: 255, b: 255 }), endpoint('old', { a: 10 })];
    const to = [
      endpoint('api', { a: 40, c: 255 }, (id) => `198.51.100.${id.charCodeAt(0) % 200}`),
      endpoint('new', { x: 5 }),
    ];
    const steps = rollbackChain(from, to, { maxDropShare: 0.25 });
    expect(steps.length).toBeGreaterThan(1);
    const first = steps[0].endpoints;
    expect(weightsOf(first, 'api').c).toBe(255);
    expect(
      first.find((e) => e.name === 'api.example.test.')!.sets.find((set) => set.setIdentifier === 'a')!.values,
    ).toEqual(['198.51.100.97']);
    expect(weightsOf(first, 'new')).toEqual({ x: 5 });
    for (const step of steps.slice(0, -1)) expect(weightsOf(step.endpoints, 'old')).toEqual({ a: 10 });
    expect(steps.at(-1)!.endpoints).toEqual(to);
  });

  it('refuses a share that would make an absurdly long chain, and a share out of range', () => {
    const from = [endpoint('api', { a: 255, b: 255, c: 255, d: 255 })];
    const to = [endpoint('api', { a: 255 })];
    expect(() => rollbackChain(from, to, { maxDropShare: 0.001 })).toThrow(
      `would take more than ${MAX_CHAIN_STEPS} generations; raise the share or use --force`,
    );
    expect(() => rollbackChain(from, to, { maxDropShare: 0 })).toThrow('max drop share must be in (0, 1], got 0');
  });

  it('property: every step is within the velocity limit, never empties an endpoint, and the chain ends exactly at the target', () => {
    fc.assert(chainProperty(false), { numRuns: 500, seed: 11 });
  });

  it('the same property catches a one-step rollback (--force, the jump of issue 11 case 3)', () => {
    const result = fc.check(chainProperty(true), { numRuns: 500, seed: 11 });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toMatch(/expected \d+ to be less than or equal to \d+/);
  });
});

/** Steps within the velocity limit, never empty, ending at the target; `force` is the one-step jump it must catch. */
function chainProperty(force: boolean) {
  const sets = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.integer({ min: 1, max: 255 }), {
    minKeys: 1,
    maxKeys: 5,
  });
  const zone = fc.dictionary(fc.constantFrom('api', 'web', 'auth'), sets, { minKeys: 1, maxKeys: 3 });
  const share = fc.constantFrom(0.1, 0.25, 0.5, 1);
  return fc.property(zone, zone, share, (fromZone, toZone, maxDropShare) => {
    const from = Object.entries(fromZone).map(([label, w]) => endpoint(label, w));
    const to = Object.entries(toZone).map(([label, w]) => endpoint(label, w));
    const steps = rollbackChain(from, to, { maxDropShare, force });
    expect(steps.at(-1)!.endpoints).toEqual(to);
    let before = from;
    for (const step of steps) {
      for (const target of to) {
        const start = from.find((e) => e.name === target.name);
        const was = before.find((e) => e.name === target.name);
        const now = step.endpoints.find((e) => e.name === target.name)!;
        expect(now.sets.length).toBeGreaterThan(0);
        if (!start || !was) continue;
        const { drop, budget } = dropAndBudget(start, was, now, target, maxDropShare);
        expect(drop).toBeLessThanOrEqual(budget);
      }
      // An endpoint the target drops is unchanged until the last step.
      for (const gone of from.filter((e) => !to.some((t) => t.name === e.name))) {
        if (step !== steps.at(-1)) expect(step.endpoints.find((e) => e.name === gone.name)).toEqual(gone);
      }
      before = step.endpoints;
    }
  });
}
