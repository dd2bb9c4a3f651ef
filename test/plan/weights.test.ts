import { describe, expect, it } from 'vitest';
import type { EndpointPlan } from '../../src/plan/schema.js';
import { planEndpoint, type LoadBalancerInput } from '../../src/plan/weights.js';

const lb = (id: string, capacity: number, healthy = true): LoadBalancerInput => ({
  id,
  addresses: [`192.0.2.${id.charCodeAt(id.length - 1) % 250}`],
  capacity,
  healthy,
});
const endpoint = (loadBalancers: LoadBalancerInput[], previous?: EndpointPlan, maxDropShare = 0.25) => ({
  name: 'api.example.test.',
  type: 'A' as const,
  ttl: 60,
  loadBalancers,
  ...(previous ? { previous } : {}),
  maxDropShare,
});
const weights = (plan: EndpointPlan) => Object.fromEntries(plan.sets.map((set) => [set.setIdentifier, set.weight]));

describe('planEndpoint', () => {
  it('weights healthy load balancers in proportion to capacity, the largest at 255', () => {
    const decision = planEndpoint(endpoint([lb('a', 400), lb('b', 200), lb('c', 100)]));
    expect(decision.mode).toBe('normal');
    expect(weights(decision.plan)).toEqual({ a: 255, b: 128, c: 64 });
  });

  it('leaves an unhealthy load balancer out of a new endpoint', () => {
    expect(weights(planEndpoint(endpoint([lb('a', 100), lb('b', 100, false)])).plan)).toEqual({ a: 255 });
  });

  it('fails static when nothing is healthy: the previous sets stay exactly as they were', () => {
    const previous = planEndpoint(endpoint([lb('a', 100), lb('b', 50)])).plan;
    const decision = planEndpoint(endpoint([lb('a', 100, false), lb('b', 50, false)], previous));
    expect(decision.mode).toBe('fail-static');
    expect(decision.plan).toEqual(previous);
  });

  it('fails open, never empty, when nothing is healthy and there is no previous plan', () => {
    const decision = planEndpoint(endpoint([lb('a', 100, false), lb('b', 50, false)]));
    expect(decision.mode).toBe('fail-open');
    expect(weights(decision.plan)).toEqual({ a: 255, b: 128 });
  });

  it('spreads a large drop over several generations, at most 25% of the total weight each', () => {
    // Four equal load balancers (1020 weight units); three fail at once: 765 units must go, 255 per generation.
    const fleet = (healthy: boolean[]) => ['a', 'b', 'c', 'd'].map((id, i) => lb(id, 100, healthy[i]));
    let previous = planEndpoint(endpoint(fleet([true, true, true, true]))).plan;
    expect(weights(previous)).toEqual({ a: 255, b: 255, c: 255, d: 255 });
    const history: Array<Record<string, number>> = [];
    for (let generation = 0; generation < 6; generation++) {
      const decision = planEndpoint(endpoint(fleet([true, false, false, false]), previous));
      expect(decision.removed).toBeLessThanOrEqual(255);
      history.push(weights(decision.plan));
      previous = decision.plan;
    }
    expect(history).toEqual([
      { a: 255, b: 170, c: 170, d: 170 },
      { a: 255, b: 85, c: 85, d: 85 },
      { a: 255 },
      { a: 255 },
      { a: 255 },
      { a: 255 },
    ]);
  });

  it('adds capacity at once while draining under the budget', () => {
    const previous = planEndpoint(endpoint([lb('a', 100), lb('b', 100)])).plan;
    const decision = planEndpoint(endpoint([lb('a', 100, false), lb('b', 100), lb('c', 100)], previous));
    expect(decision.velocityLimited).toBe(true);
    // Total 765 units, budget 191: a keeps 64 for now; c comes in at full weight immediately.
    expect(weights(decision.plan)).toEqual({ a: 64, b: 255, c: 255 });
  });

  it('drains a load balancer removed from the fleet file like an unhealthy one, with its last values', () => {
    const previous = planEndpoint(endpoint([lb('a', 100), lb('b', 100), lb('z', 100)])).plan;
    const decision = planEndpoint(endpoint([lb('a', 100), lb('b', 100)], previous, 0.1));
    const z = decision.plan.sets.find((set) => set.setIdentifier === 'z');
    expect(z).toEqual({ setIdentifier: 'z', weight: 255 - 76, values: previous.sets[2].values });
  });

  it('changes nothing when health and capacity are unchanged', () => {
    const previous = planEndpoint(endpoint([lb('a', 100), lb('b', 30)])).plan;
    expect(planEndpoint(endpoint([lb('a', 100), lb('b', 30)], previous)).plan).toEqual(previous);
  });
});
