// Invariant I8: the planner never writes a generation at or below the highest live fence. The fences are real:
// an enactor applies a plan to a zone of the real authority (over HTTP, through the SDK), then the planner
// runs against a plan store that is behind it (new, wiped, or restored from an old backup).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Enactor } from '../../src/enactor/enactor.js';
import { highestLiveFence } from '../../src/enactor/highest-fence.js';
import { FilePlanStore } from '../../src/plan/file-store.js';
import { parseFleet, type Fleet } from '../../src/plan/fleet.js';
import { describeStoreBehind, nextGeneration, Planner } from '../../src/plan/planner.js';
import type { Plan } from '../../src/plan/schema.js';
import { FleetSim } from '../../src/scenario/fleet-sim.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';
import { runDnsplane } from '../helpers/cli.js';

const ZONE = 'numbering.test.';
const logger = createLogger('numbering-test', 'silent');
let sim: FleetSim;
let authority: TestAuthority;
let zoneId: string;
let dir: string;
let fleet: Fleet;
let fleetFile: string;

/** A plan of the fleet's endpoint at `generation`, every load balancer at full weight. */
const planAt = (generation: number): Plan => ({
  generation,
  createdAt: new Date().toISOString(),
  createdBy: 'numbering-test',
  zone: ZONE,
  endpoints: [
    {
      name: `api.${ZONE}`,
      type: 'A',
      ttl: 60,
      sets: ['lb-a', 'lb-b'].map((id, i) => ({ setIdentifier: id, weight: 255, values: [`192.0.2.${i + 1}`] })),
    },
  ],
});

/** Makes `generation` live in the zone's fences: an enactor applies it from a store of its own. */
async function makeLive(generation: number): Promise<void> {
  const store = new FilePlanStore(await mkdtemp(path.join(dir, 'enacted-')));
  await store.write(planAt(generation));
  const summary = await new Enactor({ id: 'enactor', store, client: authority.port, zone: zoneId, logger }).runOnce();
  expect(summary.failed).toEqual([]);
  expect(await highestLiveFence(authority.port, zoneId)).toBe(generation);
}

const newStore = async () => new FilePlanStore(await mkdtemp(path.join(dir, 'plans-')));
const planner = (store: FilePlanStore, read = () => highestLiveFence(authority.port, zoneId)) =>
  new Planner({ fleet, store, logger, highestLiveFence: read });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dnsplane-numbering-'));
  sim = await FleetSim.start(['lb-a', 'lb-b']);
  authority = await startTestAuthority();
  zoneId = await authority.createZone(ZONE);
  fleet = parseFleet({
    zone: ZONE,
    defaults: { failuresToUnhealthy: 1, successesToHealthy: 1, healthTimeoutMs: 2000 },
    endpoints: [
      {
        name: `api.${ZONE}`,
        type: 'A',
        loadBalancers: ['lb-a', 'lb-b'].map((id, i) => ({
          id,
          addresses: [`192.0.2.${i + 1}`],
          capacity: 100,
          healthCheckUrl: sim.url(id),
        })),
      },
    ],
  });
  fleetFile = path.join(dir, 'fleet.json');
  await writeFile(fleetFile, JSON.stringify(fleet));
});
afterAll(async () => {
  await sim.close();
  await authority.close();
  await rm(dir, { recursive: true, force: true });
});

describe('planner numbering above the live fences (I8)', () => {
  it('nextGeneration is above both the store and the fences', () => {
    expect(nextGeneration(0, 0)).toBe(1);
    expect(nextGeneration(4, 2)).toBe(5);
    expect(nextGeneration(2, 7)).toBe(8);
    expect(nextGeneration(0, 7)).toBe(8);
  });

  it('an empty store over a zone live at generation 5 writes generation 6, and says why', async () => {
    await makeLive(5);
    const store = await newStore();
    const pass = await planner(store).pass({ write: true });
    expect(pass).toMatchObject({ written: true, reason: 'first', behind: { stored: 0, live: 5 } });
    expect(pass.plan.generation).toBe(6);
    expect(await store.list()).toEqual([6]);
    expect(describeStoreBehind(pass.behind!, 6)).toBe(
      "the plan store has no plan, but generation 5 is live in the zone's fences (a new, wiped or restored plan store?): numbering continues above the live fence, with generation 6",
    );
    // Once the store is ahead again, numbering is the store's own.
    sim.set('lb-b', 'down');
    const next = await planner(store).pass({ write: true });
    sim.set('lb-b', 'up');
    expect(next).toMatchObject({ written: true, reason: 'changed' });
    expect(next.behind).toBeUndefined();
    expect(next.plan.generation).toBe(7);
  });

  it('a store restored behind the zone writes above the live fence even when nothing changed (else every enactor stands down)', async () => {
    await makeLive(9);
    const store = await newStore();
    await store.write({ ...planAt(3), createdBy: 'restored backup' });
    const pass = await planner(store).pass({ write: true });
    expect(pass).toMatchObject({ written: true, reason: 'behind-live', behind: { stored: 3, live: 9 } });
    expect(pass.diff.changed).toBe(false);
    expect(await store.list()).toEqual([3, 10]);
    // The zone is now behind the store: the next unchanged pass writes nothing.
    expect(await planner(store).pass({ write: true })).toMatchObject({ written: false, reason: 'unchanged' });
  });

  it('without a fence reader the planner numbers from the store alone (the gap I8 closes)', async () => {
    await makeLive(12);
    const store = await newStore();
    const pass = await new Planner({ fleet, store, logger }).pass({ write: false });
    expect(pass.plan.generation).toBe(1);
    expect(pass.behind).toBeUndefined();
  });

  it('a fence read that fails fails the pass and writes nothing', async () => {
    const store = await newStore();
    const failing = planner(store, async () => {
      throw new Error('connect ECONNREFUSED');
    });
    await expect(failing.pass({ write: true })).rejects.toThrow(
      /cannot read the zone's live fences, so the next generation number is unknown .*ECONNREFUSED/,
    );
    expect(await store.list()).toEqual([]);
  });

  it('dnsplane plan --write --endpoint-url prints what happened and the number used; without an endpoint it notes that fences were not read', async () => {
    await makeLive(20);
    const plans = path.join(dir, 'cli-plans');
    const env = { AWS_ENDPOINT_URL_ROUTE_53: '', AWS_ENDPOINT_URL: '', DNSPLANE_LOG_LEVEL: undefined };
    const written = await runDnsplane(
      ['plan', '--fleet', fleetFile, '--plans', plans, '--write', '--endpoint-url', authority.authority.endpoint],
      { cwd: dir, env },
    );
    expect(written.stderr).toBe('');
    expect(written.code).toBe(0);
    // Said once, as a line of the pass, not again as a log line (the log level here is the default).
    expect(written.stdout.split('numbering continues above the live fence').length - 1).toBe(1);
    expect(written.stdout).toContain(
      "! the plan store has no plan, but generation 20 is live in the zone's fences (a new, wiped or restored plan store?): numbering continues above the live fence, with generation 21",
    );
    expect(written.stdout).toContain('wrote generation 21 to');
    expect(await new FilePlanStore(plans).list()).toEqual([21]);

    const json = await runDnsplane(
      [
        'plan',
        '--fleet',
        fleetFile,
        '--plans',
        path.join(dir, 'cli-json'),
        '--json',
        '--endpoint-url',
        authority.authority.endpoint,
      ],
      { cwd: dir, env },
    );
    expect(JSON.parse(json.stdout)).toMatchObject({
      written: false,
      behind: { stored: 0, live: 20 },
      plan: { generation: 21 },
    });

    const blind = await runDnsplane(['plan', '--fleet', fleetFile, '--plans', path.join(dir, 'cli-blind'), '--write'], {
      cwd: dir,
      env,
    });
    expect(blind.code).toBe(0);
    expect(blind.stderr).toContain('live fences are not read: generation numbers come from the plan store alone');
    expect(blind.stdout).toContain('wrote generation 1 to');

    const missing = await runDnsplane(
      [
        'plan',
        '--fleet',
        fleetFile,
        '--plans',
        path.join(dir, 'cli-missing'),
        '--write',
        '--endpoint-url',
        authority.authority.endpoint,
        '--zone',
        'absent.test.',
      ],
      { cwd: dir, env },
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('reading the fences of zone absent.test. at ' + authority.authority.endpoint);
  });
});
