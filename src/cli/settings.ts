// Where a flag's value comes from, in order: the command line, then the environment (DNSPLANE_<FLAG>, e.g.
// DNSPLANE_PLANS for --plans), then the user's config file (YAML, .dnsplane/config.yaml or $DNSPLANE_CONFIG),
// then the deployment file `dnsplane up` wrote (.dnsplane/deployment.yaml), then the flag's default. The
// deployment file lets plain `dnsplane status` after `up` talk to that deployment; `up` itself never reads it,
// so a second `up` here starts from the user's settings, not from what the first one chose. Both files are
// strict: an unknown key is an error naming it and the closest known one.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command, Option } from 'commander';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { z } from 'zod';
import { strictObject, unknownKeysMessage } from '../config/strict.js';
import { UsageError } from './exit-codes.js';
import { parseBooleanSetting } from './settings-command.js';

export const DEFAULT_CONFIG_FILE = '.dnsplane/config.yaml';
/** Written by `dnsplane up` (replaced by the next one), read by every command but up. */
export const DEPLOYMENT_FILE = '.dnsplane/deployment.yaml';
const DEPLOYMENT_WRITER = 'up';
/**
 * Names the config file; empty or `none` reads no settings file at all, neither the config file nor the
 * deployment file (what `up` gives the processes it starts).
 */
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

/** Old top-level keys that still work; the option each sets says it is deprecated (endpoint: endpoint-url). */
const DEPRECATED_SETTINGS = ['endpoint'];
const TOP_LEVEL_KEYS = [...SHARED_SETTINGS, ...DEPRECATED_SETTINGS];

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

/** Where `up` writes its deployment's settings; undefined when settings files are off ($DNSPLANE_CONFIG empty). */
export function deploymentFilePath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return configFilePath(env) === undefined ? undefined : DEPLOYMENT_FILE;
}

/** The settings files a command reads, the one that yields first (the deployment file's) first. */
export function settingsFiles(commandName: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const deployment = commandName === DEPLOYMENT_WRITER ? undefined : deploymentFilePath(env);
  return [deployment, configFilePath(env)].filter((file): file is string => file !== undefined);
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
    const flag = () => (typeof value === 'boolean' ? value : parseBooleanSetting(String(value), `${file}: ${key}`));
    // `no-unbound: true` in the file means --no-unbound, i.e. unbound = false.
    const parsed = option.isBoolean() ? (option.negate && key.startsWith('no-') ? !flag() : flag()) : String(value);
    command.setOptionValueWithSource(attribute, parsed, 'config');
    applied.set(`--${key}`, file);
  }
  return applied;
}

function findOption(command: Command, key: string): Option | undefined {
  return command.options.find((option) => option.long === `--${key}` || option.long === `--no-${key}`);
}

/**
 * Writes the settings `up` leaves for later commands in this directory, replacing those of an earlier `up`.
 * The user's config file is never written: what a user wrote there stays theirs, and wins over this.
 */
export async function writeDeploymentFile(
  file: string,
  settings: Partial<Record<(typeof SHARED_SETTINGS)[number], string>> & { probe?: { resolver: string } },
): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const header = `# The deployment \`dnsplane up\` started at ${new Date().toISOString()}, read by every other dnsplane command run in\n# this directory (flags, DNSPLANE_* variables and ${DEFAULT_CONFIG_FILE} win). Replaced by the next \`up\`, never read by it:\n# your own settings go in ${DEFAULT_CONFIG_FILE}.\n`;
  await writeFile(file, header + toYaml(settings));
}
