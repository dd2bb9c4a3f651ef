// What the dashboard shows, as the JSON its page reads (/api/status, /api/timeline, /api/audit), and the seam
// it reads it through. A DashboardSource is either live objects in this process (the demo: a Probe and
// enactors) or what separately started processes leave behind (plan store, Route53, probe status file, audit
// file); the server and the page cannot tell them apart.
import type { StoreBehindZone } from '../enactor/options.js';
import type { Freeze } from '../plan/freeze.js';
import type { ProbeResult } from '../probe/classify.js';
import type { Diagnosis } from '../probe/diagnosis.js';
import type { ProbePath } from '../probe/health.js';

/**
 * How an endpoint is doing, worst first. `empty`: planned, but no live records or the probe gets NODATA or
 * NXDOMAIN (the October 2025 failure). `failing`: the probe's last answer is bad in another way (wrong values,
 * SERVFAIL, timeout). `drift`: live records match neither the fence's plan nor the latest plan. `behind`: live
 * records are a consistent older generation and a newer one is planned. `pending`: planned but never applied
 * (no fence, no records, never answered). `match`: live equals the latest plan.
 */
export const ENDPOINT_STATES = ['empty', 'failing', 'drift', 'behind', 'pending', 'match', 'unknown'] as const;
export type EndpointState = (typeof ENDPOINT_STATES)[number];

export interface ProbeCell {
  path: ProbePath;
  result: ProbeResult;
  /** Epoch ms of the observation. */
  at: number;
  latencyMs?: number;
  values: string[];
  /** The probe has had an answer for this endpoint on this path at some time (so an empty one now is an outage). */
  answeredBefore?: boolean;
}

export interface EndpointRow {
  /** "name TYPE". */
  endpoint: string;
  state: EndpointState;
  /** Why the state is what it is, in words (for the table and for people reading the JSON). */
  reason: string;
  plannedGeneration: number | null;
  liveGeneration: number | null;
  fenceWriter: string | null;
  liveMatchesFence: boolean | null;
  liveMatchesLatest: boolean | null;
  recordSets: number;
  /** The probe's last observation per path; empty when no probe reports. */
  probe: ProbeCell[];
}

/** What an enactor (safe or legacy) did, normalised from its events or from the audit log. */
export const ACTIVITY_KINDS = [
  'sent',
  'applied',
  'fence-rejected',
  'stood-down',
  'guard-refused',
  'failed',
  'retry',
  'checked',
  'inconsistent',
  'plan-deleted',
  'records-removed',
] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

export interface Activity {
  at: number;
  enactor: string;
  kind: ActivityKind;
  generation?: number;
  endpoints: string[];
  detail?: string;
}

/**
 * How the dashboard knows of an enactor: its activity (events, or lines of the audit log), the run manifest of
 * the `dnsplane up` deployment that started it, or its id as the writer (w=) of a live shard fence.
 */
export const ENACTOR_SOURCES = ['activity', 'run manifest', 'fence writer'] as const;
export type EnactorSource = (typeof ENACTOR_SOURCES)[number];

export interface EnactorRow {
  id: string;
  /**
   * The kind of its latest activity ("sent" while a batch is in flight); null when none is seen yet: an enactor
   * in sync from the start, or whose passes only moved fences (a fence-only swap writes no audit line).
   */
  state: ActivityKind | null;
  lastActivityAt: number | null;
  lastApply: { at: number; generation?: number; endpoints: string[] } | null;
  counts: Partial<Record<ActivityKind, number>>;
  knownFrom: EnactorSource[];
}

export interface DashboardStatus {
  now: number;
  /** What this dashboard reads, for the page header (e.g. "live: demo" or "file:./plans + http://…"). */
  source: string;
  zoneId: string;
  /** The zone's name, from the latest plan (null before the first plan). */
  zone: string | null;
  /** The plan store's freeze marker (dnsplane freeze), null when not frozen. */
  freeze: Freeze | null;
  /**
   * Every stored plan is below the live fences (a new, wiped or restored plan store: the enactors stand down
   * on every endpoint), with what to run; null otherwise.
   */
  storeBehind: (StoreBehindZone & { message: string }) | null;
  plannedGeneration: number | null;
  /**
   * The probe's verdict on which part fails (the authority down, or the resolver still failing after the
   * authority is back, ...); null when no probe reports.
   */
  probeDiagnosis: { diagnosis: Diagnosis; detail: string } | null;
  endpoints: EndpointRow[];
  enactors: EnactorRow[];
  /** A status source that failed (Route53 unreachable, corrupt probe file): shown, not hidden. */
  errors: string[];
}

export interface TimelineObservation {
  at: number;
  endpoint: string;
  path: ProbePath;
  result: ProbeResult;
  latencyMs?: number;
  generation?: number;
}

export type MarkKind = 'plan' | Exclude<ActivityKind, 'sent' | 'retry' | 'checked'>;

export interface TimelineMark {
  at: number;
  kind: MarkKind;
  generation?: number;
  enactor?: string;
  /** Endpoints the mark concerns; empty for zone-wide marks (a plan written, a plan deleted). */
  endpoints: string[];
  detail?: string;
}

export interface Timeline {
  now: number;
  /** Observations and marks after `since` (exclusive), oldest first. */
  since: number;
  endpoints: string[];
  observations: TimelineObservation[];
  marks: TimelineMark[];
}

export interface DashboardSource {
  /** A short description for the page header. */
  readonly description: string;
  status(): Promise<DashboardStatus>;
  /** Observations and marks with at > since (epoch ms; 0 = everything kept). */
  timeline(since: number): Promise<Timeline>;
  /** The newest `limit` activities, oldest first. */
  activity(limit: number): Promise<Activity[]>;
  /** Calls back whenever something new is known, so /events can nudge the page; returns an unsubscribe. */
  onChange(listener: () => void): () => void;
  close(): Promise<void>;
}
