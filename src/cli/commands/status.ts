// `dnsplane status`: what is live, what is planned, and whether they agree.
import type { Command } from 'commander';
import { collectStatus, formatStatus } from '../../enactor/status.js';
import { DEFAULT_STATUS_FILE, probeStatusStaleness, readProbeStatus } from '../../probe/status-file.js';
import { addZoneTargetOptions, openZoneTarget, type ZoneTargetOptions } from '../zone-target.js';

interface StatusOptions extends ZoneTargetOptions {
  json: boolean;
  probeStatus: string;
}

export function register(program: Command): void {
  const command = program
    .command('status')
    .description(
      'Per endpoint: the generation its fence says is live (and which enactor wrote it), the latest planned generation, ' +
        'whether the live records match the fence\'s generation and the latest plan, and the probe\'s last result if a ' +
        'probe status file exists.',
    );
  addZoneTargetOptions(command)
    .option('--json', 'print JSON instead of a table', false)
    .option('--probe-status <file>', 'probe status file written by `dnsplane probe` (ignored if missing)', DEFAULT_STATUS_FILE)
    .action((options: StatusOptions) => runStatus(options));
}

async function runStatus(options: StatusOptions): Promise<void> {
  const target = await openZoneTarget(options);
  try {
    const rows = await collectStatus({ store: target.store, client: target.client, zoneId: target.zoneId, probeStatusFile: options.probeStatus });
    console.log(options.json ? JSON.stringify({ zoneId: target.zoneId, endpoints: rows }, null, 2) : formatStatus(rows));
    const stale = probeStatusStaleness(options.probeStatus, await readProbeStatus(options.probeStatus));
    if (stale) console.error(`dnsplane: note: the probe results shown may be old: ${stale}`);
  } finally {
    target.sdk.destroy();
  }
}
