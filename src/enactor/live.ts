// What is live in Route53, grouped the way the enactor thinks: per endpoint (name and type), its record sets,
// the fence of its shard, and (in a zone not yet migrated from per-endpoint fences) its v1 fence.
import type { Route53Port } from '../route53/port.js';
import { listRecordSets } from '../route53/paging.js';
import { endpointKey, normalizeName, type RecordSet } from '../route53/recordset.js';
import { endpointOfFence, parseFence, type Fence } from './fence.js';
import { DEFAULT_OWNER_ID, parseShardFence, shardOfFenceName, shardOfKey, type ShardFence } from './shard-fence.js';

export interface LiveEndpoint {
  sets: RecordSet[];
  /** The fence of the endpoint's shard. */
  fence?: ShardFence;
  /** A per-endpoint fence of protocol v1 (`_dnsplane-a.<name>`), found only in zones not yet migrated. */
  v1Fence?: Fence;
}

export interface LiveZone {
  endpoints: Map<string, LiveEndpoint>;
  /** Shard fences by zone name and shard. */
  shardFences: Map<string, Map<number, ShardFence>>;
  /** Record sets in the zone other than SOA, NS and fences: the base of the change-share guard. */
  contentSets: number;
}

/** Sorts a listing into endpoints, with the shard fences of one owner (others' are neither fences nor content). Sets of other types are only counted. */
export function groupZone(sets: readonly RecordSet[], owner: string = DEFAULT_OWNER_ID): LiveZone {
  const endpoints = new Map<string, LiveEndpoint>();
  const shardFences = new Map<string, Map<number, ShardFence>>();
  const slot = (key: string) => {
    let entry = endpoints.get(key);
    if (!entry) endpoints.set(key, (entry = { sets: [] }));
    return entry;
  };
  let contentSets = 0;
  for (const set of sets) {
    if (set.type === 'TXT') {
      const shard = shardOfFenceName(set.name);
      if (shard && shard.owner !== owner) continue;
      if (shard) {
        let zone = shardFences.get(shard.zone);
        if (!zone) shardFences.set(shard.zone, (zone = new Map()));
        zone.set(shard.shard, parseShardFence(shard.shard, set));
        continue;
      }
      const guarded = endpointOfFence(set.name);
      if (guarded) {
        slot(endpointKey(guarded.name, guarded.type)).v1Fence = parseFence(set);
        continue;
      }
    }
    if (set.type === 'SOA' || set.type === 'NS') continue;
    contentSets += 1;
    if (set.type === 'A' || set.type === 'AAAA') slot(endpointKey(set.name, set.type)).sets.push(set);
  }
  for (const [key, endpoint] of endpoints) endpoint.fence = shardFenceOf(shardFences, key);
  return { endpoints, shardFences, contentSets };
}

/** The fence of the shard an endpoint key falls in, in the zone the name lies in. */
function shardFenceOf(shardFences: LiveZone['shardFences'], key: string): ShardFence | undefined {
  const name = key.slice(0, key.indexOf(' '));
  for (const [zone, fences] of shardFences) {
    if (name === zone || name.endsWith(`.${zone}`)) return fences.get(shardOfKey(key));
  }
  return undefined;
}

/** The shard fences of one zone in a view (empty when the zone has none). */
export function zoneShardFences(view: LiveZone, zone: string): Map<number, ShardFence> {
  return view.shardFences.get(normalizeName(zone)) ?? new Map();
}

/** One listing of the whole zone (bounded paging), grouped per endpoint, with one owner's shard fences. */
export async function readLiveZone(client: Route53Port, zoneId: string, owner?: string): Promise<LiveZone> {
  return groupZone(await listRecordSets(client, zoneId), owner);
}
