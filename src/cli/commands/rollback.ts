// `dnsplane rollback --to G`: roll forward to an old generation's content.
import { hostname, userInfo } from 'node:os';
import type { Command } from 'commander';
import { rollback } from '../../enactor/rollback.js';
import { DEFAULT_PLANS_SPEC, openPlanStore } from '../../plan/open-store.js';
import { parseNumber } from '../numbers.js';

interface RollbackOptions {
  to: string;
  plans: string;
  by?: string;
}

export function register(program: Command): void {
  program
    .command('rollback')
    .description(
      'Republish generation G\'s content as a new, higher generation. Enactors then apply it like any plan (fenced and ' +
        'guarded); nothing is written to Route53 by this command, and no fence ever moves backwards.',
    )
    .requiredOption('--to <generation>', 'the generation whose content to republish')
    .option('--plans <spec>', 'plan store: file:DIR, a directory, or s3://bucket/prefix', DEFAULT_PLANS_SPEC)
    .option('--by <name>', 'recorded in the new plan\'s createdBy (default: USER@HOST)')
    .action((options: RollbackOptions) => runRollback(options));
}

async function runRollback(options: RollbackOptions): Promise<void> {
  const to = parseNumber(options.to, '--to', { min: 1, integer: true });
  const store = await openPlanStore(options.plans);
  const plan = await rollback(store, to, options.by ?? `${userInfo().username}@${hostname()}`);
  console.log(`published generation ${plan.generation} with the content of generation ${to} to ${store.location}; enactors will apply it on their next pass`);
}
