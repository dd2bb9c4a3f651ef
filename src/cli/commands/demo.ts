// `dnsplane demo` (npm start): the legacy race and the safe race, narrated, with a verdict and two charts.
import { Option, type Command } from 'commander';
import { runDemo } from '../../scenario/demo.js';
import type { RaceRig } from '../../scenario/race-rig.js';
import { writeChart } from './race.js';
import { openDemoDashboard } from '../../dashboard/race.js';
import { parseDuration } from '../duration.js';
import { parsePort } from '../numbers.js';

interface DemoCommandOptions {
  resolver: 'auto' | 'none';
  chartDir: string;
  stay?: boolean;
  dashboard: boolean;
  dashboardPort: string;
  dashboardWait?: string;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'The whole story in about 15 seconds (npm start): starts an in-process authority, the zone, health-check targets ' +
        'for a small fleet, the planner, three enactors and the probe (through unbound when installed), runs the October ' +
        '2025 race with the legacy design and then with the safe design under the same timing, prints a verdict and writes ' +
        'a chart of each. Exits 0 when the legacy design went empty and the safe one did not (and converged). Ctrl-C stops everything.',
    )
    .addOption(
      new Option('--resolver <which>', 'auto: also probe through unbound when installed; none: only the authority')
        .choices(['auto', 'none'])
        .default('auto'),
    )
    .option('--chart-dir <dir>', 'where race-legacy.html and race-safe.html are written', '.dnsplane')
    .option(
      '--stay',
      "keep the safe race's authority, unbound and plan store running afterwards (for dig, verify-dns.sh, dnsplane status) until Ctrl-C",
      false,
    )
    .option(
      '--dashboard-port <port>',
      'serve the live dashboard on 127.0.0.1:PORT while the demo runs (0 = any free port; a taken port falls back to a free one)',
      '8090',
    )
    .option('--no-dashboard', 'do not serve the dashboard')
    .option(
      '--dashboard-wait <duration>',
      'before the first race, wait up to this long for a browser to open the dashboard (default: 15s on a terminal, 0 otherwise)',
    )
    .action(async (options: DemoCommandOptions) => {
      const abort = new AbortController();
      const stop = () => {
        if (!abort.signal.aborted) console.error('\nstopping: closing the authority, the probe and unbound...');
        abort.abort();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      const print = (line: string) => console.log(line);
      const dashboard = options.dashboard
        ? await openDemoDashboard({
            port: parsePort(options.dashboardPort, '--dashboard-port'),
            waitMs: dashboardWait(options.dashboardWait),
            print,
            signal: abort.signal,
          })
        : undefined;
      try {
        const result = await runDemo({
          resolver: options.resolver,
          chartDir: options.chartDir,
          stay: options.stay ?? false,
          signal: abort.signal,
          print,
          writeChart,
          ...(dashboard ? { onLive: dashboard.onLive } : {}),
        });
        if (!result.shown) process.exitCode = 1;
        if (result.kept) await stayUntil(abort.signal, result.kept);
      } catch (error) {
        if (!abort.signal.aborted) throw error;
        console.error('stopped.');
        process.exitCode = 130;
      } finally {
        await dashboard?.close();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}

/** A person at a terminal gets time to open the dashboard before the races; scripts and tests do not wait. */
function dashboardWait(text: string | undefined): number {
  if (text !== undefined) return parseDuration(text, '--dashboard-wait');
  return process.stdin.isTTY && process.stdout.isTTY ? 15_000 : 0;
}

/** Prints how to reach the kept environment, waits for Ctrl-C, then closes it. */
async function stayUntil(signal: AbortSignal, rig: RaceRig): Promise<void> {
  const { authority, unbound, store } = rig;
  const dns = `${authority.host}:${authority.dnsPort}`;
  console.log(`\nThe safe race's environment stays up until Ctrl-C:`);
  console.log(
    `  Route53 API ${authority.endpoint} (credentials test/test), zone ${rig.zoneName} (${rig.zoneId}), DNS ${dns}`,
  );
  if (unbound) console.log(`  unbound ${unbound.address.host}:${unbound.address.port} (no cache)`);
  console.log(`  plans file:${store.dir}`);
  console.log(
    `verify: scripts/verify-dns.sh --plans file:${store.dir} --authority ${dns}${unbound ? ` --resolver ${unbound.address.host}:${unbound.address.port}` : ''}`,
  );
  try {
    await new Promise<void>((resolve) =>
      signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  } finally {
    await rig.close();
  }
  console.error('stopped.');
}
