// `dnsplane planner`: the planner as a long-running process. One pass per interval (see `dnsplane plan`),
// writing a generation whenever something changed or a heartbeat is due, until SIGINT or SIGTERM.
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { loadFleet, type Fleet } from '../../plan/fleet.js';
import { DEFAULT_PLANS_SPEC, openPlanStore } from '../../plan/open-store.js';
import { Planner } from '../../plan/planner.js';
import { createLogger, type Logger } from '../../telemetry/logger.js';
import { serveMetrics, setReady } from '../../telemetry/metrics-server.js';
import { parseDuration } from '../duration.js';
import { addLogOptions } from '../log-options.js';
import { addMetricsOptions } from '../metrics-options.js';
import { parseNumber, parsePort } from '../numbers.js';
import { addLiveFenceOptions, liveFenceReader, NO_LIVE_FENCES_NOTE, type LiveFenceOptions } from '../live-fences.js';
import { UsageError } from '../exit-codes.js';
import { FreezeWatch } from '../../plan/freeze.js';
import { describePass } from './plan.js';

interface PlannerOptions extends LiveFenceOptions {
  fleet: string;
  plans: string;
  interval: string;
  heartbeat: string;
  id?: string;
  passes?: string;
  metricsPort?: string;
  metricsHost: string;
}

export function register(program: Command): void {
  const command = program
    .command('planner')
    .description(
      "Run the planner in a loop: every --interval, check health (with the fleet file's hysteresis thresholds), plan, " +
        "and store a new generation when something changed or the heartbeat is due. Prints each written generation's " +
        'diff. Re-reads the fleet file when it changes (an invalid edit is logged and ignored). Stops cleanly on SIGINT/SIGTERM. Several planners may share a plan store: a lost race is replanned once.',
    )
    .requiredOption('--fleet <file>', 'fleet file (JSON: zone, defaults, endpoints with load balancers)')
    .option('--plans <spec>', 'plan store: file:DIR, a directory, or s3://bucket/prefix', DEFAULT_PLANS_SPEC)
    .option(
      '--interval <duration>',
      'time from the start of one pass to the start of the next (e.g. 500ms, 5s, 1m)',
      '5s',
    )
    .option('--heartbeat <duration>', 'write an unchanged plan again once the latest is this old; 0 = never', '0')
    .option('--id <name>', "planner name recorded in each plan's createdBy (default: planner@HOST:PID)")
    .option('--passes <n>', 'stop after N passes (default: run until SIGINT/SIGTERM)');
  addLogOptions(addMetricsOptions(addLiveFenceOptions(command))).action((options: PlannerOptions) =>
    runPlanner(options),
  );
}

async function runPlanner(options: PlannerOptions): Promise<void> {
  const intervalMs = parseDuration(options.interval, '--interval');
  const heartbeatMs = parseDuration(options.heartbeat, '--heartbeat');
  if (intervalMs < 10) throw new UsageError(`--interval must be at least 10ms, got ${options.interval}`);
  const passes =
    options.passes === undefined ? Infinity : parseNumber(options.passes, '--passes', { min: 1, integer: true });
  const fleetFile = new WatchedFleetFile(options.fleet);
  const fleet = await fleetFile.load();
  const store = await openPlanStore(options.plans);
  const logger = createLogger('planner');
  const fences = liveFenceReader(options, fleet.zone);
  if (!fences) console.error(NO_LIVE_FENCES_NOTE);
  const planner = new Planner({
    fleet,
    store,
    logger,
    heartbeatMs,
    ...(options.id ? { id: options.id } : {}),
    ...(fences ? { highestLiveFence: fences.read } : {}),
  });
  const metrics =
    options.metricsPort === undefined
      ? undefined
      : await serveMetrics(parsePort(options.metricsPort, '--metrics-port'), options.metricsHost);
  const freeze = new FreezeWatch(store, logger);
  let ready = false;
  let lastFailure: string | undefined;

  const stopping = new AbortController();
  const stop = () => stopping.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  logger.info(
    {
      id: planner.id,
      plans: store.location,
      intervalMs,
      heartbeatMs,
      metricsPort: metrics?.port,
      liveFences: fences?.describe ?? 'not read',
    },
    'planner started',
  );
  try {
    for (let pass = 0; pass < passes && !stopping.signal.aborted; pass++) {
      const started = Date.now();
      await fleetFile.reloadIfChanged(planner, logger);
      // Frozen (or a pinned rollback): no pass at all, so nothing is written; the watch logs each change once.
      if (!(await freeze.current()))
        try {
          const result = await planner.pass({ write: true });
          if (result.written) console.log(describePass(result, store.location, true));
          if (lastFailure !== undefined) logger.info({ id: planner.id }, 'planner pass succeeded again');
          lastFailure = undefined;
          if (!ready)
            logger.info(
              { id: planner.id, plans: store.location, generation: result.plan.generation },
              'planner ready: first pass done',
            );
          ready = true;
          setReady(true, `planner ${planner.id}: last pass planned generation ${result.plan.generation}`);
        } catch (error) {
          // A failed pass (store unreachable, a lost race twice) must not end the loop: the next pass retries.
          // Logged when it first fails or fails differently; a store that stays down is one line, not one a pass.
          const message = error instanceof Error ? error.message : String(error);
          if (message !== lastFailure) logger.error({ err: error }, 'planner pass failed; retrying next interval');
          lastFailure = message;
        }
      if (pass + 1 < passes)
        await sleep(Math.max(0, intervalMs - (Date.now() - started)), undefined, { signal: stopping.signal }).catch(
          () => undefined,
        );
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    metrics?.server.close();
    fences?.close();
    logger.info({ id: planner.id }, 'planner stopped');
  }
}

/**
 * The fleet file, re-read when its modification time changes so that capacity and membership edits take
 * effect without a restart. An edit that does not validate is logged and ignored: the planner keeps
 * planning with the last good fleet rather than stopping.
 */
class WatchedFleetFile {
  private mtimeMs = -1;

  constructor(private readonly file: string) {}

  async load(): Promise<Fleet> {
    const mtimeMs = (await stat(this.file)).mtimeMs;
    const fleet = await loadFleet(this.file);
    this.mtimeMs = mtimeMs;
    return fleet;
  }

  async reloadIfChanged(planner: Planner, logger: Logger): Promise<void> {
    try {
      if ((await stat(this.file)).mtimeMs === this.mtimeMs) return;
      planner.setFleet(await this.load());
      logger.info({ file: this.file }, 'fleet file changed; planning with the new fleet');
    } catch (error) {
      logger.error(
        { err: error, file: this.file },
        'fleet file changed but cannot be used; keeping the last good fleet',
      );
    }
  }
}
