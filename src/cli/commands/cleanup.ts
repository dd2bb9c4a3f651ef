// `dnsplane cleanup`: delete old plan generations, never one that a fence points at.
import type { Command } from 'commander';
import { cleanupPlans } from '../../enactor/cleanup.js';
import { assertNotFrozen } from '../../plan/freeze.js';
import { parseNumber } from '../numbers.js';
import { addZoneTargetOptions, openZoneTarget, type ZoneTargetOptions } from '../zone-target.js';

interface CleanupCommandOptions extends ZoneTargetOptions {
  retention: string;
  dryRun: boolean;
  json: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('cleanup')
    .description(
      'Delete plan generations older than the lowest generation any shard fence names (read from the zone now) minus ' +
        '--retention. A generation any fence points at, and the newest plan, are never deleted; while a shard has no ' +
        'fence (a zone not yet enacted) nothing is deleted.',
    );
  addZoneTargetOptions(command)
    .option('--retention <n>', 'generations to keep below the lowest live one (for rollback)', '2')
    .option('--dry-run', 'print what would be deleted without deleting', false)
    .option('--json', 'print the result as JSON', false)
    .action((options: CleanupCommandOptions) => runCleanup(options));
}

async function runCleanup(options: CleanupCommandOptions): Promise<void> {
  const retention = parseNumber(options.retention, '--retention', { min: 0, integer: true });
  const target = await openZoneTarget(options);
  if (!options.dryRun) await assertNotFrozen(target.store, 'cleanup');
  try {
    const result = await cleanupPlans({
      store: target.store,
      client: target.caller,
      zoneId: target.zoneId,
      ownerId: options.ownerId,
      retention,
      dryRun: options.dryRun,
    });
    if (options.json) {
      console.log(JSON.stringify({ ...result, dryRun: options.dryRun }, null, 2));
      return;
    }
    const verb = options.dryRun ? 'would delete' : 'deleted';
    console.log(`live generations (from fences): ${result.live.join(', ') || 'none'}`);
    console.log(deletedLine(verb, result.deleteBelow, result.deleted, retention));
    console.log(`kept: ${result.kept.join(', ') || 'none'}`);
  } finally {
    target.sdk.destroy();
  }
}

function deletedLine(verb: string, deleteBelow: number | undefined, deleted: number[], retention: number): string {
  if (deleteBelow === undefined) return 'not every shard has a fence: nothing is deleted';
  // Generations start at 1: "below -1" would be true but reads like a bug.
  if (deleteBelow <= 1)
    return `nothing to delete: --retention ${retention} keeps every generation up to the lowest live one`;
  return `${verb} ${deleted.length} generation(s) below ${deleteBelow}: ${deleted.join(', ') || 'none'}`;
}
