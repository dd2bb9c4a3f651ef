// `dnsplane up`: the three-zone deployment on one machine. Every component runs as its own process, as it
// would on its own machine: the authority (standing in for Route53), a fleet simulator, one planner, three
// enactors named after availability zones sharing one plan store, unbound, the probe and the dashboard. The
// hosted zone is created through the SDK before the planner starts, exactly as an operator would.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unboundInstalled, startUnbound } from '../probe/unbound.js';
import { createRoute53Client } from '../route53/client.js';
import { ensureHostedZone } from '../route53/hosted-zone.js';
import { normalizeName } from '../route53/recordset.js';
import { deploymentFleet, simulatedLoadBalancers, writeDeploymentFleet } from './fleet.js';
import {
  processState,
  readManifest,
  runPaths,
  startProcess,
  stopProcess,
  writeManifest,
  type ManagedProcess,
  type Manifest,
  type StopOutcome,
} from './processes.js';
import { SUPERVISOR_READY } from './supervisor.js';
import { freeLoopbackPort } from '../net/free-port.js';

/** The enactors, one per availability zone, as the seeds run them. */
export const ENACTOR_ZONES = ['use1-az1', 'use1-az2', 'use1-az4'] as const;

export const UP_DEFAULTS = {
  runDir: '.dnsplane/up',
  apiPort: 4580,
  dnsPort: 8053,
  resolverPort: 5353,
  dashboardPort: 8090,
  plannerInterval: '2s',
  enactInterval: '1s',
  readyTimeoutMs: 30_000,
  graceMs: 5_000,
};

export interface UpOptions {
  /** Absolute. */
  runDir: string;
  /** Plan store spec; default file:<runDir>/plans. */
  plans?: string;
  fleet?: string;
  zone?: string;
  apiPort: number;
  dnsPort: number;
  resolverPort: number;
  dashboardPort: number;
  unbound: boolean;
  dashboard: boolean;
  plannerInterval: string;
  enactInterval: string;
  readyTimeoutMs: number;
  print: (line: string) => void;
  /** Start the supervisor that restarts dead components (default true). */
  supervise?: boolean;
  /** Ctrl-C while starting: stop waiting, stop what was started, fail. */
  signal?: AbortSignal;
}

export interface Deployment {
  manifest: Manifest;
  zone: string;
  plans: string;
  api: string;
  dns: string;
  resolver?: string;
  dashboard?: string;
  /** The fleet simulator's base URL, when some health check is on loopback. */
  fleetSim?: string;
}

const BIN = fileURLToPath(new URL('../../bin/dnsplane.js', import.meta.url));

export async function up(options: UpOptions): Promise<Deployment> {
  const { runDir } = options;
  await refuseIfRunning(runDir);
  const manifest: Manifest = {
    startedAt: new Date().toISOString(),
    processes: [],
    endpoints: {},
    enactors: [...ENACTOR_ZONES],
  };
  // Manifest writes are chained so that concurrent starts (the three enactors) never lose one another.
  let saving = Promise.resolve();
  const save = (): Promise<void> => {
    const next = saving.then(() => writeManifest(runDir, manifest));
    saving = next.catch(() => undefined);
    return next;
  };
  const recorder: Recorder = {
    record: (started) => {
      manifest.processes.push(started);
      return save();
    },
    note: (key, value) => {
      manifest.endpoints[key] = value;
      return save();
    },
  };
  const start: Start = async (name, args, ready, restartArgs) => {
    options.print(`starting ${name} ...`);
    const match = await startProcess(
      {
        name,
        command: process.execPath,
        args: [BIN, ...args],
        cwd: process.cwd(),
        env: childEnv(),
        ready,
        timeoutMs: options.readyTimeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      runPaths(runDir).logs,
      recorder.record,
    );
    // A port given as 0 must stay the one it got: everything else was pointed at it.
    const restarted = manifest.processes.find((p) => p.name === name);
    if (restarted)
      restarted.restart = {
        argv: [process.execPath, BIN, ...(restartArgs?.(match) ?? args)],
        cwd: process.cwd(),
        ready: ready.source,
      };
    await save();
    return match;
  };
  try {
    const deployment = await startAll(options, manifest, start, recorder);
    if (options.supervise !== false) await startSupervisor(options, manifest, save);
    return deployment;
  } catch (error) {
    options.print(`stopping what was started: ${(error as Error).message.split('\n')[0]}`);
    const supervisor = manifest.supervisor ? await stopAll([manifest.supervisor], UP_DEFAULTS.graceMs) : [];
    for (const report of [...supervisor, ...(await stopAll(manifest.processes, UP_DEFAULTS.graceMs))])
      options.print(`  ${report.name} pid ${report.pid}: ${report.outcome}`);
    await forget(runDir);
    throw error;
  }
}

/** Starts a component; `restartArgs` gives the args to restart it with, from its ready line (its real ports). */
type Start = (
  name: string,
  args: string[],
  ready: RegExp,
  restartArgs?: (ready: RegExpMatchArray) => string[],
) => Promise<RegExpMatchArray>;

/** args with `flag`'s value replaced. */
function withOption(args: readonly string[], flag: string, value: string): string[] {
  const at = args.indexOf(flag);
  return at === -1 ? [...args, flag, value] : [...args.slice(0, at + 1), value, ...args.slice(at + 2)];
}

const portOf = (url: string | undefined): string => String(new URL(url!).port);

async function startSupervisor(options: UpOptions, manifest: Manifest, save: () => Promise<void>): Promise<void> {
  options.print('starting supervisor ...');
  await startProcess(
    {
      name: 'supervisor',
      command: process.execPath,
      args: [BIN, 'supervise', '--run-dir', options.runDir],
      cwd: process.cwd(),
      env: childEnv(),
      ready: new RegExp(SUPERVISOR_READY),
      timeoutMs: options.readyTimeoutMs,
    },
    runPaths(options.runDir).logs,
    async (started) => {
      manifest.supervisor = started;
      await save();
    },
  );
}

interface Recorder {
  record(started: ManagedProcess): Promise<void>;
  /** Remembers an address or file in the manifest (for the test, the dashboard of a user, and `down`). */
  note(key: string, value: string): Promise<void>;
}

async function startAll(
  options: UpOptions,
  manifest: Manifest,
  start: Start,
  { record, note }: Recorder,
): Promise<Deployment> {
  const { runDir } = options;
  const fleet = await deploymentFleet(options.fleet, options.zone);
  const zone = normalizeName(fleet.zone);
  const plans = options.plans ?? `file:${path.join(runDir, 'plans')}`;
  const audit = path.join(runDir, 'audit.jsonl');
  const statusFile = path.join(runDir, 'probe-status.json');
  const fleetFile = path.join(runDir, 'fleet.json');

  // Only a few dependencies order the starts: the zone needs the authority, the fleet file the simulator's
  // port, the probe the resolver's. Everything else starts at once (on a small machine, node start-up dominates).
  const simulated = simulatedLoadBalancers(fleet);
  // Port 0 is chosen here rather than by the kernel: the supervisor restarts the authority on the same ports,
  // and a kernel-chosen one can be taken by another socket while it is down (src/net/free-port.ts).
  const authorityPorts = {
    api: options.apiPort || (await freeLoopbackPort()),
    dns: options.dnsPort || (await freeLoopbackPort()),
  };
  const [authorityReady, simReady] = await settleAll([
    start(
      'authority',
      [
        'authority',
        '--host',
        '127.0.0.1',
        '--api-port',
        String(authorityPorts.api),
        '--dns-port',
        String(authorityPorts.dns),
        '--data',
        path.join(runDir, 'authority'),
      ],
      /dnsplane authority ready: api=(\S+) dns=([\d.]+):(\d+)/,
      ([, api, , dnsPort]) => [
        'authority',
        '--host',
        '127.0.0.1',
        '--api-port',
        portOf(api),
        '--dns-port',
        dnsPort,
        '--data',
        path.join(runDir, 'authority'),
      ],
    ),
    simulated.length > 0
      ? start(
          'fleet-sim',
          ['fleet-sim', '--port', '0', '--lb', ...simulated],
          /fleet-sim listening on (http:\/\/\S+) for/,
          ([, url]) => ['fleet-sim', '--port', portOf(url), '--lb', ...simulated],
        )
      : undefined,
  ]);
  const [, api, dnsHost, dnsPort] = authorityReady;
  const dns = `${dnsHost}:${dnsPort}`;
  const simUrl = simReady?.[1];
  await note('api', api);
  await note('dns', dns);
  if (simUrl) await note('fleetSim', simUrl);
  await ensureZone(api, zone, options.print);
  await writeDeploymentFleet(fleet, simUrl, fleetFile);

  const target = ['--plans', plans, '--zone', zone, '--endpoint-url', api];
  const dashboardArgs = [
    'dashboard',
    '--port',
    String(options.dashboardPort),
    ...target,
    '--probe-status',
    statusFile,
    '--audit',
    audit,
    '--run-dir',
    runDir,
  ];
  const startResolverAndProbe = async (): Promise<string | undefined> => {
    const resolver = options.unbound
      ? await startResolver(options, zone, { host: dnsHost, port: Number(dnsPort) }, record)
      : undefined;
    if (resolver) await note('resolver', resolver);
    await start(
      'probe',
      [
        'probe',
        '--plans',
        plans,
        '--authority',
        dns,
        ...(resolver ? ['--resolver', resolver] : []),
        '--status-file',
        statusFile,
        '--interval',
        '1s',
      ],
      /^TIME\s+ENDPOINT/m,
    );
    await note('probeStatus', statusFile);
    return resolver;
  };
  const [, , resolver, dashboardReady] = await settleAll([
    start(
      'planner',
      ['planner', '--fleet', fleetFile, ...target, '--id', 'planner', '--interval', options.plannerInterval],
      /"msg":"planner ready/,
    ),
    settleAll(
      ENACTOR_ZONES.map((id) =>
        start(
          `enactor-${id}`,
          ['enact', '--id', id, ...target, '--audit', audit, '--interval', options.enactInterval, '--cleanup'],
          /"msg":"enactor ready/,
        ),
      ),
    ),
    startResolverAndProbe(),
    options.dashboard
      ? start('dashboard', dashboardArgs, /dashboard: (http:\/\/\S+)/, ([, url]) =>
          withOption(dashboardArgs, '--port', portOf(url)),
        )
      : undefined,
  ]);
  const dashboard = dashboardReady?.[1];
  if (dashboard) await note('dashboard', dashboard);
  await note('plans', plans);
  await note('zone', zone);
  await note('audit', audit);
  return {
    manifest,
    zone,
    plans,
    api: api,
    dns,
    ...(resolver ? { resolver } : {}),
    ...(dashboard ? { dashboard } : {}),
    ...(simUrl ? { fleetSim: simUrl } : {}),
  };
}

/** Waits for every start; the first failure is thrown only after the others settle (and are recorded). */
async function settleAll<T extends readonly unknown[]>(
  starts: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(starts);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

async function startResolver(
  options: UpOptions,
  zone: string,
  authority: { host: string; port: number },
  record: (p: ManagedProcess) => Promise<void>,
): Promise<string | undefined> {
  if (!unboundInstalled()) {
    options.print('unbound is not installed (apt-get install unbound): the probe asks the authority only');
    return undefined;
  }
  options.print('starting unbound ...');
  const workDir = path.join(options.runDir, 'unbound');
  const log = path.join(workDir, 'unbound.log');
  const unbound = await startUnbound({
    zones: [zone],
    authority,
    port: options.resolverPort,
    workDir,
    noCache: true,
    detached: true,
    startTimeoutMs: options.readyTimeoutMs,
  }).catch((error: Error) => {
    throw new Error(`${error.message.trim()}; see its log ${log}`);
  });
  // Its config file names the port it got, so the same argv restarts it there; any reply means it is up.
  const argv = ['unbound', '-d', '-c', unbound.configPath];
  await record({ name: 'unbound', pid: unbound.pid, argv, log, restart: { argv, cwd: process.cwd(), ready: '' } });
  return `${unbound.address.host}:${unbound.address.port}`;
}

async function ensureZone(endpoint: string, zone: string, print: (line: string) => void): Promise<void> {
  const client = createRoute53Client({ endpoint });
  try {
    const { id, created } = await ensureHostedZone(client, zone);
    print(created ? `created hosted zone ${zone} (${id})` : `hosted zone ${zone} exists`);
  } finally {
    client.destroy();
  }
}

/** Children log at info at least: `up` reads their readiness from their logs. */
function childEnv(): NodeJS.ProcessEnv {
  const level = process.env.DNSPLANE_LOG_LEVEL;
  // DNSPLANE_CONFIG empty: each part gets its settings from up's flags, never from a config file in the directory.
  // JSON logs whatever the user's terminal wants: up reads readiness and failures from them.
  return {
    ...process.env,
    DNSPLANE_LOG_LEVEL: level === 'trace' || level === 'debug' ? level : 'info',
    DNSPLANE_LOG_FORMAT: 'json',
    DNSPLANE_CONFIG: '',
  };
}

async function refuseIfRunning(runDir: string): Promise<void> {
  const manifest = await readManifest(runDir);
  const running = [...(manifest?.supervisor ? [manifest.supervisor] : []), ...(manifest?.processes ?? [])].filter(
    (p) => processState(p) === 'ours',
  );
  if (running.length > 0) {
    throw new Error(
      `${runDir} already has running processes (${running.map((p) => `${p.name} pid ${p.pid}`).join(', ')}); stop them with: dnsplane down --run-dir ${runDir}`,
    );
  }
}

export interface StopReport {
  name: string;
  pid: number;
  outcome: StopOutcome;
  /** From the first signal to the exit (0 when nothing was signalled). */
  ms: number;
}

/** Stops the clients together, then the authority, so no client spends its last moments on a dead Route53. */
export async function stopAll(processes: readonly ManagedProcess[], graceMs: number): Promise<StopReport[]> {
  const stop = async (p: ManagedProcess): Promise<StopReport> => {
    const started = Date.now();
    const outcome = await stopProcess(p, graceMs);
    return {
      name: p.name,
      pid: p.pid,
      outcome,
      ms: outcome === 'stopped' || outcome === 'killed' ? Date.now() - started : 0,
    };
  };
  const clients = await Promise.all(processes.filter((p) => p.name !== 'authority').map(stop));
  return [...clients, ...(await Promise.all(processes.filter((p) => p.name === 'authority').map(stop)))];
}

/** `dnsplane down`: stops what the run directory's manifest says `up` started, then forgets the pids. */
export async function down(runDir: string, graceMs: number): Promise<StopReport[]> {
  const manifest = await readManifest(runDir);
  if (!manifest) return [];
  // The supervisor first, or it would restart what is being stopped; then the manifest again, since it may
  // have restarted something (a new pid) since it was read.
  const supervisor = manifest.supervisor ? await stopAll([manifest.supervisor], graceMs) : [];
  const current = (await readManifest(runDir)) ?? manifest;
  const reports = await stopAll(current.processes, graceMs);
  await forget(runDir);
  return [...supervisor, ...reports];
}

/** Drops the pid files and the manifest once nothing they name runs; logs and data stay for a post-mortem. */
async function forget(runDir: string): Promise<void> {
  await rm(runPaths(runDir).pids, { recursive: true, force: true });
  await rm(runPaths(runDir).manifest, { force: true });
}
