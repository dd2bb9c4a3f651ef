// Which part is failing, from the two paths the probe asks. A client behind the resolver sees SERVFAIL both
// when the authority is down and when the authority is back but the resolver still remembers it as down;
// only the direct question to the authority tells the two apart, and they need different operators (or none).
import type { EndpointHealth } from './health.js';

export const DIAGNOSES = [
  'ok',
  'authority-down',
  'authority-empty',
  'authority-wrong',
  'resolver-failing',
  'failing',
] as const;
/**
 * ok: every path answers as planned. authority-down: the authority gives no answer (timeout, SERVFAIL,
 * REFUSED). authority-empty: it answers with no record (the October 2025 failure). authority-wrong: it
 * answers other values than planned. resolver-failing: the authority answers, the resolver still does not.
 * failing: the resolver fails and the authority is not probed, so the cause is unknown.
 */
export type Diagnosis = (typeof DIAGNOSES)[number];

export interface EndpointDiagnosis {
  endpoint: string;
  diagnosis: Diagnosis;
  detail: string;
}

/** Worst first: the order in which an overall diagnosis picks among its endpoints'. */
const SEVERITY: readonly Diagnosis[] = [
  'authority-empty',
  'authority-wrong',
  'authority-down',
  'resolver-failing',
  'failing',
  'ok',
];

const clock = (at: number | undefined): string => (at === undefined ? '?' : new Date(at).toISOString().slice(11, 19));

function diagnoseOne(
  endpoint: string,
  authority: EndpointHealth | undefined,
  resolver: EndpointHealth | undefined,
): EndpointDiagnosis {
  const said = (health: EndpointHealth) =>
    `${health.last.result.toUpperCase()}${health.last.rcode && health.last.result !== health.last.rcode.toLowerCase() ? ` (${health.last.rcode})` : ''}`;
  if (authority && authority.badSince !== undefined) {
    const since = `since ${clock(authority.badSince)}`;
    switch (authority.last.result) {
      case 'nodata':
      case 'nxdomain':
        return {
          endpoint,
          diagnosis: 'authority-empty',
          detail: `the authority serves no record (${said(authority)}) ${since}`,
        };
      case 'wrong':
        return {
          endpoint,
          diagnosis: 'authority-wrong',
          detail: `the authority answers values that are not planned ${since}`,
        };
      default:
        return {
          endpoint,
          diagnosis: 'authority-down',
          detail: `the authority does not answer (${said(authority)}) ${since}`,
        };
    }
  }
  if (resolver && resolver.badSince !== undefined) {
    if (authority) {
      const back =
        authority.recoveredAt !== undefined && authority.recoveredAt > resolver.badSince
          ? `, the authority answers again since ${clock(authority.recoveredAt)}`
          : ', while the authority answers';
      return {
        endpoint,
        diagnosis: 'resolver-failing',
        detail: `the resolver still fails (${said(resolver)}) since ${clock(resolver.badSince)}${back}`,
      };
    }
    return {
      endpoint,
      diagnosis: 'failing',
      detail: `the resolver fails (${said(resolver)}) since ${clock(resolver.badSince)}; the authority is not probed, so the cause is unknown`,
    };
  }
  return { endpoint, diagnosis: 'ok', detail: 'answers as planned' };
}

/** One diagnosis per endpoint, from the health of its authority and resolver paths. */
export function diagnose(endpoints: readonly EndpointHealth[]): EndpointDiagnosis[] {
  const paths = new Map<string, { authority?: EndpointHealth; resolver?: EndpointHealth }>();
  for (const health of endpoints) {
    const entry = paths.get(health.endpoint) ?? {};
    entry[health.path] = health;
    paths.set(health.endpoint, entry);
  }
  return [...paths].map(([endpoint, { authority, resolver }]) => diagnoseOne(endpoint, authority, resolver));
}

/** The worst endpoint diagnosis, with how many endpoints share it; ok when there is nothing wrong (or nothing probed). */
export function overallDiagnosis(diagnoses: readonly EndpointDiagnosis[]): { diagnosis: Diagnosis; detail: string } {
  for (const diagnosis of SEVERITY) {
    const hit = diagnoses.filter((entry) => entry.diagnosis === diagnosis);
    if (hit.length === 0 || diagnosis === 'ok') continue;
    const more = hit.length > 1 ? ` (and ${hit.length - 1} more endpoint${hit.length > 2 ? 's' : ''})` : '';
    return { diagnosis, detail: `${hit[0].endpoint}: ${hit[0].detail}${more}` };
  }
  return {
    diagnosis: 'ok',
    detail: diagnoses.length === 0 ? 'nothing probed yet' : 'every endpoint answers as planned',
  };
}
