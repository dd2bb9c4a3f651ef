// `dnsplane demo` (npm start): the legacy race and the safe race, narrated, with a verdict and two charts.
import { Option, type Command } from 'commander';
import { runDemo } from '../../scenario/demo.js';
import { writeChart } from './race.js';

interface DemoCommandOptions {
  resolver: 'auto' | 'none';
  chartDir: string;
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
        const result = await runDemo({ resolver: options.resolver, chartDir: options.chartDir, signal: abort.signal, print: (line) => console.log(line), writeChart });
        if (!result.shown) process.exitCode = 1;
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
