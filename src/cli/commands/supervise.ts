// `dnsplane supervise`: what `dnsplane up` runs beside the deployment to restart a component that died
// (authority, planner, an enactor, unbound, the probe, ...), with backoff. `dnsplane down` stops it first.
import path from 'node:path';
import type { Command } from 'commander';
import { UP_DEFAULTS } from '../../deploy/deployment.js';
import { supervise } from '../../deploy/supervisor.js';
import { createLogger } from '../../telemetry/logger.js';

export function register(program: Command): void {
  program
    .command('supervise')
    .description(
      'Watch the components `dnsplane up` started in --run-dir and start any that dies again, the way up started it (same ' +
        'arguments and ports), after 0.5 s doubling per failed restart up to 30 s; after the authority restarts, flush ' +
        "unbound's memory of the outage. Logs each death and restart. `dnsplane up` starts it; `dnsplane down` stops it.",
    )
    .option('--run-dir <dir>', 'the run directory given to dnsplane up', UP_DEFAULTS.runDir)
    .action(async (options: { runDir: string }) => {
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      // The children it restarts get the environment up gave it (their log level, no config file).
      await supervise({
        runDir: path.resolve(options.runDir),
        env: process.env,
        logger: createLogger('supervisor'),
        signal: stop.signal,
      });
    });
}
