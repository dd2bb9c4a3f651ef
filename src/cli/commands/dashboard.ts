// `dnsplane dashboard`: the operator page over a separately started probe and enactors, reading what
// `dnsplane status` reads (plan store, Route53, probe status file) plus the enactors' audit log.
import type { Command } from 'commander';
import { FileSource } from '../../dashboard/file-source.js';
import { DEFAULT_DASHBOARD_PORT, startDashboard } from '../../dashboard/server.js';
import { DEFAULT_STATUS_FILE } from '../../probe/status-file.js';
import { parseDuration } from '../duration.js';
import { parsePort } from '../numbers.js';
import { UsageError } from '../exit-codes.js';
import { addLogOptions } from '../log-options.js';
import { addZoneTargetOptions, openZoneTarget, type ZoneTargetOptions } from '../zone-target.js';

interface DashboardOptions extends ZoneTargetOptions {
  port: string;
  host: string;
  probeStatus: string;
  audit: string;
  runDir?: string;
  poll: string;
  readInterval: string;
}

export function register(program: Command): void {
  const command = program
    .command('dashboard')
    .description(
      'Serve the operator page: per endpoint the planned and live (fence) generation, match / behind / drift / EMPTY, ' +
        "the probe's last answer and latency; a timeline chart of probe results with plan generations, fence conflicts and " +
        'guard refusals marked; the enactors and the audit tail. Live updates over server-sent events. JSON at /api/status, ' +
        '/api/timeline?since=MS, /api/audit?limit=N; Prometheus at /metrics.',
    )
    .option('--port <port>', 'TCP port (0 = any free port)', String(DEFAULT_DASHBOARD_PORT))
    .option('--host <address>', 'address to listen on (loopback by default; the page shows the fleet)', '127.0.0.1');
  addZoneTargetOptions(command)
    .option(
      '--probe-status <file>',
      'probe status file written by `dnsplane probe` (missing: no probe column)',
      DEFAULT_STATUS_FILE,
    )
    .option(
      '--audit <file>',
      'audit log written by `dnsplane enact --audit` (missing: no enactor activity yet)',
      '.dnsplane/audit.jsonl',
    )
    .option(
      '--run-dir <dir>',
      'run directory of a `dnsplane up` deployment: its manifest (up.json) names the enactors it runs, listed before their first audit line',
    )
    .option('--poll <duration>', 'how often the probe status file, the audit log and the plan store are read', '500ms')
    .option(
      '--read-interval <duration>',
      'list the zone in Route53 at most this often (pages in between get the last reading)',
      '2s',
    )
    .option(
      '--rate-limit <req/s>',
      "client-side limit on the dashboard's Route53 requests per second (it shares the account's limit with the enactors)",
      '2',
    );
  addLogOptions(command).action((options: DashboardOptions) => runDashboard(options));
}

async function runDashboard(options: DashboardOptions): Promise<void> {
  const port = parsePort(options.port, '--port');
  const pollMs = parseDuration(options.poll, '--poll');
  if (pollMs < 50) throw new UsageError(`--poll must be at least 50ms, got ${options.poll}`);
  const readIntervalMs = parseDuration(options.readInterval, '--read-interval');
  const target = await openZoneTarget(options);
  const source = new FileSource({
    store: target.store,
    client: target.caller,
    zoneId: target.zoneId,
    ownerId: options.ownerId,
    probeStatusFile: options.probeStatus,
    auditFile: options.audit,
    ...(options.runDir ? { runDir: options.runDir } : {}),
    pollMs,
    readIntervalMs,
  });
  await source.poll();
  const dashboard = await startDashboard({ source, port, host: options.host }).catch(async (error: Error) => {
    await source.close();
    target.sdk.destroy();
    throw error;
  });
  console.log(`dashboard: ${dashboard.url} (zone ${target.zoneId}; ${source.description}); Ctrl-C to stop`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await dashboard.close();
  await source.close();
  target.sdk.destroy();
}
