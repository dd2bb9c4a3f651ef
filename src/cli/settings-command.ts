// The command class every dnsplane command is made with: each option also reads a DNSPLANE_* environment
// variable. Apart from settings.ts (the config file, with yaml and zod) because `dnsplane --help` needs this
// and none of that.
import { Command, type Option } from 'commander';

/** DNSPLANE_ and the long flag in upper snake case: --probe-status -> DNSPLANE_PROBE_STATUS. */
export function envVarOf(option: Option): string | undefined {
  return option.long ? `DNSPLANE_${option.long.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}` : undefined;
}

/**
 * A command whose every option also reads its environment variable (shown as `env:` in --help), unless it
 * names one itself. Set as options are added: commander wires the environment up only at that moment.
 */
export class SettingsCommand extends Command {
  override createCommand(name?: string): Command {
    return new SettingsCommand(name);
  }

  override addOption(option: Option): this {
    const name = envVarOf(option);
    // Subcommands only: the top level's --version is not a setting.
    if (this.parent && !option.envVar && name) option.env(name);
    return super.addOption(option);
  }
}
