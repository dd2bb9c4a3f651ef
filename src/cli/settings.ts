// Where a flag's value comes from, in order: the command line, then the environment (DNSPLANE_<FLAG>, e.g.
// DNSPLANE_PLANS for --plans), then the config file (YAML, .dnsplane/config.yaml or $DNSPLANE_CONFIG), then
// the flag's default. `dnsplane up` writes the config file, so plain `dnsplane status` afterwards talks to
// that deployment. The file is strict: an unknown key is an error naming it and the closest known one.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command, Option } from 'commander';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { z } from 'zod';
import { strictObject, unknownKeysMessage } from '../config/strict.js';
import { UsageError } from './exit-codes.js';

export const DEFAULT_CONFIG_FILE = '.dnsplane/config.yaml';
/** Names the config file; empty or `none` reads none (what `up` gives the processes it starts). */
export const CONFIG_ENV = 'DNSPLANE_CONFIG';

/**
 * Top-level keys: settings that mean the same for every command that has the flag (a command without it
 * ignores them). Anything command-specific goes in a section named after the command (`enact: {interval: 2s}`).
 */
export const SHARED_SETTINGS = [
  'plans',
  'zone',
  'endpoint-url',
  'request-timeout',
  'probe-status',
  'audit',
  'authority',
  'fleet',
  'run-dir',
  'log-format',
  'log-level',
  'metrics-host',
  'owner-id',
] as const;

/** Old top-level keys that still work (with a notice from the option) and the key that replaces each. */
const DEPRECATED_SETTINGS: Readonly<Record<string, (typeof SHARED_SETTINGS)[number]>> = { endpoint: 'endpoint-url' };
const TOP_LEVEL_KEYS = [...SHARED_SETTINGS, ...Object.keys(DEPRECATED_SETTINGS)];

const scalar = z.union([z.string(), z.number(), z.boolean()]);
type Scalar = z.infer<typeof scalar>;
export type ConfigFile = Partial<Record<string, Scalar | Record<string, Scalar>>>;

function configSchema(commandNames: readonly string[]) {
  const shape: Record<string, z.ZodOptional<z.ZodType>> = {};
  const section = z.record(z.string(), scalar);
  for (const key of TOP_LEVEL_KEYS) shape[key] = scalar.optional();
  // `authority` is both probe's --authority (a scalar) and the authority command's section (a map).
  for (const name of commandNames) shape[name] = (shape[name] ? z.union([scalar, section]) : section).optional();
  return strictObject(shape);
}

export function configFilePath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const named = env[CONFIG_ENV];
  if (named === undefined) return DEFAULT_CONFIG_FILE;
  return named === '' || named === 'none' ? undefined : named;
}

/** The config file, validated; undefined when there is none. A file that is there but wrong is a usage error. */
export function readConfigFile(file: string, commandNames: readonly string[]): ConfigFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = parseYaml(text) ?? {};
  } catch (error) {
    throw new UsageError(`config file ${file} is not YAML: ${(error as Error).message}`);
  }
  const result = configSchema(commandNames).safeParse(document);
  if (!result.success) throw new UsageError(`config file ${file} is not valid:\n${z.prettifyError(result.error)}`);
  return result.data as ConfigFile;
}

/**
 * Sets the command's options from the config file, with commander's 'config' source: the environment and the
 * command line still win. Returns which flag came from the file, so an error about its value can say so.
 */
export function applyConfig(command: Command, config: ConfigFile, file: string): Map<string, string> {
  const applied = new Map<string, string>();
  const section = config[command.name()];
  const settings: Record<string, Scalar> = {};
  for (const key of TOP_LEVEL_KEYS) {
    const value = config[key];
    if (value !== undefined && typeof value !== 'object' && findOption(command, key)) settings[key] = value;
  }
  if (section && typeof section === 'object') {
    const known = command.options
      .map((option) => option.long?.replace(/^--(no-)?/, ''))
      .filter((name): name is string => !!name);
    const unknown = Object.keys(section).filter((key) => !findOption(command, key));
    if (unknown.length > 0)
      throw new UsageError(
        `config file ${file}, section ${command.name()}: ${unknownKeysMessage(unknown, [...new Set(known)])}`,
      );
    Object.assign(settings, section);
  }
  for (const [key, value] of Object.entries(settings)) {
    const option = findOption(command, key)!;
    // A list flag would append the command line's values to the file's: set those on the command line only.
    if (option.variadic) continue;
    const attribute = option.attributeName();
    const flag = typeof value === 'boolean' ? value : value === 'true';
    // `no-unbound: true` in the file means --no-unbound, i.e. unbound = false.
    const parsed = option.isBoolean() ? (option.negate && key.startsWith('no-') ? !flag : flag) : String(value);
    command.setOptionValueWithSource(attribute, parsed, 'config');
    applied.set(`--${key}`, file);
  }
  return applied;
}

function findOption(command: Command, key: string): Option | undefined {
  return command.options.find((option) => option.long === `--${key}` || option.long === `--no-${key}`);
}

/** Writes the settings `up` leaves for later commands (and keeps any command sections already there). */
export async function writeConfigFile(
  file: string,
  settings: Partial<Record<(typeof SHARED_SETTINGS)[number], string>>,
  commandNames: readonly string[],
): Promise<void> {
  let existing: ConfigFile = {};
  try {
    existing = readConfigFile(file, commandNames) ?? {};
  } catch {
    // An invalid file is replaced: up has just started the deployment it describes.
  }
  const merged: ConfigFile = { ...existing, ...settings };
  // What up writes under the new name replaces the old name's value, instead of sitting beside it.
  for (const [old, replacement] of Object.entries(DEPRECATED_SETTINGS))
    if (settings[replacement] !== undefined) delete merged[old];
  await mkdir(path.dirname(file), { recursive: true });
  const header = `# dnsplane settings, read by every dnsplane command run in this directory (flags and DNSPLANE_* variables win).\n# Written by \`dnsplane up\` at ${new Date().toISOString()}; edit freely. Top-level keys: ${SHARED_SETTINGS.join(', ')};\n# other flags in a section per command, e.g. "enact:\\n  interval: 2s".\n`;
  await writeFile(file, header + toYaml(merged));
}
