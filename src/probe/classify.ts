// What one DNS reply means for an endpoint. The October 2025 failure was a NOERROR reply with no addresses:
// to a resolver that is a perfectly valid answer, so the probe must name it (NODATA) rather than lump it in
// with errors, and must tell it apart from an answer that exists but is not what the plan says.
import net from 'node:net';
import type { DnsReply } from './query.js';

export const PROBE_RESULTS = [
  'answered',
  'wrong',
  'nodata',
  'nxdomain',
  'servfail',
  'refused',
  'timeout',
  'error',
] as const;
export type ProbeResult = (typeof PROBE_RESULTS)[number];

/** The results that mean "clients cannot reach the endpoint": the empty record and its relatives. */
export const EMPTY_RESULTS: ReadonlySet<ProbeResult> = new Set(['nodata', 'nxdomain']);

/** Every result but `answered` is bad. */
export function isBad(result: ProbeResult): boolean {
  return result !== 'answered';
}

/**
 * Classifies a reply (or the lack of one) against the planned record sets of the endpoint.
 * A weighted endpoint answers with one whole set per reply, so the values must all come from one set;
 * a resolver may also pass on a subset. With no plan to compare against, any address counts as answered.
 */
export function classify(
  reply: DnsReply | 'timeout' | Error,
  plannedSets?: readonly (readonly string[])[],
): ProbeResult {
  if (reply === 'timeout') return 'timeout';
  if (reply instanceof Error) return 'error';
  switch (reply.rcodeName) {
    case 'NXDOMAIN':
      return 'nxdomain';
    case 'SERVFAIL':
      return 'servfail';
    case 'REFUSED':
      return 'refused';
    case 'NOERROR':
      break;
    default:
      return 'error';
  }
  if (reply.values.length === 0) return 'nodata';
  if (plannedSets === undefined) return 'answered';
  const answered = reply.values.map(canonicalValue);
  const fits = plannedSets.some((set) => {
    const planned = new Set(set.map(canonicalValue));
    return answered.every((value) => planned.has(value));
  });
  return fits ? 'answered' : 'wrong';
}

/** One spelling per address, so that 2001:DB8:0::1 in a plan equals 2001:db8::1 on the wire. */
export function canonicalValue(value: string): string {
  const trimmed = value.trim();
  if (net.isIPv6(trimmed)) return new URL(`http://[${trimmed}]`).hostname.slice(1, -1);
  return trimmed.toLowerCase().replace(/\.$/, '');
}
