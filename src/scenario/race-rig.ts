// Everything the race runs against, all real and all on loopback: the authority in-process (Route53 API over
// HTTP and DNS over UDP/TCP on ephemeral ports, journal in a temp dir), the hosted zone created through the
// SDK, a simulated fleet of load balancers answering health checks over HTTP, the real planner writing plans
// to a file store, the resolver probe, and unbound in front of the authority when it is installed.
import { CreateHostedZoneCommand, type Route53Client } from '@aws-sdk/client-route-53';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startAuthority, type Authority } from '../authority/index.js';
import { highestLiveFence } from '../enactor/highest-fence.js';
import { FilePlanStore } from '../plan/file-store.js';
import { parseFleet, type Fleet } from '../plan/fleet.js';
import { Planner } from '../plan/planner.js';
import type { Plan } from '../plan/schema.js';
import { Probe } from '../probe/probe.js';
import { latestPlanTargets } from '../probe/targets.js';
import { startUnbound, unboundInstalled, type UnboundResolver } from '../probe/unbound.js';
import { createRoute53Client } from '../route53/client.js';
import { sdkPort, type Route53Port } from '../route53/port.js';
import { createLogger } from '../telemetry/logger.js';
import { FleetSim } from './fleet-sim.js';

export const RACE_ZONE = 'dnsplane.test.';
/** The endpoint that was emptied in October 2025 stood for the service's regional endpoint. */
export const REGIONAL_ENDPOINT = `dynamodb.us-east-1.${RACE_ZONE}`;
const STREAMS_ENDPOINT = `streams.dynamodb.us-east-1.${RACE_ZONE}`;
/** The load balancer whose capacity the race changes to make the planner write new generations. */
const REWEIGHTED_LB = 'lb-3';

export interface RigOptions {
  /** 'auto' probes through unbound too when it is installed. */
  resolver: 'auto' | 'none';
  probeIntervalMs: number;
  logLevel: string;
}

export interface RaceRig {
  authority: Authority;
  zoneName: string;
  zoneId: string;
  store: FilePlanStore;
  planner: Planner;
  fleetSim: FleetSim;
  /** The simulated load balancers' ids. */
  loadBalancers: string[];
  probe: Probe;
  unbound?: UnboundResolver;
  /** Why there is no resolver path, when there is none. */
  resolverNote: string;
  /** A new SDK client for one enactor, as a port (maxAttempts 1: retries are the enactor's own). */
  client(): Route53Port;
  /** Changes one load balancer's capacity and runs a planner pass; returns the generation it wrote. */
  nextGeneration(): Promise<Plan>;
  close(): Promise<void>;
}

/** The small fleet of the race: the regional endpoint last, so a delayed enactor reaches it last. */
function raceFleet(sim: FleetSim, reweightedCapacity: number): Fleet {
  const lb = (id: string, address: string) => ({
    id,
    addresses: [address],
    capacity: id === REWEIGHTED_LB ? reweightedCapacity : 100,
    healthCheckUrl: sim.url(id),
  });
  return parseFleet(
    {
      zone: RACE_ZONE,
      // No velocity limit: every capacity change is one generation. Every set stays in every plan (only weights
      // change), so every answer the probe sees is one the latest plan also has.
      defaults: {
        ttl: 5,
        maxCapacityDropShare: 1,
        failuresToUnhealthy: 1,
        successesToHealthy: 1,
        healthTimeoutMs: 1000,
      },
      endpoints: [
        { name: STREAMS_ENDPOINT, type: 'A', loadBalancers: [lb('lb-s1', '192.0.2.21'), lb('lb-s2', '192.0.2.22')] },
        {
          name: REGIONAL_ENDPOINT,
          type: 'A',
          loadBalancers: [lb('lb-1', '192.0.2.11'), lb('lb-2', '192.0.2.12'), lb(REWEIGHTED_LB, '192.0.2.13')],
        },
      ],
    },
    'race fleet',
  );
}

export async function startRaceRig(options: RigOptions): Promise<RaceRig> {
  const closers: Array<() => Promise<unknown> | unknown> = [];
  const close = async () => {
    for (const closer of closers.reverse()) await Promise.resolve(closer()).catch(() => undefined);
  };
  try {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-race-'));
    closers.push(() => fs.rm(dir, { recursive: true, force: true }));
    const authority = await startAuthority({
      apiPort: 0,
      dnsPort: 0,
      dataDir: path.join(dir, 'authority'),
      logger: createLogger('authority', options.logLevel),
    });
    closers.push(() => authority.close());
    const clients: Route53Client[] = [];
    closers.push(() => clients.forEach((c) => c.destroy()));
    const sdk = () => {
      const c = createRoute53Client({
        endpoint: authority.endpoint,
        credentials: authority.credentials,
        maxAttempts: 1,
      });
      clients.push(c);
      return c;
    };
    const client = () => sdkPort(sdk());
    const created = await sdk().send(
      new CreateHostedZoneCommand({ Name: RACE_ZONE, CallerReference: `race-${process.pid}-${Date.now()}` }),
    );
    const zoneId = created.HostedZone!.Id!.replace(/^\/?hostedzone\//, '');

    const loadBalancers = ['lb-s1', 'lb-s2', 'lb-1', 'lb-2', REWEIGHTED_LB];
    const fleetSim = await FleetSim.start(loadBalancers);
    closers.push(() => fleetSim.close());
    const store = new FilePlanStore(path.join(dir, 'plans'));
    const fenceReader = client();
    const planner = new Planner({
      fleet: raceFleet(fleetSim, 100),
      store,
      id: 'planner',
      logger: createLogger('planner', options.logLevel),
      highestLiveFence: () => highestLiveFence(fenceReader, zoneId),
    });

    let unbound: UnboundResolver | undefined;
    let resolverNote = options.resolver === 'none' ? '--resolver none' : 'unbound is not installed';
    if (options.resolver === 'auto' && unboundInstalled()) {
      try {
        // No cache: the probe must see what the authority serves now, not an answer cached before the change.
        unbound = await startUnbound({
          zones: [RACE_ZONE],
          authority: { host: authority.host, port: authority.dnsPort },
          noCache: true,
        });
        closers.push(() => unbound!.stop());
      } catch (error) {
        // Installed but unable to start (no permission, no free port): the race still runs, straight only.
        resolverNote = `unbound did not start: ${(error as Error).message.split('\n')[0]}`;
      }
    }
    const probe = new Probe({
      targets: latestPlanTargets(store),
      authority: { host: authority.host, port: authority.dnsPort },
      ...(unbound ? { resolver: unbound.address } : {}),
      intervalMs: options.probeIntervalMs,
      timeoutMs: 1000,
    });
    closers.push(() => probe.stop());

    let passes = 0;
    const nextGeneration = async (): Promise<Plan> => {
      // Generation 1 has full capacity everywhere; after that the reweighted load balancer alternates.
      planner.setFleet(raceFleet(fleetSim, passes++ % 2 === 0 ? 100 : 40));
      const pass = await planner.pass({ write: true });
      if (!pass.written)
        throw new Error(
          `the planner wrote no generation after ${REWEIGHTED_LB} changed capacity (reason: ${pass.reason})`,
        );
      return pass.plan;
    };
    return {
      authority,
      zoneName: RACE_ZONE,
      zoneId,
      store,
      planner,
      fleetSim,
      loadBalancers,
      probe,
      ...(unbound ? { unbound } : {}),
      resolverNote,
      client,
      nextGeneration,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
