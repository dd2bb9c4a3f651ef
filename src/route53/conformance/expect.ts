// The few assertions the conformance cases need. They throw ConformanceFailure with a sentence a reader of
// the table understands ("accepted a stale DELETE", "rejected with InvalidInput instead of ..."), because the
// reason column is the whole point of the suite.
import {
  ChangeResourceRecordSetsCommand,
  type Change,
  type ChangeInfo,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { listRecordSetsNamed } from '../paging.js';
import { sdkPort } from '../port.js';
import { normalizeName, toSdkRecordSet, type RecordSet, type RecordType } from '../recordset.js';

export class ConformanceFailure extends Error {
  override name = 'ConformanceFailure';
}

export function check(condition: unknown, reason: string): asserts condition {
  if (!condition) throw new ConformanceFailure(reason);
}

let namesHandedOut = 0;

/**
 * A name no other case in this process uses. runConformance gives every run a fresh zone, so a counter is
 * enough, and it keeps the reasons in the table the same from run to run.
 */
export function uniqueName(label: string, zoneName: string): string {
  namesHandedOut += 1;
  return `${label}-${namesHandedOut}.${normalizeName(zoneName)}`;
}

export function recordSet(name: string, type: RecordType, values: string[], extra: Partial<RecordSet> = {}): RecordSet {
  return { name: normalizeName(name), type, ttl: 60, values, ...extra };
}

export function weighted(name: string, setIdentifier: string, weight: number, values: string[], ttl = 60): RecordSet {
  return recordSet(name, 'A', values, { setIdentifier, weight, ttl });
}

export const create = (set: RecordSet): Change => ({ Action: 'CREATE', ResourceRecordSet: toSdkRecordSet(set) });
export const upsert = (set: RecordSet): Change => ({ Action: 'UPSERT', ResourceRecordSet: toSdkRecordSet(set) });
export const remove = (set: RecordSet): Change => ({ Action: 'DELETE', ResourceRecordSet: toSdkRecordSet(set) });

export async function changeBatch(client: Route53Client, zoneId: string, changes: Change[]): Promise<ChangeInfo> {
  const output = await client.send(
    new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }),
  );
  if (!output.ChangeInfo) throw new ConformanceFailure('ChangeResourceRecordSets answered without ChangeInfo');
  return output.ChangeInfo;
}

/** Route53's error code as the SDK exposes it, with its message(s), for the reason column. */
export function describeError(error: unknown): { code: string; text: string } {
  if (!(error instanceof Error)) return { code: 'unknown', text: String(error) };
  const messages = (error as { messages?: string[] }).messages;
  const text = messages?.length ? messages.join('; ') : error.message;
  return { code: error.name, text: `${error.name}: ${text}` };
}

/**
 * The request must fail with one of `codes`. Route53 answers semantic conflicts with InvalidChangeBatch and
 * schema violations (weight range, empty lists) with InvalidInput; the cases say which they accept.
 */
export async function expectRejected(request: Promise<unknown>, codes: string[], what: string): Promise<void> {
  try {
    await request;
  } catch (error) {
    const { code, text } = describeError(error);
    check(codes.includes(code), `${what} was rejected with ${text.slice(0, 200)} instead of ${codes.join(' or ')}`);
    return;
  }
  throw new ConformanceFailure(`${what} was accepted; Route53 rejects it with ${codes.join(' or ')}`);
}

/** Every set under `name`; paging is bounded, so a server that never advances fails the case instead of hanging it. */
export function listByName(
  client: Route53Client,
  zoneId: string,
  name: string,
  maxItems?: number,
): Promise<RecordSet[]> {
  return listRecordSetsNamed(sdkPort(client), zoneId, name, maxItems);
}

export function describeSets(sets: RecordSet[]): string {
  if (sets.length === 0) return 'nothing';
  return sets
    .map(
      (set) =>
        `${set.type}${set.setIdentifier ? `[${set.setIdentifier}/${set.weight}]` : ''} ttl=${set.ttl} ${set.values.join(',')}`,
    )
    .join('; ');
}

/** The name holds exactly `expected` (order of sets and values ignored). */
export async function expectExactly(
  client: Route53Client,
  zoneId: string,
  expected: RecordSet[],
  name = expected[0]?.name,
): Promise<void> {
  if (!name) throw new Error('expectExactly needs a name when nothing is expected');
  const actual = await listByName(client, zoneId, name);
  const canonical = (sets: RecordSet[]) =>
    sets
      .map((set) =>
        JSON.stringify([set.type, set.setIdentifier ?? '', set.weight ?? -1, set.ttl, [...set.values].sort()]),
      )
      .sort()
      .join('\n');
  check(
    canonical(actual) === canonical(expected),
    `${name} holds ${describeSets(actual)}; expected ${describeSets(expected)}`,
  );
}
