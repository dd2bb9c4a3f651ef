// What both dashboard sources keep the same way: enactor activity, plan generation marks, change listeners,
// and the assembly of the status and timeline answers from them.
import type { Route53Port } from '../route53/port.js';
import { describeStoreBehindZone } from '../enactor/options.js';
import { collectStatus, storeBehindZone, type EndpointStatus } from '../status/endpoint-status.js';
import type { PlanStore } from '../plan/store.js';
import { ActivityBook, markOf } from './activity.js';
import type {
  Activity,
  DashboardSource,
  DashboardStatus,
  ProbeCell,
  Timeline,
  TimelineMark,
  TimelineObservation,
} from './model.js';
import { PlanMarks } from './plans.js';
import { endpointRows } from './rows.js';

export interface StatusTarget {
  store: PlanStore;
  /** Used for reads only (ListResourceRecordSets). */
  client: Route53Port;
  zoneId: string;
  /** Whose shard fences to read (--owner-id; default the default owner). */
  ownerId?: string;
}

export class History {
  private readonly book = new ActivityBook();
  private readonly plans: PlanMarks;
  private readonly listeners = new Set<() => void>();
  /** The newest successful reading of Route53 and the plan store (by the order the readings started). */
  private lastReading: { sequence: number; at: number; statuses: EndpointStatus[] } | undefined;
  private readings = 0;
  private pendingRead: Promise<void> | undefined;
  private readAgain = false;
  /** Set once what the source watched is gone for good: the last reading is final, not a failure to report. */
  private frozen = false;
  /** The zone's name, from the latest plan (the page's header names it; the id alone means little). */
  private zoneName: string | undefined;

  /**
   * `minReadIntervalMs`: a reading younger than this is reused instead of listing the zone again. Real Route53
   * allows a few requests per second per account, shared with the enactors; a large zone takes one request per
   * 300 record sets.
   */
  constructor(
    private readonly target: StatusTarget,
    private readonly description: string,
    private readonly minReadIntervalMs = 0,
  ) {
    this.plans = new PlanMarks(target.store);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of this.listeners) listener();
  }

  record(activity: Activity): void {
    this.book.record(activity);
    // A write landed: read the zone now, so that the last reading has it even if Route53 goes away next
    // (the demo's race closes its authority moments after the final apply).
    if (activity.kind === 'applied' || activity.kind === 'records-removed') this.refreshReading();
    this.notify();
  }

  /** One reading at a time, plus one more if asked for meanwhile. */
  private refreshReading(): void {
    if (this.pendingRead) {
      this.readAgain = true;
      return;
    }
    this.pendingRead = this.read([])
      .then(() => undefined)
      .finally(() => {
        this.pendingRead = undefined;
        if (!this.readAgain) return;
        this.readAgain = false;
        this.refreshReading();
      });
  }

  /** Lists the plan store for new generations (and tells listeners when there are). */
  async refreshPlans(): Promise<void> {
    if (await this.plans.refresh()) this.notify();
  }

  notePlan(generation: number, at: number, detail?: string): void {
    if (this.plans.note(generation, at, detail)) this.notify();
  }

  activity(limit: number): Activity[] {
    return this.book.tail(limit);
  }

  /** collectStatus (as `dnsplane status`) judged with the probe's cells; a failed reading becomes an error line. */
  async status(
    cells: ReadonlyArray<{ endpoint: string; cell: ProbeCell }>,
    errors: string[],
    probeDiagnosis: DashboardStatus['probeDiagnosis'] = null,
    /** Enactors the source knows of other than by their activity (the ids of a run manifest). */
    startedEnactors: readonly string[] = [],
  ): Promise<DashboardStatus> {
    const [statuses, freeze, latest] = await Promise.all([
      this.read(errors),
      this.frozen
        ? undefined
        : this.target.store.readFreeze?.().catch((error: Error) => void errors.push(`freeze marker: ${error.message}`)),
      this.frozen ? undefined : this.target.store.latest().catch(() => undefined),
    ]);
    if (latest) this.zoneName = latest.zone;
    const behind = storeBehindZone(statuses);
    // An enactor whose passes only moved fences wrote no audit line, but its id is on the fences it moved.
    const fenceWriters = new Set(statuses.map((row) => row.fenceWriter).filter((id): id is string => id !== null));
    return {
      now: Date.now(),
      source: this.description,
      zoneId: this.target.zoneId,
      zone: this.zoneName ?? null,
      freeze: freeze ?? null,
      storeBehind: behind ? { ...behind, message: describeStoreBehindZone(behind) } : null,
      plannedGeneration: statuses.find((row) => row.plannedGeneration !== null)?.plannedGeneration ?? null,
      probeDiagnosis,
      endpoints: endpointRows(statuses, cells),
      enactors: this.book.enactorRows([
        ...startedEnactors.map((id) => ({ id, from: 'run manifest' as const })),
        ...[...fenceWriters].map((id) => ({ id, from: 'fence writer' as const })),
      ]),
      errors,
    };
  }

  /** From now on answer with the last reading and read nothing (the watched environment was closed on purpose). */
  freeze(): void {
    this.frozen = true;
  }

  /** collectStatus; on failure the last reading, with an error line saying so. */
  private async read(errors: string[]): Promise<EndpointStatus[]> {
    if (this.frozen) return this.lastReading?.statuses ?? [];
    if (this.lastReading && Date.now() - this.lastReading.at < this.minReadIntervalMs) return this.lastReading.statuses;
    const sequence = ++this.readings;
    try {
      const statuses = await collectStatus(this.target);
      // Readings overlap; one that started earlier but ended later must not replace a newer one.
      if (!this.lastReading || sequence > this.lastReading.sequence)
        this.lastReading = { sequence, at: Date.now(), statuses };
      return statuses;
    } catch (error) {
      // A reading that was under way when the environment closed on purpose failed for that reason only.
      if (this.frozen) return this.lastReading?.statuses ?? [];
      // Keep showing the last reading (marked as such): an operator needs the last known state most when
      // Route53 cannot be read.
      const last = this.lastReading;
      errors.push(
        `cannot read Route53 or the plan store (${(error as Error).message})${last ? `; the table shows the last reading, of ${new Date(last.at).toISOString()}` : ''}`,
      );
      return last?.statuses ?? [];
    }
  }

  timeline(since: number, observations: TimelineObservation[], endpoints: string[]): Timeline {
    const activityMarks = this.book
      .since(since)
      .map(markOf)
      .filter((mark): mark is TimelineMark => mark !== undefined);
    const marks = [...this.plans.since(since), ...activityMarks].sort((a, b) => a.at - b.at);
    return { now: Date.now(), since, endpoints: [...new Set(endpoints)].sort(), observations, marks };
  }
}

/** A source built on a History: it answers activity and change subscriptions; subclasses feed it. */
export abstract class HistorySource implements DashboardSource {
  protected readonly history: History;

  constructor(
    target: StatusTarget,
    readonly description: string,
    minReadIntervalMs = 0,
  ) {
    this.history = new History(target, description, minReadIntervalMs);
  }

  abstract status(): Promise<DashboardStatus>;
  abstract timeline(since: number): Promise<Timeline>;
  abstract close(): Promise<void>;

  async activity(limit: number): Promise<Activity[]> {
    return this.history.activity(limit);
  }

  onChange(listener: () => void): () => void {
    return this.history.onChange(listener);
  }
}
