// The DNS benchmark's zone, query mix and answer checker, shared by the runner and the serving child.
// Deterministic: generation g of the zone is the same in every process, so a sampled answer can be checked.
import type { RecordSet } from '../src/route53/recordset.js';
import type { HostedZoneInfo } from '../src/authority/zones.js';

export const APEX = 'bench.test.';
export const ZONE: HostedZoneInfo = {
  id: 'ZBENCH',
  name: APEX,
  callerReference: 'bench',
  nameServers: [`ns-1.${APEX}`],
};
export const WEIGHTED = 2000;
const AAAA_NAMES = 1000;
const TXT_NAMES = 500;

const quad = (first: number, g: number, i: number) => `${first}.${g % 200}.${i >> 8}.${i & 255}`;

/** Generation g of name w{i}'s weighted group: both sets carry g in their addresses, so a mix is visible. */
export function weightedPair(i: number, g: number): RecordSet[] {
  const name = `w${i}.${APEX}`;
  return [
    { name, type: 'A', ttl: 60, setIdentifier: 'blue', weight: 3, values: [quad(10, g, i), quad(11, g, i)] },
    { name, type: 'A', ttl: 60, setIdentifier: 'green', weight: 1, values: [quad(12, g, i), quad(13, g, i)] },
  ];
}

export function weightedSets(g: number): RecordSet[] {
  return Array.from({ length: WEIGHTED }, (_, i) => weightedPair(i, g)).flat();
}

/** The part of the zone that never changes: apex, AAAA and TXT names. */
export function staticSets(): RecordSet[] {
  const sets: RecordSet[] = [
    { name: APEX, type: 'SOA', ttl: 900, values: [`ns-1.${APEX} hostmaster.${APEX} 1 7200 900 1209600 300`] },
    { name: APEX, type: 'NS', ttl: 172800, values: [`ns-1.${APEX}`, `ns-2.${APEX}`] },
  ];
  for (let i = 0; i < AAAA_NAMES; i++)
    sets.push({ name: `v${i}.${APEX}`, type: 'AAAA', ttl: 60, values: [`2001:db8::${i.toString(16)}`] });
  for (let i = 0; i < TXT_NAMES; i++) {
    sets.push({
      name: `t${i}.${APEX}`,
      type: 'TXT',
      ttl: 60,
      values: [`"endpoint=t${i}" "region=eu-west-1 generation=0"`],
    });
  }
  return sets;
}

/** dnsperf's input: weighted A 40%, AAAA 20%, TXT 15%, NXDOMAIN 15%, NODATA 10%. */
export function queryLines(count = 20000): string[] {
  const lines: string[] = [];
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let n = 0; n < count; n++) {
    const r = random();
    const pick = (size: number) => Math.floor(random() * size);
    if (r < 0.4) lines.push(`w${pick(WEIGHTED)}.${APEX} A`);
    else if (r < 0.6) lines.push(`v${pick(AAAA_NAMES)}.${APEX} AAAA`);
    else if (r < 0.75) lines.push(`t${pick(TXT_NAMES)}.${APEX} TXT`);
    else if (r < 0.9) lines.push(`missing${pick(100000)}.${APEX} A`);
    else lines.push(`w${pick(WEIGHTED)}.${APEX} AAAA`);
  }
  return lines;
}

/** An NSD zone file of the same records. NSD has no weighted routing, so it serves both sets of a group. */
export function zoneFile(sets: readonly RecordSet[]): string {
  const lines = [`$ORIGIN ${APEX}`, '$TTL 60'];
  for (const set of sets) for (const value of set.values) lines.push(`${set.name} ${set.ttl} IN ${set.type} ${value}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Whether the addresses answered for w{i} are one whole set of one generation: both addresses of blue
 * (10/11) or of green (12/13), with the same generation octet and the name's own index.
 */
export function wholeWeightedSet(i: number, addresses: readonly string[]): boolean {
  if (addresses.length !== 2) return false;
  const [a, b] = [...addresses].sort();
  const g = Number(a.split('.')[1]);
  return [10, 12].some((first) => a === quad(first, g, i) && b === quad(first + 1, g, i));
}
