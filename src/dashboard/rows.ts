// The endpoint table: `dnsplane status` rows (collectStatus, the same reading of plan store and Route53) plus
// the probe's last word per path, judged into one state an operator can see from across the room.
import type { EndpointStatus } from '../status/endpoint-status.js';
import { EMPTY_RESULTS, isBad } from '../probe/classify.js';
import type { ProbeStatus } from '../probe/status-file.js';
import type { EndpointRow, EndpointState, ProbeCell } from './model.js';

/** The probe's endpoint keys have no trailing dot when names came from the command line; status keys do. */
function endpointIdentity(key: string): string {
  return key.replace(/\.(?= )/, '').toLowerCase();
}

export function judgeEndpoint(
  status: EndpointStatus,
  probe: readonly ProbeCell[],
): { state: EndpointState; reason: string } {
  const emptyProbe = probe.find((cell) => EMPTY_RESULTS.has(cell.result));
  // Never applied: no fence whose plan names it (none at all before the first pass, or the shard's fence is of
  // a generation before the endpoint was added), no records, and no probe ever got an answer. Not an outage,
  // just not yet (a probe started with `dnsplane up` asks before the first pass). Records deleted from under a
  // served endpoint stay EMPTY: the probe answered before, or the live fence's plan has the endpoint.
  const neverServed = !probe.some((cell) => cell.answeredBefore);
  if (status.liveMatchesLatest !== null && status.liveMatchesFence === null && status.recordSets === 0 && neverServed) {
    return { state: 'pending', reason: `planned in generation ${status.plannedGeneration}, not applied yet` };
  }
  if (status.plannedGeneration !== null && status.liveMatchesLatest !== null && status.recordSets === 0) {
    return { state: 'empty', reason: 'planned, but no live record sets' };
  }
  if (emptyProbe) return { state: 'empty', reason: `probe via ${emptyProbe.path}: ${emptyProbe.result}` };
  const badProbe = probe.find((cell) => isBad(cell.result));
  if (badProbe) return { state: 'failing', reason: `probe via ${badProbe.path}: ${badProbe.result}` };
  if (status.generationConflict)
    return {
      state: 'drift',
      reason:
        'GENERATION CONFLICT: the shard fence has the planned generation with other content (two plans stored under one generation); enactors stand down',
    };
  if (status.liveMatchesLatest === true) return { state: 'match', reason: 'live records equal the latest plan' };
  if (status.excluded)
    return {
      state: 'behind',
      reason: 'left out of its shard (x= in the fence): the guard refused its change or Route53 refuses it (poisoned)',
    };
  if (status.liveMatchesFence === true)
    return {
      state: 'behind',
      reason: `live is generation ${status.liveGeneration}; ${status.plannedGeneration} is planned`,
    };
  if (status.liveMatchesLatest === false || status.liveMatchesFence === false) {
    return {
      state: 'drift',
      reason:
        status.liveGeneration === null
          ? 'live records differ from the latest plan (no fence)'
          : `live records differ from generation ${status.liveGeneration}'s plan`,
    };
  }
  return { state: 'unknown', reason: 'no plan to compare with' };
}

export function endpointRow(status: EndpointStatus, probe: readonly ProbeCell[]): EndpointRow {
  return {
    endpoint: status.endpoint,
    ...judgeEndpoint(status, probe),
    plannedGeneration: status.plannedGeneration,
    liveGeneration: status.liveGeneration,
    fenceWriter: status.fenceWriter,
    liveMatchesFence: status.liveMatchesFence,
    liveMatchesLatest: status.liveMatchesLatest,
    recordSets: status.recordSets,
    probe: [...probe],
  };
}

/** The probe status file's entries as cells, per endpoint key. */
export function probeCellsOfFile(status: ProbeStatus | undefined): Array<{ endpoint: string; cell: ProbeCell }> {
  return (status?.endpoints ?? []).map((entry) => ({
    endpoint: entry.endpoint,
    cell: {
      path: entry.path,
      result: entry.result,
      at: Date.parse(entry.at),
      values: entry.values,
      answeredBefore: entry.availability > 0,
      ...(entry.latencyMs !== undefined ? { latencyMs: entry.latencyMs } : {}),
    },
  }));
}

/**
 * Rows for every endpoint of the status, and for probed endpoints that status does not know (probed by name).
 * Served on every page request and metrics scrape: the cells are grouped by endpoint once, not searched per
 * row (a search per row grew with the square of the fleet; BENCHMARKS.md).
 */
export function endpointRows(
  statuses: readonly EndpointStatus[],
  cells: ReadonlyArray<{ endpoint: string; cell: ProbeCell }>,
): EndpointRow[] {
  const cellsOf = new Map<string, Array<{ endpoint: string; cell: ProbeCell }>>();
  for (const entry of cells) {
    const identity = endpointIdentity(entry.endpoint);
    const group = cellsOf.get(identity);
    if (group) group.push(entry);
    else cellsOf.set(identity, [entry]);
  }
  const known = new Set<string>();
  const rows = statuses.map((status) => {
    const identity = endpointIdentity(status.endpoint);
    known.add(identity);
    return endpointRow(
      status,
      (cellsOf.get(identity) ?? []).map((entry) => entry.cell),
    );
  });
  const unknown = new Map<string, ProbeCell[]>();
  for (const entry of cells) {
    if (known.has(endpointIdentity(entry.endpoint))) continue;
    const group = unknown.get(entry.endpoint);
    if (group) group.push(entry.cell);
    else unknown.set(entry.endpoint, [entry.cell]);
  }
  for (const [endpoint, probe] of unknown) {
    const blank: EndpointStatus = {
      endpoint,
      liveGeneration: null,
      fenceWriter: null,
      plannedGeneration: null,
      liveMatchesFence: null,
      liveMatchesLatest: null,
      recordSets: 0,
      excluded: false,
      generationConflict: false,
      probe: null,
    };
    rows.push(endpointRow(blank, probe));
  }
  return rows;
}
