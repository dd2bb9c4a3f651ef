// `dnsplane enact`: run an enactor. Checks the backend first (stale DELETE rejected, batches atomic) and
// refuses a backend that would make fencing a lie, unless the operator vouches for --single-writer.
import { Option, type Command } from 'commander';
import { AuditLog } from '../../enactor/audit.js';
import { Enactor } from '../../enactor/enactor.js';
import { describeStoreBehindZone, type RunSummary } from '../../enactor/options.js';
import { CHANGE_POLICIES, DEFAULT_GUARD, type ChangePolicy, type GuardOptions } from '../../enactor/guard.js';
import { buildPreview, formatPreview } from '../../enactor/preview.js';
import { assertSafeBackend, selfCheck } from '../../enactor/self-check.js';
import { describeFreeze, FreezeWatch } from '../../plan/freeze.js';
import { createLogger, logFormat } from '../../telemetry/logger.js';
import { serveMetrics, setReady } from '../../telemetry/metrics-server.js';
import { parseDuration } from '../duration.js';
import { addLogOptions } from '../log-options.js';
import { addMetricsOptions } from '../metrics-options.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { parseNumber, parsePort } from '../numbers.js';
import { progressPrinter } from '../progress.js';
import { addZoneTargetOptions, openZoneTarget, type ZoneTarget, type ZoneTargetOptions } from '../zone-target.js';

interface EnactOptions extends ZoneTargetOptions {
  id: string;
  once: boolean;
  singleWriter: boolean;
  interval: string;
  maxChangeShare: string;
  minCapacity: string;
  maxDropShare: string;
  force: boolean;
  audit?: string;
  cleanup: boolean;
  retention: string;
  metricsPort?: string;
  metricsHost: string;
  concurrency: string;
  progress: string;
  verifyEvery: string;
  dryRun: boolean;
  json: boolean;
  adopt: boolean;
  policy: ChangePolicy;
}

export function register(program: Command): void {
  const command = program
    .command('enact')
    .description(
      'Run a fenced enactor: read the latest plan, read the zone, and move every endpoint to the plan in guarded ' +
        "ChangeResourceRecordSets batches that swap its shard's fence (TXT s<iii>._dnsplane.<zone>, 64 shards, every one " +
        "moved every generation) in the same request, so a stale enactor's batch is rejected instead of overwriting a " +
        "newer plan. Repairs records that drifted from their fence's generation. Starts with a backend self-check and refuses a backend that " +
        'accepts stale DELETEs or applies half batches (moto, LocalStack) unless --single-writer.',
    )
    .requiredOption('--id <name>', "this enactor's name, written into every fence and audit line");
  addZoneTargetOptions(command)
    .option(
      '--once',
      'run one pass and exit: exit code 1 if an endpoint failed, else 3 if the guard refused one',
      false,
    )
    .option(
      '--dry-run',
      "preview one pass: read the zone's fences and records, print the exact changes the enactor would send per endpoint and the guard's verdicts; nothing is written (no self-check either); exit code 3 if the guard would refuse",
      false,
    )
    .option('--json', 'with --dry-run or --once: print the preview or the pass summary as JSON', false)
    .option(
      '--single-writer',
      'run even if the backend fails the self-check; you guarantee no other enactor writes this zone',
      false,
    )
    .option('--interval <duration>', 'time between passes when looping', '1s')
    .option('--rate-limit <req/s>', "client-side limit on this enactor's Route53 requests per second", '5')
    .option(
      '--max-change-share <0..1>',
      "refuse a pass that changes more than this share of the zone's record sets (zones of 10+ sets)",
      String(DEFAULT_GUARD.maxChangeShare),
    )
    .option(
      '--min-capacity <n>',
      'refuse leaving an endpoint with fewer serving addresses (in sets of weight > 0)',
      String(DEFAULT_GUARD.minCapacity),
    )
    .option(
      '--max-drop-share <0..1>',
      "largest share of an endpoint's serving weight one batch may take away; past it the enactor steps through the stored plans in between (velocity)",
      String(DEFAULT_GUARD.maxDropShare),
    )
    .option('--force', 'skip the change-share check (never the empty-endpoint checks)', false)
    .option(
      '--adopt',
      'take over record sets at managed names that dnsplane did not write: change or delete them as the plan says, each audited (default: such an endpoint is refused, exit 3). Only with --once or --dry-run',
      false,
    )
    .addOption(
      new Option(
        '--policy <policy>',
        'sync: make every managed name exactly the plan; upsert-only: create and update, never delete a record set or an endpoint',
      )
        .choices(CHANGE_POLICIES)
        .default('sync'),
    )
    .option('--audit <file>', 'append a JSON line per endpoint per batch to this file', '.dnsplane/audit.jsonl')
    .option(
      '--cleanup',
      'after each pass that changed something, delete plans older than the lowest live generation minus --retention',
      false,
    )
    .option('--retention <n>', 'generations kept below the lowest live one by --cleanup', '2')
    .option('--concurrency <n>', 'change batches in flight at once (the rate limit still spaces the requests)', '4')
    .option(
      '--progress <duration>',
      'on passes longer than this, print a progress line to stderr this often (0 = never)',
      '5s',
    )
    .option(
      '--verify-every <duration>',
      'drift sweep interval: read the shard fences and one page of records (rotating through the zone) and repair drift; between sweeps an enactor in sync with an unchanged plan reads only the plan store. 0 = every pass (--once: 0 unless given)',
      '10s',
    );
  addLogOptions(addMetricsOptions(command)).action((options: EnactOptions, self: Command) =>
    runEnact(options, self.getOptionValueSource('verifyEvery') === 'default'),
  );
}

async function runEnact(options: EnactOptions, verifyEveryDefault = false): Promise<void> {
  const guard = {
    maxChangeShare: parseNumber(options.maxChangeShare, '--max-change-share', { min: 0, max: 1 }),
    minCapacity: parseNumber(options.minCapacity, '--min-capacity', { min: 0, integer: true }),
    maxDropShare: parseNumber(options.maxDropShare, '--max-drop-share', { min: 0, max: 1 }),
    force: options.force,
    adopt: options.adopt,
    policy: options.policy,
  };
  // Adopting is one decision about what is there now, not a standing licence to delete whatever appears later.
  if (options.adopt && !options.once && !options.dryRun)
    throw new UsageError(
      '--adopt takes over what is there now: use it with --once (or --dry-run to see what it would take)',
    );
  const intervalMs = parseDuration(options.interval, '--interval');
  const retention = parseNumber(options.retention, '--retention', { min: 0, integer: true });
  const concurrency = parseNumber(options.concurrency, '--concurrency', { min: 1, max: 64, integer: true });
  const progressEvery = parseDuration(options.progress, '--progress');
  // One pass is the whole run: unless told otherwise it sweeps, or drift (status: DRIFT) would never be seen.
  const verifyEveryMs = options.once && verifyEveryDefault ? 0 : parseDuration(options.verifyEvery, '--verify-every');
  const target = await openZoneTarget(options);
  if (options.dryRun) return preview(options, target, guard);
  // One pass prints its summary (every endpoint applied, in sync, stood down, refused): at the default level its
  // log would add the self-check and a line per shard (64) around it. Warnings and errors stay; --log-level or
  // DNSPLANE_LOG_LEVEL bring the rest back. The loop logs at info as before.
  // On a terminal the summary is the report of the pass: an endpoint's refusal or failure is said there, once,
  // not also as an ERROR line above it. JSON logs keep those lines (a machine reads no summary).
  const logger = createLogger(
    'enactor',
    process.env.DNSPLANE_LOG_LEVEL ?? (options.once ? 'warn' : 'info'),
    options.once && logFormat() === 'text' ? saidBySummary : undefined,
  );
  const zoneName = target.zoneName ?? (await target.store.latest())?.zone;
  if (!zoneName) throw new Error('the self-check needs the zone name: pass --zone NAME or store a plan first');
  const check = await selfCheck(target.caller, target.zoneId, zoneName);
  for (const item of check.checks) logger.info({ check: item.name, passed: item.passed }, item.detail);
  assertSafeBackend(check, options.singleWriter);
  if (!check.ok) logger.warn('backend failed the self-check; running because --single-writer was given');

  const metrics =
    options.metricsPort === undefined
      ? undefined
      : await serveMetrics(parsePort(options.metricsPort, '--metrics-port'), options.metricsHost);
  const freeze = new FreezeWatch(target.store, logger);
  target.quietRetries(); // from here on the Enactor logs each retry itself
  const enactor = new Enactor({
    id: options.id,
    frozen: () => freeze.enactorsStopped(),
    store: target.store,
    client: target.caller,
    zone: target.zoneId,
    ownerId: options.ownerId,
    logger,
    // The capacity proof re-asserts sets with DELETE + CREATE in one batch, which needs atomic batches.
    guard: { ...guard, proveCapacity: check.ok },
    intervalMs,
    audit: options.audit ? new AuditLog(options.audit) : undefined,
    cleanupRetention: options.cleanup ? retention : undefined,
    concurrency,
    verifyEveryMs,
  });
  const printProgress = progressPrinter(progressEvery, (line) => process.stderr.write(`dnsplane enact: ${line}\n`));
  enactor.on('event', printProgress);
  try {
    if (options.once) {
      const frozen = await freeze.current();
      if (frozen && frozen.pinnedGeneration === undefined) {
        console.log(`${target.store.location} is ${describeFreeze(frozen)}; nothing written (dnsplane thaw to resume)`);
        return;
      }
      const summary = await enactor.runOnce();
      console.log(options.json ? JSON.stringify(summary, null, 2) : describeSummary(summary));
      if (summary.failed.length > 0) process.exitCode = EXIT.failure;
      else if (summary.refused.length > 0) process.exitCode = EXIT.guardRefused;
      return;
    }
    const stopping = new AbortController();
    process.once('SIGINT', () => stopping.abort());
    process.once('SIGTERM', () => stopping.abort());
    logger.info(
      { plans: target.store.location, zone: target.zoneId, intervalMs, metricsPort: metrics?.port },
      'enactor started',
    );
    // Ready once a whole pass has completed (plan store and zone read), not merely started.
    let ready = false;
    await enactor.run(stopping.signal, (summary) => {
      if (ready) return;
      ready = true;
      const detail = `enactor ${options.id}: first pass done (generation ${summary.generation ?? 'none'})`;
      setReady(true, detail);
      logger.info({ generation: summary.generation }, `enactor ready: ${detail}`);
    });
  } finally {
    metrics?.server.close();
    target.sdk.destroy();
  }
}

/** `enact --dry-run`: one pass of the enactor's own decision, nothing sent; the preview printed. */
async function preview(options: EnactOptions, target: ZoneTarget, guard: Partial<GuardOptions>): Promise<void> {
  try {
    const frozen = await target.store.readFreeze?.();
    const enactor = new Enactor({
      id: options.id,
      store: target.store,
      client: target.caller,
      zone: target.zoneId,
      ownerId: options.ownerId,
      // The preview prints everything it found; logs only when asked for (--log-level).
      logger: createLogger('enactor', process.env.DNSPLANE_LOG_LEVEL ?? 'silent'),
      guard,
      dryRun: true,
    });
    const summary = await enactor.runOnce();
    if (summary.generation === undefined) {
      const behind = summary.storeBehind ?? null;
      if (options.json) console.log(JSON.stringify({ generation: null, storeBehind: behind }));
      else console.log(behind ? `! ${describeStoreBehindZone(behind)}` : 'no plan stored yet; nothing to preview');
      return;
    }
    const zone = (await target.store.latest())?.zone ?? target.zoneId;
    const result = buildPreview(summary, zone, target.zoneId);
    if (options.json) console.log(JSON.stringify({ ...result, frozen: frozen ?? null }, null, 2));
    else {
      if (frozen)
        console.log(
          `${target.store.location} is ${describeFreeze(frozen)}: enactors write nothing until thawed; once thawed:`,
        );
      console.log(formatPreview(result));
    }
    if (!result.verdict.ok) process.exitCode = EXIT.guardRefused;
  } finally {
    target.sdk.destroy();
  }
}

/** The enactor's error about one endpoint (refused, poisoned, failed): describeSummary lists each of those. */
function saidBySummary(level: string, fields: Record<string, unknown>): boolean {
  return (level === 'error' || level === 'fatal') && typeof fields.endpoint === 'string';
}

function describeSummary(summary: RunSummary): string {
  // A store behind the zone is the enactor's warning (logged once), not repeated here.
  if (summary.generation === undefined) return 'no plan stored; nothing to do';
  const lines = [
    `generation ${summary.generation}: ${summary.applied.length} applied, ${summary.repaired.length} repaired, ${summary.inSync.length} in sync, ${summary.stoodDown.length} stood down, ${summary.refused.length} refused, ${summary.failed.length} failed (${summary.batches} batches)`,
  ];
  for (const endpoint of summary.applied) lines.push(`  applied   ${endpoint}`);
  for (const endpoint of summary.repaired) lines.push(`  repaired  ${endpoint}`);
  for (const endpoint of summary.stoodDown) lines.push(`  stood down ${endpoint} (a newer generation is live)`);
  for (const refusal of summary.refused) lines.push(`  REFUSED   ${refusal.endpoint}: ${refusal.message}`);
  for (const failure of summary.failed) lines.push(`  FAILED    ${failure.endpoint}: ${failure.error}`);
  return lines.join('\n');
}
