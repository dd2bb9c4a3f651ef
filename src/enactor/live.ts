// What is live in Route53, grouped the way the enactor thinks: per endpoint (name and type), its record sets
// and its fence.
import type { Route53Client } from '@aws-sdk/client-route-53';
import { readEndpointSets } from '../route53/listing.js';
import { listRecordSets } from '../route53/paging.js';
import { endpointKey, type RecordSet } from '../route53/recordset.js';
import { endpointOfFence, fenceName, parseFence, type EndpointType, type Fence } from './fence.js';

export interface LiveEndpoint {
  sets: RecordSet[];
  fence?: Fence;
}

export interface ZoneView {
  endpoints: Map<string, LiveEndpoint>;
  /** Record sets in the zone other than SOA, NS and fences: the base of the change-share guard. */
  contentSets: number;
}

/** Sorts a listing into endpoints. Sets of other types are only counted. */
export function groupZone(sets: readonly RecordSet[]): ZoneView {
  const endpoints = new Map<string, LiveEndpoint>();
  const slot = (key: string) => {
    let entry = endpoints.get(key);
    if (!entry) endpoints.set(key, (entry = { sets: [] }));
    return entry;
  };
  let contentSets = 0;
  for (const set of sets) {
    const guarded = set.type === 'TXT' ? endpointOfFence(set.name) : undefined;
    if (guarded) {
      slot(endpointKey(guarded.name, guarded.type)).fence = parseFence(set);
      continue;
    }
    if (set.type === 'SOA' || set.type === 'NS') continue;
    contentSets += 1;
    if (set.type === 'A' || set.type === 'AAAA') slot(endpointKey(set.name, set.type)).sets.push(set);
  }
  return { endpoints, contentSets };
}

/** One listing of the whole zone (bounded paging), grouped per endpoint. */
export async function readZoneView(client: Route53Client, zoneId: string): Promise<ZoneView> {
  return groupZone(await listRecordSets(client, zoneId));
}

/** A fresh read of one endpoint and its fence (after a rejected batch). */
export async function readLiveEndpoint(client: Route53Client, zoneId: string, name: string, type: EndpointType): Promise<LiveEndpoint> {
  const [sets, fenceSets] = await Promise.all([readEndpointSets(client, zoneId, name, type), readEndpointSets(client, zoneId, fenceName(name, type), 'TXT')]);
  return { sets, fence: fenceSets[0] ? parseFence(fenceSets[0]) : undefined };
}
