// `dnsplane demo` (npm start): the legacy race and the safe race, narrated, with a verdict and two charts.
import { Option, type Command } from 'commander';
import { runDemo } from '../../scenario/demo.js';
import type { RaceRig } from '../../scenario/race-rig.js';
import { writeChart } from './race.js';

interface DemoCommandOptions {
  resolver: 'auto' | 'none';
  chartDir: string;
  stay?: boolean;
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
    .addOption(new Option('--resolver <which>', 'auto: also probe through unbound when installed; none: only the authority').choices(['auto', 'none']).default('auto'))
    .option('--chart-dir <dir>', 'where race-legacy.html and race-safe.html are written', '.dnsplane')
    .option('--stay', "keep the safe race's authority, unbound and plan store running afterwards (for dig, verify-dns.sh, dnsplane status) until Ctrl-C", false)
    .action(async (options: DemoCommandOptions) => {
      quietNodeVersionWarning();
      const abort = new AbortController();
      const stop = () => {
        if (!abort.signal.aborted) console.error('\nstopping: closing the authority, the probe and unbound...');
        abort.abort();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      try {
        const result = await runDemo({ resolver: options.resolver, chartDir: options.chartDir, stay: options.stay ?? false, signal: abort.signal, print: (line) => console.log(line), writeChart });
        if (!result.shown) process.exitCode = 1;
        if (result.kept) await stayUntil(abort.signal, result.kept);
      } catch (error) {
        if (!abort.signal.aborted) throw error;
        console.error('stopped.');
        process.exitCode = 130;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}

/**
 * The AWS SDK warns on Node 20 that its future versions will need Node 22. True, but not what the demo is
 * about, and it would land in the middle of the narration; the SDK's own switch turns just that one off.
 */
function quietNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/** Prints how to reach the kept environment, waits for Ctrl-C, then closes it. */
async function stayUntil(signal: AbortSignal, rig: RaceRig): Promise<void> {
  const { authority, unbound, store } = rig;
  const dns = `${authority.host}:${authority.dnsPort}`;
  console.log(`\nThe safe race's environment stays up until Ctrl-C:`);
  console.log(`  Route53 API ${authority.endpoint} (credentials test/test), zone ${rig.zoneName} (${rig.zoneId}), DNS ${dns}`);
  if (unbound) console.log(`  unbound ${unbound.address.host}:${unbound.address.port} (no cache)`);
  console.log(`  plans file:${store.dir}`);
  console.log(`verify: scripts/verify-dns.sh --plans file:${store.dir} --authority ${dns}${unbound ? ` --resolver ${unbound.address.host}:${unbound.address.port}` : ''}`);
  try {
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  } finally {
    await rig.close();
  }
  console.error('stopped.');
}
