// The preview of one enactor pass (`dnsplane enact --dry-run`): the exact changes the enactor would send, per
// endpoint, with the guard's verdict per endpoint and for the pass. The units come from the enactor's own
// decision (Enactor with dryRun: the same decide, guard and packing as a writing pass); this file only lays
// them out, as a table (like octoDNS's plan output) or as JSON.
import type { RecordSet } from '../route53/recordset.js';
import { ROUTE53_LIMITS } from '../route53/change-batch.js';
import { packBatches } from './batch.js';
import type { Change } from './changes.js';
import type { ShardUnit } from './decide.js';
import { describeStoreBehindZone, type RunSummary } from './options.js';

export type EndpointVerdict = 'apply' | 'repair' | 'refused' | 'stand-down' | 'in-sync';

export interface PreviewEndpoint {
  endpoint: string;
  verdict: EndpointVerdict;
  /** The refusal's reason and message (verdict refused). */
  reason?: string;
  message?: string;
  /** Set identifiers dnsplane did not write that this pass would take over (--adopt). */
  adopts?: string[];
  /** Record changes in the order they would be sent; proof: a capacity re-assert (DELETE + CREATE of a kept set). */
  changes: Array<{ action: Change['action']; proof: boolean; set: RecordSet }>;
}

export interface Preview {
  zone: string;
  zoneId: string;
  generation: number | null;
  verdict: { ok: boolean; message: string };
  /** ChangeResourceRecordSets requests the units pack into (0 when the pass is refused). */
  requests: number;
  counts: { creates: number; updates: number; deletes: number; proofs: number; fenceSwaps: number };
  storeBehind: RunSummary['storeBehind'] | null;
  endpoints: PreviewEndpoint[];
  /** Fence writes: each shard's fence as read and as it would be written (plus v1 fences removed). */
  fences: Array<{ shard: number; from: number | null; to: number; excluded: string[]; v1FencesRemoved: number }>;
}

export function buildPreview(summary: RunSummary, zone: string, zoneId: string): Preview {
  const units = summary.preview ?? [];
  const endpoints = new Map<string, PreviewEndpoint>();
  const entry = (endpoint: string, verdict: EndpointVerdict) => {
    let found = endpoints.get(endpoint);
    if (!found) endpoints.set(endpoint, (found = { endpoint, verdict, changes: [] }));
    return found;
  };
  for (const key of summary.inSync) entry(key, 'in-sync');
  for (const key of summary.stoodDown) entry(key, 'stand-down').verdict = 'stand-down';
  const counts = { creates: 0, updates: 0, deletes: 0, proofs: 0, fenceSwaps: 0 };
  for (const unit of units) {
    counts.fenceSwaps += 1;
    const records = new Set(unit.recordChanges);
    for (const change of unit.changes) {
      if (change.set.type === 'TXT') continue;
      const key = `${change.set.name} ${change.set.type}`;
      const row = entry(key, unit.kind);
      row.verdict = unit.kind;
      const proof = !records.has(change);
      row.changes.push({ action: change.action, proof, set: change.set });
      if (proof) counts.proofs += change.action === 'CREATE' ? 1 : 0;
    }
    for (const key of unit.endpoints) if (!endpoints.has(key)) entry(key, 'in-sync');
    for (const { endpoint, sets } of unit.adopted)
      entry(endpoint, unit.kind).adopts = sets.map((set) => set.setIdentifier ?? 'simple');
    tallyRecordChanges(unit, counts);
  }
  for (const refusal of summary.refused) {
    const row = entry(refusal.endpoint, 'refused');
    Object.assign(row, { verdict: 'refused', reason: refusal.reason, message: refusal.message });
  }
  const refusals = summary.refused.length;
  const verdict = summary.passRefusal
    ? {
        ok: false,
        message: `REFUSED (${summary.passRefusal.reason}): ${summary.passRefusal.message}; nothing would be sent`,
      }
    : refusals > 0
      ? { ok: false, message: `${refusals} endpoint(s) REFUSED by the guard; the rest would be sent` }
      : { ok: true, message: 'the guard would allow every change' };
  return {
    zone,
    zoneId,
    generation: summary.generation ?? null,
    verdict,
    requests: summary.passRefusal ? 0 : packBatches(units, ROUTE53_LIMITS).batches.length,
    counts,
    storeBehind: summary.storeBehind ?? null,
    endpoints: [...endpoints.values()].sort((a, b) => (a.endpoint < b.endpoint ? -1 : 1)),
    fences: units.map((unit) => ({
      shard: unit.shard,
      from: unit.liveFence?.generation ?? null,
      to: unit.generation,
      excluded: unit.excluded,
      v1FencesRemoved: unit.changes.filter((change) => change.set.type === 'TXT').length - (unit.liveFence ? 2 : 1),
    })),
  };
}

/** Creates, updates (a set DELETEd and CREATEd again: same identifier) and deletes of a unit's record changes. */
function tallyRecordChanges(unit: ShardUnit, counts: Preview['counts']): void {
  const id = (change: Change) => `${change.set.name} ${change.set.type} ${change.set.setIdentifier ?? '-'}`;
  const created = new Set(unit.recordChanges.filter((c) => c.action === 'CREATE').map(id));
  const deleted = new Set(unit.recordChanges.filter((c) => c.action === 'DELETE').map(id));
  for (const key of created) {
    if (deleted.has(key)) counts.updates += 1;
    else counts.creates += 1;
  }
  for (const key of deleted) if (!created.has(key)) counts.deletes += 1;
}

const VERDICT_TEXT: Record<EndpointVerdict, string> = {
  apply: 'apply',
  repair: 'repair',
  refused: 'REFUSED',
  'stand-down': 'stand down (newer generation live)',
  'in-sync': 'in sync',
};

/** The preview as a table: one row per change, endpoints without changes on one row with their verdict. */
export function formatPreview(preview: Preview): string {
  const lines = [
    `preview of one enactor pass against zone ${preview.zone} (${preview.zoneId}), plan generation ${preview.generation ?? '-'}: nothing is written`,
  ];
  if (preview.storeBehind) lines.push(`! ${describeStoreBehindZone(preview.storeBehind)}`);
  const rows = [['ENDPOINT', 'ACTION', 'SET', 'WEIGHT', 'TTL', 'VALUES', 'VERDICT']];
  for (const endpoint of preview.endpoints) {
    const verdict =
      endpoint.verdict === 'refused'
        ? `REFUSED ${endpoint.reason}: ${endpoint.message}`
        : `${VERDICT_TEXT[endpoint.verdict]}${endpoint.adopts ? ` (adopts ${endpoint.adopts.join(', ')})` : ''}`;
    if (endpoint.changes.length === 0) rows.push([endpoint.endpoint, '-', '', '', '', '', verdict]);
    endpoint.changes.forEach((change, i) =>
      rows.push([
        i === 0 ? endpoint.endpoint : '',
        change.proof ? `${change.action} (proof)` : change.action,
        change.set.setIdentifier ?? '-',
        change.set.weight === undefined ? '-' : String(change.set.weight),
        String(change.set.ttl),
        change.set.values.join(' '),
        i === 0 ? verdict : '',
      ]),
    );
  }
  if (preview.endpoints.length > 0) lines.push('', ...table(rows));
  const moved = preview.fences.filter((fence) => fence.from !== null).length;
  const fenceText =
    preview.fences.length === 0
      ? 'no shard fence would move'
      : `${preview.fences.length} shard fence(s) to generation ${[...new Set(preview.fences.map((f) => f.to))].join(', ')} (${moved} swapped, ${preview.fences.length - moved} created)`;
  const { creates, updates, deletes, proofs } = preview.counts;
  lines.push(
    '',
    `Summary: Creates=${creates}, Updates=${updates}, Deletes=${deletes}, Proofs=${proofs}; ${fenceText}; ${preview.requests} ChangeResourceRecordSets request(s)`,
    `Verdict: ${preview.verdict.message}`,
  );
  return lines.join('\n');
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd(),
  );
}
