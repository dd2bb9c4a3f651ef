// Command-line parsing for the scripts people run by hand (npm run soak, npm run bench, scripts/unbound.sh):
// node's parseArgs, plus what a person at a shell expects from it: --help prints the usage, and a mistyped
// option is one line naming it and the usage (exit 2), not a TypeError with a stack trace.
import type { ParseArgsConfig } from 'node:util';

/** Give every script's parseArgs options this entry; parseScriptArgs answers it. */
export const HELP_OPTION = {
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/** Exits 2 with the message and the usage: for values that parse but make no sense (e.g. --runs 0). */
export function usageError(name: string, message: string, usage: string): never {
  console.error(`${name}: ${message}\n${usage}`);
  process.exit(2);
}

/** Runs `parse` (a parseArgs call that includes HELP_OPTION); prints the usage on --help. */
export function parseScriptArgs<T extends { values: { help?: boolean | undefined } }>(
  name: string,
  usage: string,
  parse: () => T,
): T {
  let parsed: T;
  try {
    parsed = parse();
  } catch (error) {
    usageError(name, (error as Error).message, usage);
  }
  if (parsed.values.help) {
    console.log(usage);
    process.exit(0);
  }
  return parsed;
}

/**
 * A whole-number option (`--rounds 5`) checked, so that `--rounds five` or `--rounds 0` stops the script with
 * one line naming the option (exit 2) instead of running with NaN.
 */
export function integerOption(script: string, name: string, raw: string, min: number): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min) {
    console.error(`${script}: --${name} must be a whole number ≥ ${min}, got '${raw}'`);
    process.exit(2);
  }
  return value;
}
