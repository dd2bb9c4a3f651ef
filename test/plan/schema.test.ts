import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FleetValidationError, loadFleet, parseFleet } from '../../src/plan/fleet.js';
import { parsePlan, PlanValidationError } from '../../src/plan/schema.js';

const lb = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  addresses: ['192.0.2.1'],
  capacity: 100,
  healthCheckUrl: `http://127.0.0.1:9/health/${id}`,
  ...extra,
});

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a validation error');
}

describe('fleet schema', () => {
  it('fills defaults and normalises names', () => {
    const fleet = parseFleet({
      zone: 'Example.TEST',
      endpoints: [{ name: 'api.example.test', type: 'A', loadBalancers: [lb('a')] }],
    });
    expect(fleet.zone).toBe('example.test.');
    expect(fleet.endpoints[0].name).toBe('api.example.test.');
    expect(fleet.defaults).toEqual({
      ttl: 60,
      maxCapacityDropShare: 0.25,
      failuresToUnhealthy: 3,
      successesToHealthy: 2,
      healthTimeoutMs: 2000,
    });
  });

  it('names the field of a bad address, a bad capacity and a bad URL', () => {
    const bad = {
      zone: 'example.test.',
      endpoints: [
        {
          name: 'api.example.test.',
          type: 'A',
          loadBalancers: [
            lb('a', { addresses: ['2001:db8::1'] }),
            lb('b', { capacity: -1 }),
            lb('c', { healthCheckUrl: 'ftp://x' }),
          ],
        },
      ],
    };
    expect(() => parseFleet(bad, 'fleet.json')).toThrowError(FleetValidationError);
    const message = messageOf(() => parseFleet(bad, 'fleet.json'));
    expect(message).toContain('fleet.json');
    expect(message).toContain('endpoints[0].loadBalancers[0].addresses[0]');
    expect(message).toContain('not an IPv4 address');
    expect(message).toContain('endpoints[0].loadBalancers[1].capacity');
    expect(message).toContain('endpoints[0].loadBalancers[2].healthCheckUrl');
  });

  it('rejects duplicate load balancers, endpoints outside the zone and a share above 1', () => {
    const message = messageOf(() =>
      parseFleet({
        zone: 'example.test.',
        defaults: { maxCapacityDropShare: 1.5 },
        endpoints: [{ name: 'api.other.test.', type: 'A', loadBalancers: [lb('a'), lb('a')] }],
      }),
    );
    expect(message).toContain('at defaults.maxCapacityDropShare');
    expect(message).toContain('duplicate load balancer id a\n  → at endpoints[0].loadBalancers[1].id');
    expect(message).toContain('api.other.test. is outside zone example.test.\n  → at endpoints[0].name');
  });

  it('names the file when it is not JSON', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dnsplane-fleet-'));
    const file = path.join(dir, 'fleet.json');
    await writeFile(file, '{ "zone": ');
    await expect(loadFleet(file)).rejects.toThrowError(
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a valid fleet file:\\nnot JSON`),
    );
    await expect(loadFleet(path.join(dir, 'missing.json'))).rejects.toThrowError(/cannot read fleet file/);
  });
});

describe('plan schema', () => {
  const planWith = (endpoints: unknown[]) => ({
    generation: 1,
    createdAt: new Date().toISOString(),
    createdBy: 'test',
    zone: 'example.test.',
    endpoints,
  });

  it('rejects an empty endpoint and a weight above 255, naming the fields', () => {
    const plan = planWith([
      { name: 'api.example.test.', type: 'A', ttl: 60, sets: [] },
      {
        name: 'www.example.test.',
        type: 'A',
        ttl: 60,
        sets: [{ setIdentifier: 'a', weight: 256, values: ['192.0.2.1'] }],
      },
    ]);
    expect(() => parsePlan(plan, 'p.json')).toThrowError(PlanValidationError);
    const message = messageOf(() => parsePlan(plan, 'p.json'));
    expect(message).toContain('p.json is not a valid plan');
    expect(message).toContain('an endpoint must have at least one record set\n  → at endpoints[0].sets');
    expect(message).toContain('at endpoints[1].sets[0].weight');
  });

  it('rejects a value that is not an address of the endpoint type, or a repeated one, naming the field', () => {
    const message = messageOf(() =>
      parsePlan(
        planWith([
          {
            name: 'api.example.test.',
            type: 'A',
            ttl: 60,
            sets: [{ setIdentifier: 'a', weight: 1, values: ['192.0.2.1', 'lb.example.test'] }],
          },
          {
            name: 'api.example.test.',
            type: 'AAAA',
            ttl: 60,
            sets: [{ setIdentifier: 'a', weight: 1, values: ['192.0.2.1'] }],
          },
          {
            name: 'www.example.test.',
            type: 'A',
            ttl: 60,
            sets: [{ setIdentifier: 'a', weight: 1, values: ['192.0.2.1', '192.0.2.1'] }],
          },
        ]),
        'p.json',
      ),
    );
    expect(message).toContain('lb.example.test is not an IPv4 address\n  → at endpoints[0].sets[0].values[1]');
    expect(message).toContain('192.0.2.1 is not an IPv6 address\n  → at endpoints[1].sets[0].values[0]');
    expect(message).toContain('duplicate address 192.0.2.1\n  → at endpoints[2].sets[0].values[1]');
    const valid = {
      name: 'api.example.test.',
      type: 'A',
      ttl: 60,
      sets: [{ setIdentifier: 'a', weight: 1, values: ['192.0.2.1', '192.0.2.2'] }],
    };
    expect(parsePlan(planWith([valid])).endpoints).toHaveLength(1);
  });
});
