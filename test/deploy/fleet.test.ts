// The fleet `dnsplane up` plans for: the example moved under --zone, loopback health checks sent to the
// simulator, real health checks left alone, and a --zone that contradicts --fleet refused.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentFleet, simulatedLoadBalancers, writeDeploymentFleet } from '../../src/deploy/fleet.js';
import { loadFleet } from '../../src/plan/fleet.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-deploy-fleet-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('deploymentFleet', () => {
  it('is the example fleet by default, and moves it under --zone', async () => {
    expect((await deploymentFleet(undefined, undefined)).zone).toBe('example.test.');
    const moved = await deploymentFleet(undefined, 'Corp.Test');
    expect(moved.zone).toBe('corp.test.');
    expect([...new Set(moved.endpoints.map((endpoint) => endpoint.name))]).toEqual([
      'api.corp.test.',
      'www.corp.test.',
    ]);
  });

  it('refuses a --zone that differs from the zone of --fleet', async () => {
    const file = path.join(dir, 'mine.json');
    await fs.writeFile(
      file,
      JSON.stringify({
        zone: 'mine.test.',
        endpoints: [
          {
            name: 'a.mine.test.',
            type: 'A',
            loadBalancers: [
              { id: 'x', addresses: ['192.0.2.1'], capacity: 1, healthCheckUrl: 'http://127.0.0.1:1/health/x' },
            ],
          },
        ],
      }),
    );
    await expect(deploymentFleet(file, 'other.test')).rejects.toThrow(
      `--zone other.test differs from the zone of --fleet ${file} (mine.test.)`,
    );
    expect((await deploymentFleet(file, 'mine.test')).zone).toBe('mine.test.');
  });
});

describe('writeDeploymentFleet', () => {
  it('sends loopback health checks to the simulator and leaves real ones alone, as a valid fleet file', async () => {
    const fleet = await deploymentFleet(undefined, undefined);
    const real = {
      ...fleet,
      endpoints: [
        {
          ...fleet.endpoints[0],
          loadBalancers: [
            {
              ...fleet.endpoints[0].loadBalancers[0],
              id: 'lb-real',
              healthCheckUrl: 'https://lb.example.net/healthz',
            },
          ],
        },
        ...fleet.endpoints.slice(1),
      ],
    };
    expect(simulatedLoadBalancers(real)).not.toContain('lb-real');
    expect(simulatedLoadBalancers(real)).toContain('web-4');
    const file = path.join(dir, 'fleet.json');
    await writeDeploymentFleet(real, 'http://127.0.0.1:40001', file);
    const written = await loadFleet(file);
    const urls = written.endpoints.flatMap((endpoint) =>
      endpoint.loadBalancers.map((lb) => [lb.id, lb.healthCheckUrl]),
    );
    expect(urls).toContainEqual(['lb-real', 'https://lb.example.net/healthz']);
    expect(urls).toContainEqual(['web-4', 'http://127.0.0.1:40001/health/web-4']);
    expect(
      urls.filter(([id]) => id !== 'lb-real').every(([, url]) => url.startsWith('http://127.0.0.1:40001/health/')),
    ).toBe(true);
  });
});
