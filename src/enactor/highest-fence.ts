// The highest generation any fence in the zone names: the floor the planner numbers above (a plan store that
// is new, wiped or restored from an old backup must never publish a generation at or below one that is
// already live, or every enactor would stand down on it and the zone would keep content no stored plan has).
// This is the one place that knows where today's fences live; the planner only sees the number.
import type { Route53Client } from '@aws-sdk/client-route-53';
import { readZoneView } from './live.js';

/** 0 when no fence in the zone names a generation. */
export async function highestLiveFence(client: Route53Client, zoneId: string): Promise<number> {
  const view = await readZoneView(client, zoneId);
  let highest = 0;
  for (const endpoint of view.endpoints.values()) highest = Math.max(highest, endpoint.fence?.generation ?? 0);
  return highest;
}
