// The dnsplane command line. Each subcommand lives in its own module under ./commands and registers itself
// here, so this file stays a table of contents.
import { Command, CommanderError } from 'commander';

type Registrar = (program: Command) => void;

// Each entry adds one subcommand (with its own --help).
const commands: Array<() => Promise<{ register: Registrar }>> = [
  () => import('./commands/authority.js'),
  () => import('./commands/probe.js'),
  () => import('./commands/plan.js'),
  () => import('./commands/planner.js'),
  () => import('./commands/fleet-sim.js'),
  () => import('./commands/race.js'),
  () => import('./commands/demo.js'),
  () => import('./commands/enact.js'),
  () => import('./commands/cleanup.js'),
  () => import('./commands/rollback.js'),
  () => import('./commands/status.js'),
  () => import('./commands/dashboard.js'),
  () => import('./commands/up.js'),
  () => import('./commands/down.js'),
];

export async function main(argv: string[]): Promise<void> {
  const program = new Command('dnsplane')
    .description('A safe DNS control plane: planner, fenced enactors, local Route53 authority, resolver probe.')
    .showHelpAfterError()
    .exitOverride();
  for (const load of commands) (await load()).register(program);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    console.error(`dnsplane: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
