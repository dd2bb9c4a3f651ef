// `dnsplane probe`: watch the plan's endpoints resolve, straight at the authority and through a resolver.
import { Option, type Command } from 'commander';
import { DEFAULT_PLANS_SPEC, openPlanStore } from '../../plan/open-store.js';
import { canonicalValue, EMPTY_RESULTS, isBad, type ProbeResult } from '../../probe/classify.js';
import type { Observation } from '../../probe/health.js';
import { Probe, type RoundReport } from '../../probe/probe.js';
import { parseServerAddress, type DnsServerAddress } from '../../probe/query.js';
import { diagnose, overallDiagnosis } from '../../probe/diagnosis.js';
import { ChangeFilter, CHANGE_HEADER, formatChange, formatDiagnosis, formatSummary } from '../../probe/report.js';
import { DEFAULT_STATUS_FILE, probeStatus, writeProbeStatus } from '../../probe/status-file.js';
import { fixedTargets, latestPlanTargets, targetsOfPlan, type TargetSource } from '../../probe/targets.js';
import { startUnbound, type UnboundResolver } from '../../probe/unbound.js';
import { serveMetrics, setReady, type MetricsServer } from '../../telemetry/metrics-server.js';
import { parseDuration } from '../duration.js';
import { warnOnce } from '../warn-once.js';
import { EXIT, ExitError, UsageError } from '../exit-codes.js';
import { parseNumber, parsePort } from '../numbers.js';
import { addMetricsOptions } from '../metrics-options.js';

interface ProbeCommandOptions {
  plans: string;
  name?: string[];
  type: string;
  zone?: string[];
  authority: string | false;
  resolver?: string;
  unbound?: boolean;
  interval: string;
  timeout: string;
  count?: string;
  duration?: string;
  json?: boolean;
  failOn?: 'empty' | 'bad' | 'never';
  once?: boolean;
  statusFile: string | false;
  metricsPort?: string;
  metricsHost: string;
  listTargets?: boolean;
}

const FAIL_ON: Record<'empty' | 'bad', (result: ProbeResult) => boolean> = {
  empty: (result) => EMPTY_RESULTS.has(result),
  bad: isBad,
};

export function register(program: Command): void {
  const command = program
    .command('probe')
    .description(
      'Query every endpoint of the latest plan (or --name) on an interval, straight at the authority and through a recursive ' +
        'resolver, and classify each answer: answered, wrong (values not in the plan), nodata (the empty record), nxdomain, ' +
        'servfail, refused, timeout, error. Prints a line whenever a result changes and a summary at the end.',
    )
    .option(
      '--plans <spec>',
      'plan store to read the latest plan from (file:DIR, DIR or s3://bucket/prefix)',
      DEFAULT_PLANS_SPEC,
    )
    .option(
      '--name <name...>',
      "probe these names instead of the plan (no comparison with planned values) (default: the latest plan's endpoints)",
    )
    .option('--type <type>', 'record type for --name', 'A')
    .option('--zone <zone...>', "zones for --unbound to stub to the authority (default: the plan's zone)")
    .option('--authority <ip:port>', 'the authority, asked directly with RD=0', '127.0.0.1:8053')
    .option('--no-authority', 'do not ask the authority directly (resolver only)')
    .option('--resolver <ip:port>', 'a recursive resolver to ask with RD=1, as clients do (default: none)')
    .option('--unbound', 'start a private unbound (no cache) stub-zoned to --authority and probe through it', false)
    .option('--interval <duration>', 'time between rounds, at least 50ms', '1s')
    .option('--timeout <duration>', 'deadline of each query, UDP and TCP retry together', '500ms')
    .option('--count <n>', 'stop after N rounds (default: run until Ctrl-C)')
    .option('--duration <duration>', 'stop after this long (default: run until Ctrl-C)')
    .option('--json', 'print one JSON object per observation, then a summary object, one per line', false)
    .option(
      '--once',
      'one round, then exit; fails unless every answer is good (as --count 1 --fail-on bad; --fail-on overrides)',
      false,
    )
    .addOption(
      new Option(
        '--fail-on <what>',
        'stop and fail at the end of the first round that sees: empty (nodata/nxdomain, exit 4) or bad (anything but answered; exit 4 for empty, else 1); also when the run observed nothing (default: bad with --once, else never)',
      ).choices(['empty', 'bad', 'never']),
    )
    .option(
      '--status-file <path>',
      'write the last result per endpoint here after every round (read by dnsplane status)',
      DEFAULT_STATUS_FILE,
    )
    .option('--no-status-file', 'do not write a status file')
    .option(
      '--list-targets',
      "print the latest plan's endpoints as TSV (name, type, then one comma-joined column of canonical values per record set) and exit",
      false,
    );
  addMetricsOptions(
    command,
    'serve Prometheus metrics on 127.0.0.1:PORT/metrics, 0 for any free port; the URL is printed to stderr (default: off)',
  ).action((options: ProbeCommandOptions) => runProbeCommand(options));
}

async function runProbeCommand(options: ProbeCommandOptions): Promise<void> {
  if (options.listTargets) return listTargets(options.plans);
  if (options.once && (options.count !== undefined || options.duration !== undefined))
    throw new UsageError('--once is one round: leave out --count and --duration');
  if (options.once) options.failOn ??= 'bad';
  if (options.failOn === 'never') delete options.failOn;
  const intervalMs = parseDuration(options.interval, '--interval');
  const timeoutMs = parseDuration(options.timeout, '--timeout');
  const rounds = options.once
    ? 1
    : options.count === undefined
      ? undefined
      : parseNumber(options.count, '--count', { min: 1, integer: true });
  const durationMs = options.duration === undefined ? undefined : parseDuration(options.duration, '--duration');
  const authority = options.authority === false ? undefined : parseServerAddress(options.authority, '--authority');
  let resolver = options.resolver === undefined ? undefined : parseServerAddress(options.resolver, '--resolver');
  const targets = await targetSource(options);

  let unbound: UnboundResolver | undefined;
  let metrics: MetricsServer | undefined;
  try {
    if (options.unbound) {
      if (!authority) throw new UsageError('--unbound needs --authority to stub its zones to');
      unbound = await startUnbound({ zones: await unboundZones(options), authority, noCache: true });
      resolver = unbound.address;
      if (!options.json) console.log(`started unbound (pid ${unbound.pid}) on ${resolver.host}:${resolver.port}`);
    }
    if (options.metricsPort !== undefined) {
      metrics = await serveMetrics(parsePort(options.metricsPort, '--metrics-port'), options.metricsHost);
      // stderr, so that --json output stays pure; with port 0 this is how the caller learns the port.
      console.error(`dnsplane: probe metrics on http://${metrics.host}:${metrics.port}/metrics`);
    }
    const failed = await probeLoop(
      options,
      { targets, authority, resolver, intervalMs, timeoutMs },
      { rounds, durationMs },
    );
    if (failed) {
      const code = EMPTY_RESULTS.has(failed.result) ? EXIT.empty : EXIT.failure;
      throw new ExitError(
        `probe saw ${failed.result.toUpperCase()} for ${failed.endpoint} via ${failed.path} (${failed.server}); --fail-on ${options.failOn}`,
        code,
      );
    }
  } finally {
    await unbound?.stop();
    metrics?.server.close();
  }
}

async function probeLoop(
  options: ProbeCommandOptions,
  setup: {
    targets: TargetSource;
    authority?: DnsServerAddress;
    resolver?: DnsServerAddress;
    intervalMs: number;
    timeoutMs: number;
  },
  limits: { rounds?: number; durationMs?: number },
): Promise<Observation | undefined> {
  const probe = new Probe(setup);
  const changes = new ChangeFilter();
  const matchesFailOn = options.failOn && options.failOn !== 'never' ? FAIL_ON[options.failOn] : undefined;
  let failed: Observation | undefined;
  let writing = Promise.resolve();
  if (!options.json) console.log(CHANGE_HEADER);
  probe.on('observation', (observation) => {
    if (options.json) console.log(JSON.stringify({ kind: 'observation', ...observation }));
    else if (changes.changed(observation)) console.log(formatChange(observation));
  });
  let targetsError: Error | undefined;
  const warnTargets = warnOnce();
  const warnStatusFile = warnOnce();
  probe.on('targetsError', (error: Error) => {
    targetsError = error;
    warnTargets(`dnsplane: probe targets: ${error.message}`);
  });
  let warnedNoTargets = false;
  let lastDiagnosis = 'ok';
  probe.on('round', (report: RoundReport) => {
    setReady(true, `probed ${report.observations.length} endpoint path(s)`);
    // One line when the verdict changes: "authority down" and "resolver still failing after the authority is
    // back" look the same to a client (SERVFAIL) and want different responses.
    const overall = overallDiagnosis(diagnose(probe.endpoints()));
    if (overall.diagnosis !== lastDiagnosis) {
      lastDiagnosis = overall.diagnosis;
      if (options.json) console.log(JSON.stringify({ kind: 'diagnosis', at: report.at, ...overall }));
      else console.log(formatDiagnosis(overall));
    }
    // After a targets error the plan exists but cannot be read: "no plan" would send the user the wrong way.
    if (report.observations.length === 0 && !warnedNoTargets && !targetsError) {
      warnedNoTargets = true;
      console.error(
        `dnsplane: nothing to probe yet: no plan in ${options.plans} (or it has no endpoints); still looking every round`,
      );
    }
    if (options.statusFile !== false) {
      const status = probeStatus(probe, report.generation);
      const file = options.statusFile;
      writing = writing
        .then(() => writeProbeStatus(file, status))
        .catch((error: Error) => warnStatusFile(`dnsplane: status file: ${error.message}`));
    }
    failed ??= matchesFailOn ? report.observations.find((observation) => matchesFailOn(observation.result)) : undefined;
    if (failed) void probe.stop();
  });
  const stop = (): void => void probe.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await probe.run(limits);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  await writing;
  const summary = probe.summary();
  if (options.json)
    console.log(
      JSON.stringify({
        kind: 'summary',
        ...summary,
        diagnosis: overallDiagnosis(diagnose(probe.endpoints())),
        endpoints: probe.endpoints().map(({ last, ...health }) => ({ ...health, last: last.result })),
      }),
    );
  else console.log(`\n${formatSummary(summary, probe.endpoints())}`);
  // A gate (`--fail-on … && deploy`) must not pass on a run that checked nothing, e.g. an unreadable plan.
  if (matchesFailOn && summary.observations === 0) {
    throw new Error(
      `probe made no observations, so --fail-on ${options.failOn} cannot pass: ${targetsError?.message ?? `no plan in ${options.plans} (or it has no endpoints)`}`,
    );
  }
  return failed;
}

async function targetSource(options: ProbeCommandOptions): Promise<TargetSource> {
  if (options.name && options.name.length > 0) return fixedTargets(options.name, options.type);
  return latestPlanTargets(await openPlanStore(options.plans));
}

async function unboundZones(options: ProbeCommandOptions): Promise<string[]> {
  if (options.zone && options.zone.length > 0) return options.zone;
  const plan = await (await openPlanStore(options.plans)).latest();
  if (!plan) throw new UsageError(`--unbound needs --zone, or a plan in ${options.plans} to take the zone from`);
  return [plan.zone];
}

/** The plan as shell-friendly TSV, for scripts/verify-dns.sh. */
async function listTargets(spec: string): Promise<void> {
  const plan = await (await openPlanStore(spec)).latest();
  if (!plan) throw new Error(`no plan in ${spec}`);
  // Values in canonical form, as dig prints them, so the script can compare strings.
  for (const target of targetsOfPlan(plan)) {
    console.log(
      [target.name, target.type, ...(target.plannedSets ?? []).map((set) => set.map(canonicalValue).join(','))].join(
        '\t',
      ),
    );
  }
}
