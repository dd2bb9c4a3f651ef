// The dnsplane command line, as a table of contents: each subcommand's name, the one line `dnsplane --help`
// lists it with, and the module under ./commands that registers it (options, full description, action).
// Only the invoked command's module is loaded: together they pull in both AWS SDK clients, dns2, pino and
// the dashboard, which cost more CPU than the rest of a `dnsplane X --help` put together.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EXIT, exitCodeOf, UsageError } from './exit-codes.js';
import { SettingsCommand } from './settings-command.js';

type Registrar = (program: Command) => void;
type Entry = [name: string, summary: string, load: () => Promise<{ register: Registrar }>];

const commands: Entry[] = [
  ['authority', 'Run the local Route53: REST API + authoritative DNS', () => import('./commands/authority.js')],
  ['probe', "Watch the plan's endpoints resolve (authority, resolver)", () => import('./commands/probe.js')],
  ['plan', 'One planner pass: print the diff (dry run by default)', () => import('./commands/plan.js')],
  ['planner', 'Run the planner in a loop, storing new generations', () => import('./commands/planner.js')],
  ['fleet-sim', "Simulate load balancers' health endpoints", () => import('./commands/fleet-sim.js')],
  ['race', 'Reproduce the October 2025 race (legacy or safe design)', () => import('./commands/race.js')],
  ['demo', 'Legacy race, then safe race, narrated (npm start)', () => import('./commands/demo.js')],
  ['enact', 'Run a fenced enactor: apply the latest plan to Route53', () => import('./commands/enact.js')],
  ['cleanup', 'Delete plan generations no endpoint still needs', () => import('./commands/cleanup.js')],
  ['rollback', 'Republish an old generation as a new, higher one', () => import('./commands/rollback.js')],
  ['freeze', 'Stop planners and enactors writing, with a reason', () => import('./commands/freeze.js')],
  ['thaw', 'Undo dnsplane freeze: writing resumes', () => import('./commands/thaw.js')],
  ['status', 'Per endpoint: live vs planned generation, probe result', () => import('./commands/status.js')],
  ['dashboard', 'Serve the operator page (status, timeline, audit)', () => import('./commands/dashboard.js')],
  ['up', 'Start the three-zone deployment on 127.0.0.1', () => import('./commands/up.js')],
  ['down', 'Stop what `dnsplane up` started', () => import('./commands/down.js')],
  ['supervise', 'Restart dead components of an `up` deployment (up runs it)', () => import('./commands/supervise.js')],
];

export async function main(argv: string[]): Promise<void> {
  quietSdkNodeVersionWarning();
  stopQuietlyWhenOutputIsClosed();
  const program = new SettingsCommand('dnsplane')
    .description('A safe DNS control plane: planner, fenced enactors, local Route53 authority, resolver probe.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(add --help for usage)')
    // Names alone: commands not invoked are not loaded, so commander cannot know their options to print `[options]`.
    .configureHelp({ subcommandTerm: (command) => command.name() })
    // Commander's own usage errors read like ours (`dnsplane: unknown option ...`), not `error: ...`.
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'dnsplane: ')) })
    .exitOverride();
  const invoked = invokedCommand(argv.slice(2));
  let fromConfig = new Map<string, string>();
  try {
    for (const [name, summary, load] of commands) {
      // The others are listed by name and summary only; commander never runs them, as they were not invoked.
      if (name === invoked) (await load()).register(program);
      else program.command(name);
      const command = program.commands.find((candidate) => candidate.name() === name);
      if (!command) throw new Error(`./commands/${name}.js registered no command named ${name}`);
      command.summary(summary);
      if (name === invoked) fromConfig = await configure(command);
    }
    await program.parseAsync(argv);
  } catch (error) {
    // Commander has printed its message already; help and --version are its only successes.
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
    console.error(
      `dnsplane: ${error instanceof Error ? error.message : String(error)}${configNote(error, fromConfig)}`,
    );
    process.exit(exitCodeOf(error));
  }
}

/**
 * `dnsplane status | head`: once the reader has what it wants and closes the pipe, the next write fails with
 * EPIPE. That is the reader's choice, not a failure of the command: stop at once, with the exit code so far,
 * instead of Node's unhandled-error stack trace.
 */
function stopQuietlyWhenOutputIsClosed(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? EXIT.ok);
  });
}

/**
 * The settings files' values (see settings.ts for the precedence; SettingsCommand wires the environment). Loaded
 * only for an invoked command: its YAML parser and zod are a third of what `dnsplane --help` would cost.
 */
async function configure(command: Command): Promise<Map<string, string>> {
  const { applyConfig, readConfigFile, settingsFiles } = await import('./settings.js');
  const fromFile = new Map<string, string>();
  // Each file sets what it has; a later one (the user's config file) overrides an earlier one.
  for (const file of settingsFiles(command.name())) {
    const config = readConfigFile(
      file,
      commands.map(([name]) => name),
    );
    if (config) for (const [flag, source] of applyConfig(command, config, file)) fromFile.set(flag, source);
  }
  return fromFile;
}

/** A bad value the user did not type says where it came from. */
function configNote(error: unknown, fromConfig: ReadonlyMap<string, string>): string {
  if (!(error instanceof UsageError)) return '';
  const flag = /^(--[a-z0-9-]+)/.exec(error.message)?.[1];
  const file = flag && fromConfig.get(flag);
  return file ? ` (${flag} was set in the config file ${file})` : '';
}

/**
 * On Node 20 the AWS SDK warns, once per process, that its versions published after January 2027 will need
 * Node 22. True, but nothing a user of this CLI can act on (the SDK's version is pinned in package-lock.json),
 * and it lands in the middle of every command's output. The SDK's own switch turns off just that warning;
 * a user who sets the variable keeps their choice. Set here, so the processes `dnsplane up` starts inherit it.
 */
function quietSdkNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/**
 * The subcommand argv names (or `help NAME` asks about). The top level has only flags without values
 * (--help, --version), so the first word that is not a flag is the command.
 */
function invokedCommand(args: string[]): string | undefined {
  const words = args.filter((arg) => !arg.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;
}
