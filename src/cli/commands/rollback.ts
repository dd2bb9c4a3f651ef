// `dnsplane rollback --to G`: roll forward to an old generation's content, in velocity-limited steps.
import type { Command } from 'commander';
import { rollback } from '../../enactor/rollback.js';
import { DEFAULT_MAX_DROP_SHARE } from '../../plan/fleet.js';
import { assertNotFrozen, describeFreeze, type Freeze } from '../../plan/freeze.js';
import { DEFAULT_PLANS_SPEC, openPlanStore } from '../../plan/open-store.js';
import { freezable, operator } from './freeze.js';
import { parseDuration } from '../duration.js';
import { addLiveFenceOptions, liveFenceReader, type LiveFenceOptions } from '../live-fences.js';
import { parseNumber } from '../numbers.js';

interface RollbackOptions extends LiveFenceOptions {
  to: string;
  plans: string;
  by?: string;
  maxDropShare: string;
  force: boolean;
  stepInterval: string;
  freeze: boolean;
  reason?: string;
}

export function register(program: Command): void {
  const command = program
    .command('rollback')
    .description(
      "Republish generation G's content as new, higher generations: a chain from the latest plan toward G, each step " +
        "taking at most --max-drop-share of an endpoint's weight out of service (the planner's velocity limit), the " +
        "last step exactly G's content. Enactors then apply them like any plan (fenced and guarded); nothing is " +
        'written to Route53 by this command, and no fence ever moves backwards.',
    )
    .requiredOption('--to <generation>', 'the generation whose content to republish')
    .option('--plans <spec>', 'plan store: file:DIR, a directory, or s3://bucket/prefix', DEFAULT_PLANS_SPEC)
    .option('--by <name>', "recorded in the new plans' createdBy (default: USER@HOST)")
    .option(
      '--max-drop-share <0..1>',
      "largest share of an endpoint's weight one step may take out of service",
      String(DEFAULT_MAX_DROP_SHARE),
    )
    .option('--force', "one step straight to G's content, with no velocity limit", false)
    .option(
      '--step-interval <duration>',
      'wait this long between publishing two steps (0 = the whole chain at once)',
      '0s',
    )
    .option(
      '--freeze',
      'pin the rollback: freeze the plan store first so no planner (or other rollback) can undo it, while enactors still apply it; `dnsplane thaw` ends it',
      false,
    )
    .option('--reason <text>', 'with --freeze: the reason recorded in the freeze (default: rollback to generation G)');
  addLiveFenceOptions(command).action((options: RollbackOptions) => runRollback(options));
}

async function runRollback(options: RollbackOptions): Promise<void> {
  const to = parseNumber(options.to, '--to', { min: 1, integer: true });
  const maxDropShare = parseNumber(options.maxDropShare, '--max-drop-share', { min: 0.01, max: 1 });
  const stepIntervalMs = parseDuration(options.stepInterval, '--step-interval');
  const store = await openPlanStore(options.plans);
  const by = operator(options.by);
  if (options.freeze) {
    // Pinned before the first step, so a planner's next pass already sees it; it replaces a plain freeze.
    const pin: Freeze = {
      reason: options.reason ?? `rollback to generation ${to}`,
      author: by,
      at: new Date().toISOString(),
      pinnedGeneration: to,
    };
    await freezable(store).writeFreeze(pin);
    console.log(`${store.location} is ${describeFreeze(pin)}`);
  } else {
    await assertNotFrozen(store, 'rollback');
  }
  const zone = (await store.read(to))?.zone;
  const fences = zone === undefined ? undefined : liveFenceReader(options, zone);
  if (options.force)
    console.log(`--force: one step straight to the content of generation ${to}, with no velocity limit`);
  const result = await rollback(store, to, {
    by,
    maxDropShare,
    force: options.force,
    stepIntervalMs,
    ...(fences ? { highestLiveFence: fences.read } : {}),
    onStep: (plan, index, total, step) => {
      const held =
        step.limited.length > 0
          ? `; velocity limit held back ${step.limited.join(', ')}`
          : `: the content of generation ${to}`;
      console.log(`published generation ${plan.generation} (step ${index + 1} of ${total})${held}`);
    },
  }).finally(() => fences?.close());
  const last = result.published.at(-1)!;
  const steps = result.published.length;
  const limit = options.force
    ? 'forced, no velocity limit'
    : `at most ${Math.round(maxDropShare * 1000) / 10}% of an endpoint's weight removed per step`;
  console.log(
    `rolled back to the content of generation ${to} in ${steps} step(s) (${limit}): generations ${result.published[0].generation}..${last.generation} ` +
      `in ${store.location}; enactors will apply them on their next passes`,
  );
}
