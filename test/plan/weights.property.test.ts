// Property: whatever the fleet and however health flaps, no generation is empty, every weight is valid,
// no generation takes more than the velocity budget out of service, and a steady state is reached.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EndpointPlanSchema, type EndpointPlan } from '../../src/plan/schema.js';
import { fullWeight, planEndpoint } from '../../src/plan/weights.js';

const fleetArb = fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 8 });

function removedWeight(before: EndpointPlan, after: EndpointPlan): number {
  const next = new Map(after.sets.map((set) => [set.setIdentifier, set.weight]));
  return before.sets.reduce((sum, set) => sum + Math.max(0, set.weight - (next.get(set.setIdentifier) ?? 0)), 0);
}

describe('planner weights (property)', () => {
  it('never plans an empty endpoint and never removes more than the share per generation', () => {
    fc.assert(
      fc.property(
        fleetArb,
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.array(fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), { minLength: 1, maxLength: 12 }),
        (capacities, share, healthRounds) => {
          const largest = Math.max(...capacities);
          const total = capacities.reduce((sum, c) => sum + fullWeight(c, largest), 0);
          const budget = Math.max(1, Math.floor(share * total));
          let previous: EndpointPlan | undefined;
          for (const health of healthRounds) {
            const loadBalancers = capacities.map((capacity, i) => ({
              id: `lb-${i}`,
              addresses: [`192.0.2.${i + 1}`],
              capacity,
              healthy: health[i],
            }));
            const decision = planEndpoint({
              name: 'api.example.test.',
              type: 'A',
              ttl: 60,
              loadBalancers,
              maxDropShare: share,
              ...(previous ? { previous } : {}),
            });
            expect(decision.plan.sets.length).toBeGreaterThan(0);
            expect(EndpointPlanSchema.safeParse(decision.plan).success).toBe(true);
            expect(decision.plan.sets.every((set) => set.weight >= 1 && set.weight <= 255)).toBe(true);
            if (previous) expect(removedWeight(previous, decision.plan)).toBeLessThanOrEqual(budget);
            previous = decision.plan;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reaches the healthy target within ceil(1/share) + 1 generations once health holds still', () => {
    fc.assert(
      fc.property(
        fleetArb,
        fc.double({ min: 0.1, max: 1, noNaN: true }),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        (capacities, share, health) => {
          fc.pre(capacities.some((_, i) => health[i]));
          const lbs = (healthy: (i: number) => boolean) =>
            capacities.map((capacity, i) => ({
              id: `lb-${i}`,
              addresses: [`192.0.2.${i + 1}`],
              capacity,
              healthy: healthy(i),
            }));
          const base = { name: 'api.example.test.', type: 'A' as const, ttl: 60, maxDropShare: share };
          let previous = planEndpoint({ ...base, loadBalancers: lbs(() => true) }).plan;
          const target = planEndpoint({ ...base, loadBalancers: lbs((i) => health[i]) }).plan;
          // The budget is floor(share × total) and total >= 255, so rounding costs at most one extra generation.
          for (let generation = 0; generation < Math.ceil(1 / share) + 1; generation++) {
            previous = planEndpoint({ ...base, loadBalancers: lbs((i) => health[i]), previous }).plan;
          }
          expect(previous).toEqual(target);
        },
      ),
      { numRuns: 300 },
    );
  });
});
