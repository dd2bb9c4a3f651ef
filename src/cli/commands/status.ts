// `dnsplane status`: what is live, what is planned, whether they agree, and one state per endpoint judged as
// the dashboard judges it (EMPTY, failing, drift, behind, pending, match). Exits 4 when an endpoint is EMPTY.
import type { Command } from 'commander';
import { endpointRows, probeCellsOfFile } from '../../dashboard/rows.js';
import { describeStoreBehindZone } from '../../enactor/options.js';
import { collectStatus, formatStatus, storeBehindZoneRead } from '../../status/endpoint-status.js';
import { describeFreeze } from '../../plan/freeze.js';
import { formatDiagnosis } from '../../probe/report.js';
import { DEFAULT_STATUS_FILE, probeStatusStaleness, readProbeStatus } from '../../probe/status-file.js';
import { EXIT } from '../exit-codes.js';
import { addZoneTargetOptions, openZoneTarget, type ZoneTargetOptions } from '../zone-target.js';

interface StatusOptions extends ZoneTargetOptions {
  json: boolean;
  probeStatus: string;
}

export function register(program: Command): void {
  const command = program
    .command('status')
    .description(
      'Per endpoint: its state (EMPTY, FAILING, DRIFT, BEHIND, PENDING = planned but never applied, MATCH), the generation ' +
        'its fence says is live (and which enactor wrote it), the latest planned generation, whether the live records match ' +
        "the fence's generation and the latest plan, and the probe's last result if a probe status file exists. " +
        'Exit code 4 when an endpoint is EMPTY.',
    );
  addZoneTargetOptions(command)
    .option('--json', 'print JSON instead of a table', false)
    .option(
      '--probe-status <file>',
      'probe status file written by `dnsplane probe` (ignored if missing)',
      DEFAULT_STATUS_FILE,
    )
    .action((options: StatusOptions) => runStatus(options));
}

async function runStatus(options: StatusOptions): Promise<void> {
  const target = await openZoneTarget(options);
  try {
    const [statuses, probe, freeze] = await Promise.all([
      collectStatus({
        store: target.store,
        client: target.caller,
        zoneId: target.zoneId,
        probeStatusFile: options.probeStatus,
        ownerId: options.ownerId,
      }),
      readProbeStatus(options.probeStatus),
      target.store.readFreeze?.(),
    ]);
    // The dashboard's judgement, so that the page and this command never disagree about an endpoint.
    const judged = endpointRows(statuses, probeCellsOfFile(probe)).slice(0, statuses.length);
    const behind = await storeBehindZoneRead(statuses, {
      client: target.caller,
      zoneId: target.zoneId,
      ownerId: options.ownerId,
    });
    if (options.json) {
      const endpoints = statuses.map((status, i) => ({
        ...status,
        state: judged[i].state,
        reason: judged[i].reason,
      }));
      console.log(
        JSON.stringify(
          {
            zoneId: target.zoneId,
            freeze: freeze ?? null,
            storeBehind: behind ?? null,
            ...(probe?.diagnosis ? { probeDiagnosis: probe.diagnosis } : {}),
            endpoints,
          },
          null,
          2,
        ),
      );
    } else {
      if (freeze) console.log(`${target.store.location} is ${describeFreeze(freeze)}\n`);
      if (behind) console.log(`! ${describeStoreBehindZone(behind)}\n`);
      console.log(
        withStateColumn(
          formatStatus(statuses),
          judged.map((row) => row.state.toUpperCase()),
        ),
      );
      if (probe?.diagnosis) console.log(`probe ${formatDiagnosis(probe.diagnosis)}`);
    }
    const stale = probeStatusStaleness(options.probeStatus, probe);
    if (stale) console.error(`dnsplane: note: the probe results shown may be old: ${stale}`);
    const empty = judged.filter((row) => row.state === 'empty');
    if (empty.length > 0) {
      console.error(
        `dnsplane: ${empty.length} endpoint(s) EMPTY: ${empty.map((row) => `${row.endpoint} (${row.reason})`).join(', ')}`,
      );
      process.exitCode = EXIT.empty;
    }
  } finally {
    target.sdk.destroy();
  }
}

/** The table with a STATE column in front (one line per row after the header; none when there are no rows). */
function withStateColumn(table: string, states: readonly string[]): string {
  if (states.length === 0) return table;
  const width = Math.max('STATE'.length, ...states.map((state) => state.length));
  return table
    .split('\n')
    .map((line, i) => `${(i === 0 ? 'STATE' : states[i - 1]).padEnd(width)}  ${line}`)
    .join('\n');
}
