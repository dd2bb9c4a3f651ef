// `dnsplane up` benchmark: wall time of `up` (nine processes started and ready), time from `up` returning to
// every endpoint live at the latest generation, the first flip's convergence (a load balancer taken down at
// the fleet simulator, until the last generation the planner writes for it is live), and `down`.
//   node bin/run-ts.js scripts/bench-up.ts [--runs 3] [--no-unbound]
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import type { Manifest } from '../src/deploy/processes.js';
import { collectStatus } from '../src/status/endpoint-status.js';
import { openPlanStore } from '../src/plan/open-store.js';
import { createRoute53Client } from '../src/route53/client.js';
import { sdkPort } from '../src/route53/port.js';
import { resolveHostedZoneId } from '../src/route53/listing.js';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, 'no-unbound': { type: 'boolean', default: false } },
});
const bin = resolve('bin/dnsplane.js');
const ports = ['--api-port', '0', '--dns-port', '0', '--resolver-port', '0', '--dashboard-port', '0'];

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** Until every endpoint is live at the latest generation, and that generation is at least `atLeast`. */
async function converged(manifest: Manifest, atLeast: number): Promise<number> {
  const sdk = createRoute53Client({ endpoint: manifest.endpoints.api });
  const client = sdkPort(sdk);
  const store = await openPlanStore(manifest.endpoints.plans);
  const zoneId = await resolveHostedZoneId(client, manifest.endpoints.zone);
  try {
    for (;;) {
      const rows = await collectStatus({ store, client, zoneId });
      const planned = rows[0]?.plannedGeneration ?? 0;
      if (
        planned >= atLeast &&
        rows.length > 0 &&
        rows.every((row) => row.liveGeneration === planned && row.liveMatchesLatest)
      )
        return planned;
      await sleep(20);
    }
  } finally {
    sdk.destroy();
  }
}

const rows: string[] = [];
for (let i = 0; i < Number(args.runs); i++) {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-bench-up-'));
  try {
    const upMs = await timed(() =>
      run(process.execPath, [
        bin,
        'up',
        '--run-dir',
        dir,
        ...ports,
        '--planner-interval',
        '500ms',
        '--enact-interval',
        '300ms',
        ...(args['no-unbound'] ? ['--no-unbound'] : []),
      ]),
    );
    const manifest = JSON.parse(await readFile(join(dir, 'up.json'), 'utf8')) as Manifest;
    let generation = 0;
    const firstMs = await timed(async () => (generation = await converged(manifest, 1)));
    // Take lb-a down; the planner drains it over several generations (velocity control), each enacted in turn.
    await fetch(`${manifest.endpoints.fleetSim}/control/lb-a/down`, { method: 'POST' });
    const flipStarted = performance.now();
    let settled = await converged(manifest, generation + 1);
    // Settled when no newer generation shows up for 2 s (the planner's drain steps are 500 ms apart).
    for (;;) {
      await sleep(2000);
      const next = await converged(manifest, settled);
      if (next === settled) break;
      settled = next;
    }
    const flipMs = performance.now() - flipStarted - 2000;
    const downMs = await timed(() => run(process.execPath, [bin, 'down', '--run-dir', dir]));
    rows.push(
      `run ${i + 1}: ${manifest.processes.length} processes; up ${upMs.toFixed(0)} ms; first plan live ${firstMs.toFixed(0)} ms after up; lb-a down -> generation ${settled} live ${flipMs.toFixed(0)} ms (±20); down ${downMs.toFixed(0)} ms`,
    );
    console.log(rows.at(-1));
  } finally {
    await run(process.execPath, [bin, 'down', '--run-dir', dir]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
