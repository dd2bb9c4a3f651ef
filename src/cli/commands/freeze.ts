// `dnsplane freeze --reason "..."`: stop every planner and enactor sharing the plan store from writing, until
// `dnsplane thaw`. The freeze is a marker in the plan store (plan/freeze.ts), so it reaches them wherever they run.
import { hostname, userInfo } from 'node:os';
import type { Command } from 'commander';
import { describeFreeze } from '../../plan/freeze.js';
import { DEFAULT_PLANS_SPEC, openPlanStore } from '../../plan/open-store.js';
import type { PlanStore } from '../../plan/store.js';
import { UsageError } from '../exit-codes.js';

interface FreezeOptions {
  reason: string;
  plans: string;
  by?: string;
}

export function register(program: Command): void {
  program
    .command('freeze')
    .description(
      'Freeze the plan store: planners write no new plans and enactors change no records (checked at the start of every ' +
        'pass) until `dnsplane thaw`. status, the dashboard and the dnsplane_frozen metric show it with its reason and author.',
    )
    .requiredOption('--reason <text>', 'why, for whoever finds it frozen')
    .option('--plans <spec>', 'plan store: file:DIR, a directory, or s3://bucket/prefix', DEFAULT_PLANS_SPEC)
    .option('--by <name>', 'recorded as the author (default: USER@HOST)')
    .action((options: FreezeOptions) => runFreeze(options));
}

export function operator(by?: string): string {
  return by ?? `${userInfo().username}@${hostname()}`;
}

/** The store's freeze marker methods; a store without them cannot be frozen, which is an error here. */
export function freezable(store: PlanStore): Required<Pick<PlanStore, 'readFreeze' | 'writeFreeze' | 'clearFreeze'>> {
  const { readFreeze, writeFreeze, clearFreeze } = store;
  if (!readFreeze || !writeFreeze || !clearFreeze)
    throw new UsageError(`the plan store ${store.location} cannot hold a freeze marker`);
  return {
    readFreeze: readFreeze.bind(store),
    writeFreeze: writeFreeze.bind(store),
    clearFreeze: clearFreeze.bind(store),
  };
}

async function runFreeze(options: FreezeOptions): Promise<void> {
  if (options.reason.trim() === '') throw new UsageError('--reason must say why');
  const store = await openPlanStore(options.plans);
  const marker = freezable(store);
  const freeze = { reason: options.reason, author: operator(options.by), at: new Date().toISOString() };
  await marker.writeFreeze(freeze);
  console.log(
    `${store.location} is ${describeFreeze(freeze)}\nplanners and enactors stop writing at their next pass; \`dnsplane thaw\` to resume`,
  );
}
