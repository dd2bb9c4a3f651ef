// Reading one endpoint back from Route53, and finding a hosted zone by name. Paging itself (bounded, loop-safe)
// lives in paging.ts.
import type { Route53Port } from './port.js';
import { listRecordSetsNamed } from './paging.js';
import { normalizeName, type RecordSet, type RecordType } from './recordset.js';

/** The live record sets of one endpoint (name and type). */
export async function readEndpointSets(
  client: Route53Port,
  zoneId: string,
  name: string,
  type: RecordType,
): Promise<RecordSet[]> {
  // A weighted group has at most 100 sets, so one page of 300 normally holds the whole range.
  const sets = await listRecordSetsNamed(client, zoneId, name, 300);
  return sets.filter((set) => set.type === type);
}

/** Accepts a hosted zone id (Z123..., /hostedzone/Z123...) or a zone name (example.com) and returns the id. */
export async function resolveHostedZoneId(client: Route53Port, zone: string): Promise<string> {
  if (!zone.includes('.')) return zone.replace(/^\/?hostedzone\//, '');
  const wanted = normalizeName(zone);
  const output = await client.listHostedZonesByName({ DNSName: wanted, MaxItems: 10 });
  const match = (output.HostedZones ?? []).find(
    (candidate) => candidate.Name && normalizeName(candidate.Name) === wanted,
  );
  if (!match?.Id) throw new Error(`no hosted zone named ${wanted} at this Route53 endpoint`);
  return match.Id.replace(/^\/?hostedzone\//, '');
}

/** The name of a hosted zone given by id (normalised, with the trailing dot). */
export async function hostedZoneName(client: Route53Port, zoneId: string): Promise<string> {
  const output = await client.getHostedZone({ Id: zoneId });
  if (!output.HostedZone?.Name) throw new Error(`hosted zone ${zoneId} has no name`);
  return normalizeName(output.HostedZone.Name);
}
