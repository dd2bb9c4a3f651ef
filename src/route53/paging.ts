// ListResourceRecordSets paging that always ends and never double-counts. Route53 pages with a
// (name, type, SetIdentifier) cursor; moto (and so LocalStack) ignores StartRecordIdentifier and restarts a
// weighted group from its first set: with MaxItems=1 the same page comes back forever, and with larger pages
// sets come back twice (a zone of 402 sets listed as 500). A repeated cursor or a set seen twice is
// therefore an error, never a loop or a silently wrong listing, and the page count is capped as well.
import type { RRType } from '@aws-sdk/client-route-53';
import type { Route53Port } from './port.js';
import { fromSdkRecordSet, normalizeName, recordSetKey, type RecordSet } from './recordset.js';

export interface PagingOptions {
  /** Start at this name (Route53's StartRecordName); the whole zone when absent. */
  startName?: string;
  /** Route53's MaxItems per page (its default is 300). */
  maxItems?: number;
  /** Stop early once a page holds a name for which this returns true (for example, a name past the one wanted). */
  stopAfter?: (set: RecordSet) => boolean;
  /** Upper bound on pages, whatever the server says. */
  maxPages?: number;
}

export class PagingLoopError extends Error {
  constructor(
    readonly cursor: string,
    readonly pages: number,
    what = `cursor ${cursor} came back`,
  ) {
    super(
      `ListResourceRecordSets paging does not advance: ${what} after ${pages} page(s); the server ignores StartRecordIdentifier`,
    );
    this.name = 'PagingLoopError';
  }
}

const DEFAULT_MAX_PAGES = 1_000;

export async function listRecordSets(
  client: Route53Port,
  zoneId: string,
  options: PagingOptions = {},
): Promise<RecordSet[]> {
  const found: RecordSet[] = [];
  const seenCursors = new Set<string>();
  const seenSets = new Set<string>();
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  let cursor: { name?: string; type?: string; identifier?: string } = {
    name: options.startName && normalizeName(options.startName),
  };
  for (let page = 1; page <= maxPages; page++) {
    const output = await client.listResourceRecordSets({
      HostedZoneId: zoneId,
      StartRecordName: cursor.name,
      StartRecordType: cursor.type as RRType | undefined,
      StartRecordIdentifier: cursor.identifier,
      MaxItems: options.maxItems,
    });
    const sets = (output.ResourceRecordSets ?? []).map(fromSdkRecordSet);
    for (const set of sets) {
      const key = recordSetKey(set);
      if (seenSets.has(key)) throw new PagingLoopError(key, page, `record set ${key} came back`);
      seenSets.add(key);
    }
    found.push(...sets);
    if (!output.IsTruncated || !output.NextRecordName) return found;
    if (options.stopAfter && sets.some(options.stopAfter)) return found;
    cursor = {
      name: normalizeName(output.NextRecordName),
      type: output.NextRecordType,
      identifier: output.NextRecordIdentifier,
    };
    const key = `${cursor.name}|${cursor.type ?? ''}|${cursor.identifier ?? ''}`;
    if (seenCursors.has(key)) throw new PagingLoopError(key, page);
    seenCursors.add(key);
  }
  throw new PagingLoopError('(none repeated, but the page limit was reached)', maxPages);
}

/** Every record set named exactly `name`, in as few pages as the server allows. */
export async function listRecordSetsNamed(
  client: Route53Port,
  zoneId: string,
  name: string,
  maxItems?: number,
): Promise<RecordSet[]> {
  const wanted = normalizeName(name);
  const sets = await listRecordSets(client, zoneId, {
    startName: wanted,
    maxItems,
    stopAfter: (set) => set.name !== wanted,
  });
  return sets.filter((set) => set.name === wanted);
}
