// The highest generation any fence in the zone names: the floor the planner numbers above (a plan store that
// is new, wiped or restored from an old backup must never publish a generation at or below one that is
// already live, or every enactor would stand down on it and the zone would keep content no stored plan has).
// This is the one place that knows where the fences live; the planner only sees the number.
import type { Route53Port } from '../route53/port.js';
import { hostedZoneName } from '../route53/listing.js';
import { readLiveZone } from './live.js';
import { readShardFences } from './shard-fence.js';

/** 0 when no fence in the zone names a generation. Shard fences cost one request; a zone without any (one still on v1 fences) is listed whole. */
export async function highestLiveFence(client: Route53Port, zoneId: string, owner?: string): Promise<number> {
  const fences = await readShardFences(client, zoneId, await hostedZoneName(client, zoneId), owner);
  const highest = Math.max(0, ...[...fences.values()].map((fence) => fence?.generation ?? 0));
  if ([...fences.values()].some((fence) => fence !== undefined)) return highest;
  const view = await readLiveZone(client, zoneId);
  return Math.max(0, ...[...view.endpoints.values()].map((endpoint) => endpoint.v1Fence?.generation ?? 0));
}
