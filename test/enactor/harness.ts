// Shared set-up for the enactor's integration tests: a real authority, a real zone, a file plan store in a
// temp dir, and helpers to write plans and read the zone back through the real SDK.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ChangeResourceRecordSetsCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { Enactor } from '../../src/enactor/enactor.js';
import { type EnactorOptions } from '../../src/enactor/options.js';
import { groupZone, type LiveZone } from '../../src/enactor/live.js';
import { shardOf } from '../../src/enactor/shard-fence.js';
import { FilePlanStore } from '../../src/plan/file-store.js';
import type { Plan } from '../../src/plan/schema.js';
import { Route53Caller } from '../../src/route53/caller.js';
import { hookPort, type Route53Port } from '../../src/route53/port.js';
import { Gate } from '../../src/scenario/faults.js';
import { listRecordSets } from '../../src/route53/paging.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';
import type { AuthorityOptions } from '../../src/authority/index.js';
import { afterAll, beforeAll } from 'vitest';
import { runDnsplane, type CliResult } from '../helpers/cli.js';

export const ZONE = 'dnsplane.test.';

export interface Rig {
  test: TestAuthority;
  /** The authority's SDK client (for the tests' own direct calls). */
  client: Route53Client;
  /** The same client as a Route53 port (what the enactor and the readers take). */
  port: Route53Port;
  zoneId: string;
  store: FilePlanStore;
  dir: string;
  /** Writes generation `generation` with endpoints name → weights (one address per set unless `values` says more). */
  writePlan(
    generation: number,
    endpoints: Record<string, number[]>,
    values?: (endpoint: string, set: number) => string[],
  ): Promise<Plan>;
  enactor(id: string, options?: Partial<EnactorOptions>): Enactor;
  view(): Promise<LiveZone>;
  close(): Promise<void>;
}

export const host = (label: string) => `${label}.${ZONE}`;

export function planOf(
  generation: number,
  endpoints: Record<string, number[]>,
  values?: (endpoint: string, set: number) => string[],
): Plan {
  return {
    generation,
    createdAt: new Date().toISOString(),
    createdBy: 'test',
    zone: ZONE,
    endpoints: Object.entries(endpoints).map(([label, weights], e) => ({
      name: host(label),
      type: 'A' as const,
      ttl: 30,
      sets: weights.map((weight, i) => ({
        setIdentifier: `lb-${i}`,
        weight,
        values: values?.(label, i) ?? [`10.${e}.${i}.1`],
      })),
    })),
  };
}

export async function startRig(authorityOptions: Partial<AuthorityOptions> = {}): Promise<Rig> {
  const test = await startTestAuthority(authorityOptions);
  const zoneId = await test.createZone(ZONE);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-enactor-'));
  const store = new FilePlanStore(path.join(dir, 'plans'));
  const logger = createLogger('enactor', 'silent');
  // The tests' own reads retry too, so that they survive an authority started with a rate limit.
  const reader = new Route53Caller(test.port, { policy: { baseMs: 50, capMs: 1_000, retries: 10 } });
  return {
    test,
    client: test.client,
    port: test.port,
    zoneId,
    store,
    dir,
    async writePlan(generation, endpoints, values) {
      const plan = planOf(generation, endpoints, values);
      await store.write(plan);
      return plan;
    },
    enactor: (id, options = {}) =>
      new Enactor({
        id,
        store,
        client: test.port,
        zone: ZONE,
        logger,
        retry: { baseMs: 5, capMs: 100 },
        verifyEveryMs: 0,
        ...options,
      }),
    view: async () => groupZone(await listRecordSets(reader, zoneId)),
    async close() {
      await test.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Weights of an endpoint as live, by set identifier order. */
export function liveWeights(view: LiveZone, label: string): number[] {
  const sets = view.endpoints.get(`${host(label)} A`)?.sets ?? [];
  return [...sets]
    .sort((a, b) => (a.setIdentifier ?? '').localeCompare(b.setIdentifier ?? ''))
    .map((set) => set.weight ?? -1);
}

/** The generation of the fence of the endpoint's shard (the endpoint itself may have no records: removed). */
export function fenceGeneration(view: LiveZone, label: string): number | undefined {
  return view.shardFences.get(ZONE)?.get(shardOf(host(label), 'A'))?.generation;
}

/**
 * A delayed enactor's port: its first `stalls` ChangeResourceRecordSets wait until released (`stalled` resolves when
 * the first one arrives).
 */
export function stallingPort(port: Route53Port, stalls = 1) {
  const gate = new Gate('stalled write');
  let left = stalls;
  const client = hookPort(port, {
    async before(call) {
      if (call.method === 'changeResourceRecordSets' && left-- > 0) await gate.wait();
    },
  });
  return { client, stalled: gate.reached, release: () => gate.open() };
}

/** What the CLI tests sign with (the authority accepts test/test). */
export const CLI_ENV = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };

export interface CliRig {
  /** Set by the suite's beforeAll. */
  rig: Rig;
  /** --plans, --endpoint-url and --zone pointing a command at the rig. */
  common: string[];
  /** Runs the real binary in the rig's directory. */
  cli: (...args: string[]) => Promise<CliResult>;
}

/** A rig for a suite of CLI tests: started before the suite, closed after it. */
export function cliRig(): CliRig {
  const suite = {
    cli: (...args: string[]) => runDnsplane(args, { cwd: suite.rig.dir, env: CLI_ENV }),
  } as CliRig;
  beforeAll(async () => {
    suite.rig = await startRig();
    suite.common = [
      '--plans',
      suite.rig.store.dir,
      '--endpoint-url',
      suite.rig.test.authority.endpoint,
      '--zone',
      ZONE,
    ];
  });
  afterAll(async () => suite.rig?.close());
  return suite;
}

/** Someone puts a CNAME where a plan wants weighted A sets: Route53 then refuses every batch that creates them. */
export async function poisonWithCname(rig: Rig, label: string): Promise<void> {
  await rig.client.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: rig.zoneId,
      ChangeBatch: {
        Changes: [
          {
            Action: 'CREATE',
            ResourceRecordSet: {
              Name: host(label),
              Type: 'CNAME',
              TTL: 60,
              ResourceRecords: [{ Value: 'elsewhere.example.' }],
            },
          },
        ],
      },
    }),
  );
}
