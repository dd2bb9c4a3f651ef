// --log-format and --log-level for the commands that log (see telemetry/logger.ts): set before the action
// runs, through the environment the loggers read, so every logger of the process (and its children) agrees.
import { Option, type Command } from 'commander';
import { LOG_FORMATS, LOG_LEVELS } from '../telemetry/logger.js';

export function addLogOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--log-format <format>', 'log lines as text or JSON (default: text on a terminal, else json)').choices(
        LOG_FORMATS,
      ),
    )
    .addOption(new Option('--log-level <level>', 'least severe level logged (default: info)').choices(LOG_LEVELS))
    .hook('preAction', (_command, action) => {
      const { logFormat, logLevel } = action.opts<{ logFormat?: string; logLevel?: string }>();
      if (logFormat) process.env.DNSPLANE_LOG_FORMAT = logFormat;
      if (logLevel) process.env.DNSPLANE_LOG_LEVEL = logLevel;
    });
}
