// Seeds a zone with a plan's records and its 64 shard fences straight through the API, as the enactor's first
// rollout would leave them (same record sets, fences from the same digest code), in batches of up to 1,000
// elements. For zones too large to roll out through the enactor on a benchmark's time budget (or at all: a
// first rollout of 100,000 endpoints puts ~4,700 records in one shard, more than one request carries, see
// README "Enacting plans safely"). The benchmark runs it against an authority started without its rate limit,
// then restarts the authority with the limit on the same data directory, and says so in its output.
import { ChangeResourceRecordSetsCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { changeCost, ROUTE53_LIMITS } from '../../src/route53/change-batch.js';
import type { Change } from '../../src/enactor/changes.js';
import { toSdkChanges } from '../../src/enactor/changes.js';
import { desiredSets } from '../../src/enactor/changes.js';
import { newShardFenceSet, SHARDS, shardDigest } from '../../src/enactor/shard-fence.js';
import type { Plan } from '../../src/plan/schema.js';

export async function seedZone(client: Route53Client, zoneId: string, plan: Plan): Promise<{ requests: number }> {
  const changes: Change[] = plan.endpoints.flatMap((endpoint) =>
    desiredSets(endpoint).map((set) => ({ action: 'CREATE' as const, set })),
  );
  for (let shard = 0; shard < SHARDS; shard++)
    changes.push({
      action: 'CREATE',
      set: newShardFenceSet(shard, plan.zone, {
        generation: plan.generation,
        digest: shardDigest(plan, shard),
        writer: 'seed',
      }),
    });
  let requests = 0;
  for (let at = 0; at < changes.length;) {
    let end = at;
    let elements = 0;
    while (end < changes.length && elements + changeCost([changes[end]]).elements <= ROUTE53_LIMITS.elements)
      elements += changeCost([changes[end++]]).elements;
    const command = new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: { Comment: `seed gen ${plan.generation}`, Changes: toSdkChanges(changes.slice(at, end)) },
    });
    // A dropped connection (a loaded machine) is retried; a retry of a batch that had landed is refused whole
    // because its records exist, which means it landed.
    for (let attempt = 1; ; attempt++) {
      requests += 1;
      try {
        await client.send(command);
        break;
      } catch (error) {
        if (attempt > 1 && /already exists/.test(String((error as Error).message))) break;
        if (attempt >= 5) throw error;
      }
    }
    at = end;
  }
  return { requests };
}
