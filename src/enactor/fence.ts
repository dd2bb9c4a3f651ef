// Per-endpoint fences of protocol v1, recognised only so that a zone still carrying them is migrated: the
// first v2 batches of a shard DELETE the exact v1 fences of its endpoints, and a v1 fence newer than the plan
// makes the shard stand down as v1 did. Nothing writes v1 fences any more (see shard-fence.ts).
//
// Name: `_dnsplane-<type>.<endpoint>`, e.g. `_dnsplane-a.api.example.com.`; value `"dnsplane gen=G writer=ID nonce=N"`.
import { normalizeName, type RecordSet, type RecordType } from '../route53/recordset.js';

const FENCE_LABEL = /^_dnsplane-(a|aaaa)\.(.+)$/;
const GENERATION = /\bgen=(\d+)\b/;
const WRITER = /\bwriter=(\S+?)"?(?:\s|$)/;

export type EndpointType = Extract<RecordType, 'A' | 'AAAA'>;

export interface Fence {
  /** The generation last applied; 0 when the fence's value cannot be read. */
  generation: number;
  writer?: string;
  /** The fence exactly as read, for the DELETE that removes it. */
  set: RecordSet;
}

export function fenceName(endpointName: string, type: EndpointType): string {
  return `_dnsplane-${type.toLowerCase()}.${normalizeName(endpointName)}`;
}

/** The endpoint a v1 fence record guards, or undefined when the name is not a v1 fence. */
export function endpointOfFence(name: string): { name: string; type: EndpointType } | undefined {
  const match = FENCE_LABEL.exec(normalizeName(name));
  if (!match) return undefined;
  return { name: match[2], type: match[1].toUpperCase() as EndpointType };
}

/** Reads a v1 fence; with several values (a hand-made fence) the highest generation counts. */
export function parseFence(set: RecordSet): Fence {
  let generation = 0;
  let writer: string | undefined;
  for (const value of set.values) {
    const gen = GENERATION.exec(value);
    if (gen && Number(gen[1]) >= generation) {
      generation = Number(gen[1]);
      writer = WRITER.exec(value)?.[1];
    }
  }
  return { generation, writer, set };
}
