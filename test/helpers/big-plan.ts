// A large plan for the tests of the sharded plan layout (file and S3 stores).
import type { Plan } from '../../src/plan/schema.js';

/** A plan of `count` endpoints in a deliberately unsorted order (the planner's order is the fleet's). */
export function bigPlan(generation: number, count: number, weight = 10): Plan {
  return {
    generation,
    createdAt: new Date(0).toISOString(),
    createdBy: 'test',
    zone: 'example.test.',
    endpoints: Array.from({ length: count }, (_, i) => ({
      name: `e${(i * 7919) % count}.example.test.`,
      type: 'A' as const,
      ttl: 30,
      sets: [
        { setIdentifier: 'a', weight, values: [`192.0.2.${i % 250}`] },
        { setIdentifier: 'b', weight, values: [`198.51.100.${i % 250}`] },
      ],
    })),
  };
}
