// The command class every dnsplane command is made with: each option also reads a DNSPLANE_* environment
// variable. Apart from settings.ts (the config file, with yaml and zod) because `dnsplane --help` needs this
// and none of that.
import { Command, type Option } from 'commander';
import { UsageError } from './exit-codes.js';

/** DNSPLANE_ and the long flag in upper snake case: --probe-status -> DNSPLANE_PROBE_STATUS. */
export function envVarOf(option: Option): string | undefined {
  return option.long ? `DNSPLANE_${option.long.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}` : undefined;
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['', '0', 'false', 'no', 'off']);

/** A boolean setting's text (environment or config file): true/false, 1/0, yes/no, on/off; anything else is an error. */
export function parseBooleanSetting(text: string, where: string): boolean {
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new UsageError(`${where}="${text}" is not true or false (1/0, yes/no and on/off work too)`);
}

/**
 * A command whose every option also reads its environment variable (shown as `env:` in --help), unless it
 * names one itself. Set as options are added: commander wires the environment up only at that moment.
 */
export class SettingsCommand extends Command {
  constructor(name?: string) {
    super(name);
    // commander turns a boolean flag on whenever its variable is set, whatever it says: DNSPLANE_FORCE=false
    // would force. Read the value instead (before the action, as the command line still wins).
    this.hook('preAction', (_command, action) => {
      for (const option of action.options) {
        const attribute = option.attributeName();
        if (!option.isBoolean() || !option.envVar || action.getOptionValueSource(attribute) !== 'env') continue;
        const on = parseBooleanSetting(process.env[option.envVar] ?? '', option.envVar);
        action.setOptionValueWithSource(attribute, option.negate ? !on : on, 'env');
      }
    });
  }

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
