// `dnsplane thaw`: remove the freeze marker `dnsplane freeze` (or `rollback --freeze`) left in the plan store.
import type { Command } from 'commander';
import { describeFreeze } from '../../plan/freeze.js';
import { DEFAULT_PLANS_SPEC, openPlanStore } from '../../plan/open-store.js';
import { freezable } from './freeze.js';

export function register(program: Command): void {
  program
    .command('thaw')
    .description(
      "Remove the plan store's freeze: planners and enactors write again from their next pass. Says what it removed.",
    )
    .option('--plans <spec>', 'plan store: file:DIR, a directory, or s3://bucket/prefix', DEFAULT_PLANS_SPEC)
    .action((options: { plans: string }) => runThaw(options.plans));
}

async function runThaw(spec: string): Promise<void> {
  const store = await openPlanStore(spec);
  const marker = freezable(store);
  const freeze = await marker.readFreeze();
  if (!freeze) {
    console.log(`${store.location} is not frozen; nothing to do`);
    return;
  }
  await marker.clearFreeze();
  console.log(
    `thawed ${store.location} (was ${describeFreeze(freeze)}); planners and enactors write again from their next pass`,
  );
}
