// The plan and planner commands, run as a user runs them (node bin/dnsplane.js), against a fleet simulator
// in this process and the example fleet file pointed at it.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilePlanStore } from '../../src/plan/file-store.js';
import { FleetSim } from '../../src/scenario/fleet-sim.js';
import { runDnsplane, spawnDnsplane } from '../helpers/cli.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/dnsplane.js');

let sim: FleetSim;
let dir: string;
let fleetFile: string;

const dnsplane = (...args: string[]) => runDnsplane(args, { cwd: dir });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dnsplane-cli-plan-'));
  const example = JSON.parse(await readFile(path.join(root, 'examples/fleet.json'), 'utf8'));
  const ids = new Set<string>();
  for (const endpoint of example.endpoints) for (const lb of endpoint.loadBalancers) ids.add(lb.id);
  sim = await FleetSim.start(ids);
  for (const endpoint of example.endpoints) for (const lb of endpoint.loadBalancers) lb.healthCheckUrl = sim.url(lb.id);
  fleetFile = path.join(dir, 'fleet.json');
  await writeFile(fleetFile, JSON.stringify(example));
});
afterAll(async () => {
  await sim.close();
});

describe('dnsplane plan / planner', () => {
  it('dry-runs by default, writes with --write, then reports a velocity-limited drop as a diff', async () => {
    const plans = `file:${path.join(dir, 'plans-a')}`;
    const dry = await dnsplane('plan', '--fleet', fleetFile, '--plans', plans);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('plan generation (none) -> 1 (zone example.test.)');
    expect(dry.stdout).toContain('+ lb-c weight 128 [192.0.2.30]');
    expect(dry.stdout).toContain(
      'dry run: generation 1 not written (use --write; then `dnsplane enact --id ID --dry-run` shows the Route53 changes it makes)',
    );
    expect(await new FilePlanStore(path.join(dir, 'plans-a')).list()).toEqual([]);

    expect((await dnsplane('plan', '--fleet', fleetFile, '--plans', plans, '--write')).stdout).toContain(
      'wrote generation 1 to',
    );
    expect((await dnsplane('plan', '--fleet', fleetFile, '--plans', plans, '--write')).stdout).toContain(
      'nothing to write',
    );

    for (const id of ['web-2', 'web-3', 'web-4']) sim.set(id, 'down');
    const drop = await dnsplane('plan', '--fleet', fleetFile, '--plans', plans, '--write');
    for (const id of ['web-2', 'web-3', 'web-4']) sim.set(id, 'up');
    expect(drop.stdout).toContain('~ www.example.test. A');
    expect(drop.stdout).toContain('~ web-2 weight 255 -> 170');
    expect(drop.stdout).toContain(
      '! www.example.test. A: velocity limit, removed 255 of the weight units (budget 255)',
    );
    expect(drop.stdout).toContain('wrote generation 2');
    expect(drop.stdout).toContain('= api.example.test. A (unchanged)');
    const stored = await new FilePlanStore(path.join(dir, 'plans-a')).read(2);
    expect(stored?.endpoints.find((e) => e.name === 'www.example.test.')?.sets.map((s) => s.weight)).toEqual([
      255, 170, 170, 170,
    ]);
  });

  it('prints the pass as JSON with --json', async () => {
    const result = await dnsplane(
      'plan',
      '--fleet',
      fleetFile,
      '--plans',
      path.join(dir, 'plans-json'),
      '--json',
      '--id',
      'cli-test',
    );
    const pass = JSON.parse(result.stdout);
    expect(pass).toMatchObject({
      written: false,
      reason: 'first',
      previousGeneration: null,
      plan: { generation: 1, createdBy: 'cli-test' },
    });
    expect(pass.health[sim.url('lb-a')]).toMatchObject({ healthy: true, outcome: 200 });
  });

  it('fails with the file and field of a bad fleet file, and with an unknown plan store', async () => {
    const bad = path.join(dir, 'bad-fleet.json');
    await writeFile(
      bad,
      JSON.stringify({
        zone: 'example.test.',
        endpoints: [
          {
            name: 'api.example.test.',
            type: 'A',
            loadBalancers: [{ id: 'a', addresses: ['x'], capacity: 1, healthCheckUrl: sim.url('a') }],
          },
        ],
      }),
    );
    const result = await dnsplane('plan', '--fleet', bad);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`dnsplane: ${bad} is not a valid fleet file`);
    expect(result.stderr).toContain('endpoints[0].loadBalancers[0].addresses[0]');
    const store = await dnsplane('plan', '--fleet', fleetFile, '--plans', 'gs://bucket');
    expect(store.stderr).toContain('dnsplane: unsupported plan store gs://bucket');
  });

  it('refuses a misspelt key in the fleet file and a duration without a unit, naming each', async () => {
    const typo = path.join(dir, 'typo-fleet.json');
    const example = JSON.parse(await readFile(fleetFile, 'utf8'));
    await writeFile(typo, JSON.stringify({ ...example, defaults: { ...example.defaults, maxCapacityDropshare: 0.9 } }));
    const result = await dnsplane('plan', '--fleet', typo);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('unknown key "maxCapacityDropshare" (did you mean "maxCapacityDropShare"?)');
    const bare = await dnsplane(
      'planner',
      '--fleet',
      fleetFile,
      '--plans',
      path.join(dir, 'plans-bare'),
      '--heartbeat',
      '60',
      '--passes',
      '1',
    );
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toContain('dnsplane: --heartbeat "60" has no unit: write 60ms or 60s');
  }, 90_000);

  it('logs as text with --log-format text, and its /readyz turns ready after the first pass', async () => {
    const planner = spawnDnsplane(
      [
        'planner',
        '--fleet',
        fleetFile,
        '--plans',
        path.join(dir, 'plans-ready'),
        '--interval',
        '60s',
        '--metrics-port',
        '0',
        '--log-format',
        'text',
      ],
      {
        cwd: dir,
        env: { ...process.env, DNSPLANE_CONFIG: '', AWS_ENDPOINT_URL: '', AWS_ENDPOINT_URL_ROUTE_53: '' },
      },
    );
    try {
      const [, port] = await planner.waitFor(/INFO {2}planner: planner started .*metricsPort=(\d+)/, {
        stream: 'stderr',
        timeoutMs: 60_000,
      });
      await planner.waitFor(/INFO {2}planner: planner ready: first pass done/, { stream: 'stderr', timeoutMs: 60_000 });
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.text()).toMatch(/^planner \S+: last pass planned generation 1/);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect(planner.stderr).not.toContain('{"level"');
    } finally {
      planner.child.kill('SIGTERM');
      await planner.exited;
    }
  }, 90_000);

  it('runs the planner loop for --passes; a long-running one writes heartbeats, follows fleet file edits and stops on SIGTERM', async () => {
    const plans = path.join(dir, 'plans-loop');
    const counted = await dnsplane(
      'planner',
      '--fleet',
      fleetFile,
      '--plans',
      plans,
      '--interval',
      '50ms',
      '--passes',
      '3',
    );
    expect(counted.code).toBe(0);
    expect(counted.stdout).toContain('wrote generation 1');
    expect(await new FilePlanStore(plans).list()).toEqual([1]);

    // A second planner on its own copy of the fleet file, which we edit while it runs.
    const ownFleet = path.join(dir, 'fleet-live.json');
    const fleet = JSON.parse(await readFile(fleetFile, 'utf8'));
    await writeFile(ownFleet, JSON.stringify(fleet));
    const child = spawn(
      process.execPath,
      [bin, 'planner', '--fleet', ownFleet, '--plans', plans, '--interval', '100ms', '--heartbeat', '300ms'],
      { env: { ...process.env, DNSPLANE_LOG_LEVEL: 'error' }, cwd: dir },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const waitFor = async (text: string) => {
      while (!stdout.includes(text)) await new Promise((resolve) => setTimeout(resolve, 50));
    };
    // The heartbeat writes a generation although nothing changed.
    await waitFor('(heartbeat)');
    // An invalid edit is ignored (the loop keeps running); a valid one is planned without a restart.
    await writeFile(ownFleet, '{ "zone": 42 }');
    while (!stderr.includes('fleet file changed but cannot be used'))
      await new Promise((resolve) => setTimeout(resolve, 50));
    fleet.endpoints[0].loadBalancers[2].capacity = 400;
    await writeFile(ownFleet, JSON.stringify(fleet));
    await waitFor('~ lb-c weight 128 -> 255');
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect((await new FilePlanStore(plans).list()).length).toBeGreaterThanOrEqual(3);
  });
});
