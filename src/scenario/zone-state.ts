// Where each endpoint stands, read from a zone listing in either design: its generation (the fence the safe
// enactor writes, or the marker the legacy one writes) and its address record sets. The race, the interleaving
// harness and their checks all judge the zone through this one reading. Both designs key their endpoints with
// the enactor's endpointKey, so that the two groupings merge per endpoint by construction.
import { desiredSets, setsMatch } from '../enactor/changes.js';
import { groupZone } from '../enactor/live.js';
import type { Plan } from '../plan/schema.js';
import { endpointKey, type RecordSet } from '../route53/recordset.js';
import { groupLegacy } from './legacy-enactor.js';

export interface EndpointStanding {
  /** The fence's generation, else the legacy marker's, else 0. */
  generation: number;
  /** The fence's generation alone (undefined without a fence). */
  fence?: number;
  sets: RecordSet[];
}

/** Per endpoint key ("name TYPE"). */
export function endpointStandings(sets: readonly RecordSet[]): Map<string, EndpointStanding> {
  const states = new Map<string, EndpointStanding>();
  const fenced = groupZone(sets).endpoints;
  const legacy = groupLegacy(sets);
  for (const key of new Set([...fenced.keys(), ...legacy.keys()])) {
    // An endpoint its shard's fence excludes (x=) is not at the fence's generation: it has no fence of its own.
    const shardFence = fenced.get(key)?.fence;
    const fence = shardFence && !shardFence.excluded.includes(key) ? shardFence.generation : undefined;
    states.set(key, {
      generation: fence ?? legacy.get(key)?.applied ?? 0,
      ...(fence !== undefined ? { fence } : {}),
      sets: fenced.get(key)?.sets ?? legacy.get(key)?.sets ?? [],
    });
  }
  return states;
}

/** Every endpoint of the plan is marked with its generation and serves exactly its record sets. */
export function convergedTo(states: ReadonlyMap<string, EndpointStanding>, plan: Plan): boolean {
  return plan.endpoints.every((endpoint) => {
    const state = states.get(endpointKey(endpoint.name, endpoint.type));
    return state !== undefined && state.generation === plan.generation && setsMatch(state.sets, desiredSets(endpoint));
  });
}
