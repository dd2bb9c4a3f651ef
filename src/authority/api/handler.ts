// What every operation handler is: a function from a parsed request (and the authority it runs against) to a
// Route53-shaped answer. Errors are thrown as Route53Error and rendered by the server.
import { invalidInput } from '../store/errors.js';
import type { HealthProber } from '../health/prober.js';
import type { ChangeRecord, ZoneStore } from '../store/zone-store.js';

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Buffer;
}

export interface ApiResponse {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export interface RouteContext {
  store: ZoneStore;
  /** The zone version the DNS face serves now (GetChange is INSYNC once it reaches the change's version). */
  servedVersion(zoneId: string): number;
  /** The health checks' observed status (GetHealthCheckStatus, GetHealthCheckLastFailureReason); none observed when absent. */
  health?: Pick<HealthProber, 'reports'>;
}

export type Handler = (request: ApiRequest, context: RouteContext, params: string[]) => ApiResponse;

/** Route53 answers with this host in CreateHostedZone's Location (and CreateHealthCheck's). */
export const ROUTE53_ORIGIN = 'https://route53.amazonaws.com';

export const ok = (body: string, status = 200, headers?: Record<string, string>): ApiResponse => ({
  status,
  body,
  ...(headers ? { headers } : {}),
});

export function maxItems(query: URLSearchParams, fallback: number): number {
  const raw = query.get('maxitems');
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw invalidInput(`Invalid request: maxitems must be a positive integer, got '${raw}'`);
  return Number(raw);
}

/** A change is INSYNC once the DNS face serves its zone version (or the zone is gone). */
export function statusOf(change: ChangeRecord, context: RouteContext): 'PENDING' | 'INSYNC' {
  if (!context.store.hasZone(change.zoneId)) return 'INSYNC';
  return context.servedVersion(change.zoneId) >= change.version ? 'INSYNC' : 'PENDING';
}
