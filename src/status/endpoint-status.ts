// `dnsplane status`: per endpoint, what the fence says is live, what is planned, whether the live records are
// what the fence's generation promises, and what the probe last saw (if a probe writes its status file). The
// operator's view, shared by the command and the dashboard; it reads the zone the way the enactor does.
import type { Route53Port } from '../route53/port.js';
import type { EndpointPlan, Plan } from '../plan/schema.js';
import type { PlanStore } from '../plan/store.js';
import { readProbeStatus, type ProbeStatus } from '../probe/status-file.js';
import { endpointKey } from '../route53/recordset.js';
import { desiredSets, setsMatch } from '../enactor/changes.js';
import { readLiveZone, zoneShardFences, type LiveZone } from '../enactor/live.js';
import { highestLiveFence } from '../enactor/highest-fence.js';
import { shardDigest, shardOfKey, type ShardFence } from '../enactor/shard-fence.js';
import type { StoreBehindZone } from '../enactor/options.js';

export interface EndpointStatus {
  /** "name TYPE". */
  endpoint: string;
  liveGeneration: number | null;
  fenceWriter: string | null;
  plannedGeneration: number | null;
  /** Live records equal the plan of the fence's generation (null: no fence, or that plan is gone). */
  liveMatchesFence: boolean | null;
  /** Live records equal the latest plan. */
  liveMatchesLatest: boolean | null;
  recordSets: number;
  /**
   * Left out of its shard's fence (x=): the guard refused it or Route53 refuses its changes (poisoned). Its
   * records are not the fence's generation: liveGeneration and liveMatchesFence are null then.
   */
  excluded: boolean;
  /** The shard's fence has the planned generation with other content: two plans stored under one generation. */
  generationConflict: boolean;
  /** The probe's last result per path (authority/resolver), when a probe status file exists. */
  probe: Array<{ path: string; result: string; at: string; values: string[] }> | null;
}

export interface StatusOptions {
  store: PlanStore;
  client: Route53Port;
  zoneId: string;
  /** The probe's status file (see `dnsplane probe --status-file`); missing file → probe: null. */
  probeStatusFile?: string;
  /** Whose shard fences to read (default: the default owner). */
  ownerId?: string;
}

export async function collectStatus(options: StatusOptions): Promise<EndpointStatus[]> {
  const [latest, view, probe] = await Promise.all([
    options.store.latest(),
    readLiveZone(options.client, options.zoneId, options.ownerId),
    options.probeStatusFile ? readProbeStatus(options.probeStatusFile) : Promise.resolve(undefined),
  ]);
  // Each plan's endpoints by key, indexed once: a list search per row would be quadratic in the zone's size.
  const plans = new Map<number, Map<string, EndpointPlan> | undefined>(
    latest ? [[latest.generation, indexEndpoints(latest)]] : [],
  );
  const planAt = async (generation: number) => {
    if (!plans.has(generation)) plans.set(generation, indexEndpoints(await options.store.read(generation)));
    return plans.get(generation);
  };
  // Rows: what the latest plan names, and live endpoints the plan their fence names still has (not yet removed).
  // Sets in a fenced shard that no plan of this owner names are someone else's (another owner, or by hand).
  const keys = new Set<string>(latest?.endpoints.map((e) => endpointKey(e.name, e.type)) ?? []);
  for (const [key, endpoint] of view.endpoints) {
    if (keys.has(key) || !endpoint.fence || endpoint.sets.length === 0) continue;
    if ((await planAt(endpoint.fence.generation))?.has(key)) keys.add(key);
  }
  const rows: EndpointStatus[] = [];
  for (const key of [...keys].sort()) {
    const live = view.endpoints.get(key) ?? { sets: [], fence: shardFenceIn(view, latest, key) };
    const excluded = live.fence?.excluded.includes(key) ?? false;
    const generation = excluded ? undefined : live.fence?.generation;
    if (generation !== undefined) await planAt(generation);
    const matches = (plan: Map<string, EndpointPlan> | undefined) => {
      const endpoint = plan?.get(key);
      return endpoint ? setsMatch(live.sets, desiredSets(endpoint)) : null;
    };
    rows.push({
      endpoint: key,
      liveGeneration: generation ?? null,
      fenceWriter: live.fence?.writer ?? null,
      plannedGeneration: latest?.generation ?? null,
      liveMatchesFence: generation !== undefined ? matches(plans.get(generation)) : null,
      liveMatchesLatest: latest ? matches(plans.get(latest.generation)) : null,
      recordSets: live.sets.length,
      excluded,
      generationConflict:
        latest !== undefined &&
        live.fence?.generation === latest.generation &&
        live.fence.digest !== shardDigest(latest, live.fence.shard, live.fence.excluded),
      probe: probeFor(probe, key),
    });
  }
  return rows;
}

/** The shard fence of a planned endpoint that has no records at all (so no entry of its own in the view). */
function shardFenceIn(view: LiveZone, latest: Plan | undefined, key: string): ShardFence | undefined {
  return latest ? zoneShardFences(view, latest.zone).get(shardOfKey(key)) : undefined;
}

function indexEndpoints(plan: Plan | undefined): Map<string, EndpointPlan> | undefined {
  return plan && new Map(plan.endpoints.map((endpoint) => [endpointKey(endpoint.name, endpoint.type), endpoint]));
}

function probeFor(status: ProbeStatus | undefined, key: string): EndpointStatus['probe'] {
  if (!status) return null;
  const [name, type] = key.split(' ');
  const wanted = new Set([key, `${name.replace(/\.$/, '')} ${type}`]);
  return status.endpoints
    .filter((entry) => wanted.has(entry.endpoint))
    .map((entry) => ({ path: entry.path, result: entry.result, at: entry.at, values: entry.values }));
}

/**
 * Every stored plan below the live fences (a new, wiped or restored store: the enactors stand down on all of
 * them), which `status` and the dashboard warn about; undefined when the store is not behind.
 */
export function storeBehindZone(statuses: readonly EndpointStatus[]): StoreBehindZone | undefined {
  const highestFence = Math.max(0, ...statuses.map((row) => row.liveGeneration ?? 0));
  const highestPlan = statuses.find((row) => row.plannedGeneration !== null)?.plannedGeneration ?? 0;
  return highestFence > highestPlan ? { highestPlan, highestFence } : undefined;
}

/** storeBehindZone, and for a store with no plan at all (no rows to judge from) the zone's fences read. */
export async function storeBehindZoneRead(
  statuses: readonly EndpointStatus[],
  target: Pick<StatusOptions, 'client' | 'zoneId' | 'ownerId'>,
): Promise<StoreBehindZone | undefined> {
  if (statuses.some((row) => row.plannedGeneration !== null)) return storeBehindZone(statuses);
  const highestFence = await highestLiveFence(target.client, target.zoneId, target.ownerId);
  return highestFence > 0 ? { highestPlan: 0, highestFence } : undefined;
}

const mark = (value: boolean | null) => (value === null ? '-' : value ? 'yes' : 'NO');

export function formatStatus(rows: readonly EndpointStatus[]): string {
  if (rows.length === 0) return 'no endpoints: no plan is stored and no fence names a stored plan';
  const table = [
    ['ENDPOINT', 'LIVE GEN', 'PLANNED', 'MATCHES LIVE GEN', 'MATCHES PLAN', 'SETS', 'WRITER', 'PROBE', 'NOTE'],
    ...rows.map((row) => [
      row.endpoint,
      String(row.liveGeneration ?? '-'),
      String(row.plannedGeneration ?? '-'),
      mark(row.liveMatchesFence),
      mark(row.liveMatchesLatest),
      String(row.recordSets),
      row.fenceWriter ?? '-',
      row.probe === null ? 'no probe status' : row.probe.map((p) => `${p.path}:${p.result}`).join(' ') || 'not probed',
      row.generationConflict ? 'GENERATION CONFLICT' : row.excluded ? 'EXCLUDED (refused or poisoned)' : '',
    ]),
  ];
  const widths = table[0].map((_, column) => Math.max(...table.map((line) => line[column].length)));
  return table
    .map((line) =>
      line
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
