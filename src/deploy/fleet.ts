// The fleet `dnsplane up` plans for: the user's fleet file or the repository's example, with every health
// check that points at loopback redirected to the fleet simulator `up` starts (whose port is only known once
// it listens). Health checks pointing elsewhere are real load balancers and are left alone.
import { fileURLToPath } from 'node:url';
import { writeJsonFile } from '../files/json.js';
import { loadFleet, type Fleet } from '../plan/fleet.js';
import { normalizeName } from '../route53/recordset.js';

export const EXAMPLE_FLEET = fileURLToPath(new URL('../../examples/fleet.json', import.meta.url));

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Loads the fleet; with no file, the example fleet, moved under `zone` when one is given. */
export async function deploymentFleet(file: string | undefined, zone: string | undefined): Promise<Fleet> {
  const fleet = await loadFleet(file ?? EXAMPLE_FLEET);
  if (zone === undefined || normalizeName(zone) === normalizeName(fleet.zone)) return fleet;
  if (file !== undefined)
    throw new Error(
      `--zone ${zone} differs from the zone of --fleet ${file} (${fleet.zone}); leave --zone out or fix the fleet file`,
    );
  const from = normalizeName(fleet.zone);
  const to = normalizeName(zone);
  const move = (name: string) => normalizeName(name).slice(0, -from.length) + to;
  return {
    ...fleet,
    zone: to,
    endpoints: fleet.endpoints.map((endpoint) => ({ ...endpoint, name: move(endpoint.name) })),
  };
}

/** Load balancer ids whose health check is on loopback: the ones the fleet simulator stands in for. */
export function simulatedLoadBalancers(fleet: Fleet): string[] {
  const ids = new Set<string>();
  for (const endpoint of fleet.endpoints) {
    for (const lb of endpoint.loadBalancers)
      if (LOOPBACK_HOSTS.has(new URL(lb.healthCheckUrl).hostname)) ids.add(lb.id);
  }
  return [...ids];
}

/** Writes the fleet with loopback health checks sent to the simulator at `simUrl` (http://127.0.0.1:PORT). */
export async function writeDeploymentFleet(fleet: Fleet, simUrl: string | undefined, file: string): Promise<void> {
  const redirected: Fleet = {
    ...fleet,
    endpoints: fleet.endpoints.map((endpoint) => ({
      ...endpoint,
      loadBalancers: endpoint.loadBalancers.map((lb) =>
        simUrl && LOOPBACK_HOSTS.has(new URL(lb.healthCheckUrl).hostname)
          ? { ...lb, healthCheckUrl: `${simUrl}/health/${encodeURIComponent(lb.id)}` }
          : lb,
      ),
    })),
  };
  await writeJsonFile(file, redirected);
}
