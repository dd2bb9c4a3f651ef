// `dnsplane down`: stop what `dnsplane up` started, by the pids recorded in its run directory, and only while
// each pid still runs the command line up started.
import path from 'node:path';
import type { Command } from 'commander';
import { UP_DEFAULTS, down } from '../../deploy/deployment.js';
import { parseDuration } from '../duration.js';

export function register(program: Command): void {
  program
    .command('down')
    .description(
      'Stop what `dnsplane up` started in --run-dir, by the pids it recorded: each pid is signalled only while it still runs ' +
        'the exact command line up started (SIGTERM, then SIGKILL after --grace). Logs, plans and authority data are kept.',
    )
    .option('--run-dir <dir>', 'the run directory given to dnsplane up', UP_DEFAULTS.runDir)
    .option(
      '--grace <duration>',
      'time each process gets to exit after SIGTERM before SIGKILL',
      `${UP_DEFAULTS.graceMs / 1000}s`,
    )
    .action((options: { runDir: string; grace: string }) =>
      runDown(path.resolve(options.runDir), parseDuration(options.grace, '--grace')),
    );
}

export async function runDown(runDir: string, graceMs: number): Promise<void> {
  const reports = await down(runDir, graceMs);
  if (reports.length === 0) {
    console.log(`nothing to stop: no ${path.join(runDir, 'up.json')}`);
    return;
  }
  const outcomes = {
    stopped: 'stopped',
    killed: `KILLED (no exit within ${graceMs} ms of SIGTERM)`,
    gone: 'was not running',
    'not-ours': 'pid now runs something else: not signalled',
  };
  for (const report of reports) {
    const took = report.ms > 0 ? ` (${report.ms} ms)` : '';
    console.log(`${report.name.padEnd(17)} pid ${String(report.pid).padEnd(8)} ${outcomes[report.outcome]}${took}`);
  }
}
