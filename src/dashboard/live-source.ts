// The dashboard fed by live objects in this process: the demo's or the race's Probe and enactors (fenced or
// legacy). Endpoint status still comes from the plan store and Route53 through collectStatus, as for
// `dnsplane status`; the probe's timeline and the enactors' activity come straight from their events.
import type { EventEmitter } from 'node:events';
import { diagnose, overallDiagnosis } from '../probe/diagnosis.js';
import type { Probe } from '../probe/probe.js';
import { activityOfEvent, type AnyEnactorEvent } from './activity.js';
import { HistorySource, type StatusTarget } from './history.js';
import type { DashboardStatus, Timeline } from './model.js';

export interface LiveSourceOptions extends StatusTarget {
  probe?: Probe;
  /** Shown in the page header, e.g. "legacy race". */
  description?: string;
  /** How often the plan store is listed for new generations (default 500 ms). */
  planPollMs?: number;
  /** Subscribes to plan writes as they happen (generation, epoch ms), for plans that may be gone by the next listing. */
  planWrites?: (listener: (generation: number, at: number) => void) => () => void;
}

type EnactorLike = Pick<EventEmitter<{ event: [AnyEnactorEvent] }>, 'on' | 'off'>;

export class LiveSource extends HistorySource {
  private readonly detach: Array<() => void> = [];
  private readonly timer: NodeJS.Timeout;
  private planError: string | undefined;

  constructor(private readonly options: LiveSourceOptions) {
    super(options, options.description ?? 'live (in-process)');
    const probe = options.probe;
    if (probe) {
      const onRound = () => this.history.notify();
      probe.on('round', onRound);
      this.detach.push(() => probe.off('round', onRound));
    }
    if (options.planWrites)
      this.detach.push(options.planWrites((generation, at) => this.history.notePlan(generation, at)));
    this.timer = setInterval(() => void this.refreshPlans(), options.planPollMs ?? 500);
    this.timer.unref();
    void this.refreshPlans();
  }

  /** Follows an enactor's events (a fenced Enactor or the race's LegacyEnactor). */
  attach(enactor: EnactorLike): void {
    const listener = (event: AnyEnactorEvent) => this.record(event);
    enactor.on('event', listener);
    this.detach.push(() => enactor.off('event', listener));
  }

  /** Records one enactor event (for callers that forward events themselves). */
  record(event: AnyEnactorEvent, at = Date.now()): void {
    const activity = activityOfEvent(event, at);
    if (activity) this.history.record(activity);
  }

  status(): Promise<DashboardStatus> {
    const cells = (this.options.probe?.endpoints() ?? []).map((health) => ({
      endpoint: health.endpoint,
      cell: {
        path: health.path,
        result: health.last.result,
        at: health.last.at,
        values: health.last.values,
        answeredBefore: health.answered > 0,
        ...(health.last.latencyMs !== undefined ? { latencyMs: health.last.latencyMs } : {}),
      },
    }));
    const probed = this.options.probe?.endpoints();
    return this.history.status(
      cells,
      this.planError ? [this.planError] : [],
      probed ? overallDiagnosis(diagnose(probed)) : null,
    );
  }

  async timeline(since: number): Promise<Timeline> {
    const observations = (this.options.probe?.observations() ?? [])
      .filter((observation) => observation.at > since)
      .map(({ at, endpoint, path, result, latencyMs, generation }) => ({
        at,
        endpoint,
        path,
        result,
        ...(latencyMs !== undefined ? { latencyMs } : {}),
        ...(generation !== undefined ? { generation } : {}),
      }));
    return this.history.timeline(
      since,
      observations,
      (this.options.probe?.endpoints() ?? []).map((health) => health.endpoint),
    );
  }

  /**
   * What this source watched was closed on purpose (the demo's race ends and closes its authority and plan
   * store): keep the last reading as the final state instead of reporting every later read as a failure.
   */
  end(): void {
    this.ended = true;
    clearInterval(this.timer);
    this.planError = undefined;
    this.history.freeze();
    this.history.notify();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const undo of this.detach.splice(0)) undo();
  }

  private ended = false;

  private async refreshPlans(): Promise<void> {
    if (this.ended) return;
    try {
      await this.history.refreshPlans();
      this.planError = undefined;
    } catch (error) {
      if (!this.ended) this.planError = `plan store: ${(error as Error).message}`;
    }
  }
}
