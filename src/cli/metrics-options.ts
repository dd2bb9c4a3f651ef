// --metrics-port and --metrics-host for the long-running commands that serve /metrics, /healthz and /readyz.
import type { Command } from 'commander';

export function addMetricsOptions(
  command: Command,
  portHelp = 'serve Prometheus metrics on 127.0.0.1:PORT/metrics, 0 for any free port (default: off)',
): Command {
  return command
    .option('--metrics-port <port>', portHelp)
    .option(
      '--metrics-host <address>',
      'address the metrics server (/metrics, /healthz, /readyz) listens on',
      '127.0.0.1',
    );
}
