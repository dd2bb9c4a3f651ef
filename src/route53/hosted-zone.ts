// Finding or creating a hosted zone by name, for the commands and embedders that start from an empty Route53
// (the local authority, `dnsplane up`): everything else takes a zone that exists.
import { CreateHostedZoneCommand, ListHostedZonesByNameCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { normalizeName } from './recordset.js';

/** A hosted zone's id (without the /hostedzone/ prefix), and whether this call created it. */
export interface HostedZoneFound {
  id: string;
  created: boolean;
}

/**
 * Returns the id of the hosted zone named `name`, creating it when Route53 has none by that name. Two callers
 * racing on one new name can both create one (Route53 allows same-named zones); call it from one place.
 */
export async function ensureHostedZone(client: Route53Client, name: string): Promise<HostedZoneFound> {
  const wanted = normalizeName(name);
  const listed = await client.send(new ListHostedZonesByNameCommand({ DNSName: wanted, MaxItems: 1 }));
  const existing = listed.HostedZones?.find((zone) => zone.Name && normalizeName(zone.Name) === wanted);
  if (existing?.Id) return { id: stripPrefix(existing.Id), created: false };
  const created = await client.send(
    new CreateHostedZoneCommand({ Name: wanted, CallerReference: `dnsplane-${process.pid}-${Date.now()}` }),
  );
  if (!created.HostedZone?.Id) throw new Error(`CreateHostedZone for ${wanted} returned no zone id`);
  return { id: stripPrefix(created.HostedZone.Id), created: true };
}

function stripPrefix(id: string): string {
  return id.replace(/^\/?hostedzone\//, '');
}
