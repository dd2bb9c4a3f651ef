// `dnsplane up`: start the whole deployment on loopback, each component as its own process with its own log
// and pid file under the run directory, and print where everything is. `dnsplane down` (down.ts) stops it.
import path from 'node:path';
import type { Command } from 'commander';
import { ENACTOR_ZONES, UP_DEFAULTS, up, type Deployment, type UpOptions } from '../../deploy/deployment.js';
import { parseDuration } from '../duration.js';
import { parsePort } from '../numbers.js';
import { deploymentFilePath, writeDeploymentFile } from '../settings.js';
import { runDown } from './down.js';

interface UpCliOptions {
  runDir: string;
  plans?: string;
  fleet?: string;
  zone?: string;
  apiPort: string;
  dnsPort: string;
  resolverPort: string;
  dashboardPort: string;
  unbound: boolean;
  dashboard: boolean;
  plannerInterval: string;
  enactInterval: string;
  readyTimeout: string;
  foreground: boolean;
}

export function register(program: Command): void {
  program
    .command('up')
    .description(
      'Start the three-zone deployment on 127.0.0.1, each part as its own process with its own log and pid file under ' +
        `--run-dir: the authority (local Route53 API + DNS), a fleet simulator (for the fleet's loopback health checks), ` +
        `one planner, three enactors (${ENACTOR_ZONES.join(', ')}) sharing one plan store, unbound (if installed), the probe ` +
        '(writing its status file) and the dashboard. The hosted zone is created through the SDK before the planner ' +
        'starts. Waits for each to be ready and prints the endpoints, the log files and a dig command. ' +
        'Stop everything with `dnsplane down --run-dir DIR`.',
    )
    .option(
      '--run-dir <dir>',
      'where logs, pid files, the manifest (up.json), authority data and file plans go',
      UP_DEFAULTS.runDir,
    )
    .option(
      '--plans <spec>',
      'plan store shared by planner, enactors, probe and dashboard: file:DIR or s3://bucket/prefix (default: file:RUN_DIR/plans)',
    )
    .option(
      '--fleet <file>',
      'fleet file to plan for; health checks on 127.0.0.1/localhost go to the fleet simulator (default: examples/fleet.json)',
    )
    .option(
      '--zone <name>',
      "hosted zone to create and serve (default: the fleet's zone; with the example fleet, moves it under this zone)",
    )
    .option('--api-port <port>', 'Route53 API port of the authority (0 = any free port)', String(UP_DEFAULTS.apiPort))
    .option('--dns-port <port>', 'authoritative DNS port, UDP and TCP (0 = any free port)', String(UP_DEFAULTS.dnsPort))
    .option('--resolver-port <port>', "unbound's port (0 = any free port)", String(UP_DEFAULTS.resolverPort))
    .option('--dashboard-port <port>', 'dashboard port (0 = any free port)', String(UP_DEFAULTS.dashboardPort))
    .option('--no-unbound', 'do not start unbound; the probe asks the authority only')
    .option('--no-dashboard', 'do not start the dashboard')
    .option('--planner-interval <duration>', "the planner's --interval", UP_DEFAULTS.plannerInterval)
    .option('--enact-interval <duration>', "each enactor's --interval", UP_DEFAULTS.enactInterval)
    .option(
      '--ready-timeout <duration>',
      'how long each process may take to report ready before up stops everything and fails',
      `${UP_DEFAULTS.readyTimeoutMs / 1000}s`,
    )
    .option('--foreground', 'stay in the foreground and stop everything on Ctrl-C (SIGINT) or SIGTERM', false)
    .action((options: UpCliOptions) => runUp(options));
}

async function runUp(options: UpCliOptions): Promise<void> {
  const runDir = path.resolve(options.runDir);
  const settings: UpOptions = {
    runDir,
    ...(options.plans ? { plans: options.plans } : {}),
    ...(options.fleet ? { fleet: path.resolve(options.fleet) } : {}),
    ...(options.zone ? { zone: options.zone } : {}),
    apiPort: parsePort(options.apiPort, '--api-port'),
    dnsPort: parsePort(options.dnsPort, '--dns-port'),
    resolverPort: parsePort(options.resolverPort, '--resolver-port'),
    dashboardPort: parsePort(options.dashboardPort, '--dashboard-port'),
    unbound: options.unbound,
    dashboard: options.dashboard,
    plannerInterval: durationText(options.plannerInterval, '--planner-interval'),
    enactInterval: durationText(options.enactInterval, '--enact-interval'),
    readyTimeoutMs: parseDuration(options.readyTimeout, '--ready-timeout'),
    print: (line) => console.error(line),
  };
  // The children are detached, so a Ctrl-C during start-up reaches only us: stop what was started, then fail.
  const interrupted = new AbortController();
  const interrupt = () => interrupted.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const deployment = await up({ ...settings, signal: interrupted.signal }).finally(() => {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  });
  const settingsFile = deploymentFilePath();
  if (settingsFile) {
    const settings = {
      plans: deployment.plans,
      zone: deployment.zone,
      'endpoint-url': deployment.api,
      authority: deployment.dns,
      'probe-status': path.join(runDir, 'probe-status.json'),
      audit: path.join(runDir, 'audit.jsonl'),
      'run-dir': runDir,
      // A plain `dnsplane probe` afterwards asks the deployment's resolver too, as its own probe does.
      ...(deployment.resolver ? { probe: { resolver: deployment.resolver } } : {}),
    };
    await writeDeploymentFile(settingsFile, settings);
  }
  console.log(describe(deployment, runDir, settingsFile));
  if (!options.foreground) return;
  console.log('\nrunning in the foreground; Ctrl-C stops everything');
  // Signal listeners do not keep node's event loop alive; with every child detached, a timer has to.
  const keepAlive = setInterval(() => undefined, 60_000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(keepAlive);
  await runDown(runDir, UP_DEFAULTS.graceMs);
}

/** Checked here so a typo fails before anything starts, but passed on as written (the children parse it). */
function durationText(text: string, flag: string): string {
  parseDuration(text, flag);
  return text;
}

function describe(d: Deployment, runDir: string, settingsFile: string | undefined): string {
  const host = (address: string) => address.split(':');
  const [dnsHost, dnsPort] = host(d.dns);
  const probeName = `api.${d.zone.replace(/\.$/, '')}`;
  const lines = [
    `dnsplane up: ${d.manifest.processes.length} processes running, zone ${d.zone}`,
    `  Route53 API  ${d.api}   (export AWS_ENDPOINT_URL_ROUTE_53=${d.api})`,
    `  DNS          ${d.dns}   (authoritative, UDP+TCP)`,
    `  resolver     ${d.resolver ?? '(none: unbound not started)'}`,
    `  dashboard    ${d.dashboard ?? '(not started)'}`,
    ...(d.fleetSim
      ? [`  fleet-sim    ${d.fleetSim}   (flip a load balancer: curl -X POST ${d.fleetSim}/control/LB_ID/down|up|hang)`]
      : []),
    `  plans        ${d.plans}`,
    `  run dir      ${runDir}  (up.json, pids/, logs/, audit.jsonl, probe-status.json)`,
    `  settings     ${settingsFile ? `${path.resolve(settingsFile)}  (read by every other dnsplane command run here)` : '(not written: DNSPLANE_CONFIG is empty)'}`,
    '',
    'processes:',
    ...d.manifest.processes.map((p) => `  ${p.name.padEnd(17)} pid ${String(p.pid).padEnd(8)} log ${p.log}`),
    '',
    'try:',
    `  dig @${dnsHost} -p ${dnsPort} ${probeName} A +norec`,
    ...(d.resolver ? [`  dig @${host(d.resolver)[0]} -p ${host(d.resolver)[1]} ${probeName} A`] : []),
    ...(settingsFile
      ? ['  dnsplane status', '  dnsplane down']
      : [
          `  dnsplane status --plans ${d.plans} --zone ${d.zone} --endpoint-url ${d.api} --probe-status ${path.join(runDir, 'probe-status.json')}`,
          `  dnsplane down --run-dir ${runDir}`,
        ]),
  ];
  return lines.join('\n');
}
