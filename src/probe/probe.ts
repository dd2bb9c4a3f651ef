// The resolver probe: every interval, ask for every target straight at the authority and through the recursive
// resolver, classify each reply against the plan, and remember what it saw. It exists because in October 2025
// nothing was watching whether the endpoint still resolved; this alarms within one interval.
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { endpointKey } from '../route53/recordset.js';
import { counter, gauge, histogram } from '../telemetry/metrics.js';
import { classify, EMPTY_RESULTS, isBad, PROBE_RESULTS, type ProbeResult } from './classify.js';
import { HealthBook, RingBuffer, type EndpointHealth, type Observation, type ProbePath } from './health.js';
import { DnsTimeoutError, formatServer, queryDns, type DnsServerAddress } from './query.js';
import type { ProbeTarget, TargetSource } from './targets.js';

export const MIN_INTERVAL_MS = 50;

export interface ProbeOptions {
  targets: TargetSource;
  /** Asked with RD=0, as the resolver would ask it. */
  authority?: DnsServerAddress;
  /** A recursive resolver (unbound), asked with RD=1 as a client would. */
  resolver?: DnsServerAddress;
  /** Default 1000 ms; at least 50 ms. */
  intervalMs?: number;
  /** Per query; default 500 ms. */
  timeoutMs?: number;
  /** Observations kept in the timeline; default 10,000. */
  timelineSize?: number;
}

export interface RoundReport {
  at: number;
  generation?: number;
  observations: Observation[];
}

export interface ProbeSummary {
  rounds: number;
  observations: number;
  byResult: Record<ProbeResult, number>;
  firstBadAt?: number;
  lastRecoveredAt?: number;
  /** Endpoints (per path) that are bad right now. */
  badNow: number;
  /** Observations of the empty record (NODATA or NXDOMAIN), the October 2025 failure. */
  emptyObservations: number;
  firstEmptyAt?: number;
}

export interface ProbeEvents {
  observation: [Observation];
  round: [RoundReport];
  /** The first bad observation of an outage. */
  bad: [Observation, EndpointHealth];
  /** The first good observation after an outage. */
  recovered: [Observation, EndpointHealth];
  /** The target source failed (a plan store that could not be read); the probe keeps the last targets. */
  targetsError: [Error];
}

const observationsTotal = counter(
  'dnsplane_probe_observations_total',
  'Probe observations by endpoint, path and result.',
  ['endpoint', 'path', 'result'],
);
const latencySeconds = histogram(
  'dnsplane_probe_latency_seconds',
  'Probe query latency, including a TCP retry.',
  ['path'],
  [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
);
const endpointUp = gauge(
  'dnsplane_probe_endpoint_up',
  '1 when the last probe of the endpoint answered with planned values.',
  ['endpoint', 'path'],
);

export class Probe extends EventEmitter<ProbeEvents> {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  private readonly timeline: RingBuffer<Observation>;
  private readonly health = new HealthBook();
  private readonly counts = Object.fromEntries(PROBE_RESULTS.map((result) => [result, 0])) as Record<
    ProbeResult,
    number
  >;
  private rounds = 0;
  private firstEmptyAt: number | undefined;
  private lastTargets: ProbeTarget[] = [];
  private lastGeneration: number | undefined;
  private loop: Promise<void> | undefined;
  private abort: AbortController | undefined;

  constructor(private readonly options: ProbeOptions) {
    super();
    this.intervalMs = options.intervalMs ?? 1000;
    this.timeoutMs = options.timeoutMs ?? 500;
    if (!(this.intervalMs >= MIN_INTERVAL_MS))
      throw new Error(`probe interval must be at least ${MIN_INTERVAL_MS} ms, got ${options.intervalMs}`);
    if (!(this.timeoutMs > 0)) throw new Error(`probe timeout must be positive, got ${options.timeoutMs}`);
    if (!options.authority && !options.resolver)
      throw new Error('the probe needs an authority, a resolver or both to ask');
    this.timeline = new RingBuffer(options.timelineSize ?? 10_000);
  }

  /** Probes in the background until stop(). */
  start(): void {
    if (this.loop) return;
    this.loop = this.run();
  }

  /**
   * Probes until a limit is reached (rounds or duration) or stop() is called. Rounds start on a fixed
   * schedule; a round that overruns the interval delays the next one instead of overlapping it.
   */
  async run(limits: { rounds?: number; durationMs?: number } = {}): Promise<void> {
    if (this.abort && !this.abort.signal.aborted) throw new Error('this probe is already running');
    const abort = (this.abort = new AbortController());
    const startedAt = performance.now();
    let next = startedAt;
    try {
      for (let round = 0; limits.rounds === undefined || round < limits.rounds; round += 1) {
        if (abort.signal.aborted) break;
        if (limits.durationMs !== undefined && performance.now() - startedAt >= limits.durationMs) break;
        await this.runRound();
        next = Math.max(next + this.intervalMs, performance.now());
        if (limits.rounds !== undefined && round + 1 >= limits.rounds) break;
        await sleep(next - performance.now(), undefined, { signal: abort.signal }).catch(() => undefined);
      }
    } finally {
      abort.abort();
    }
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
  }

  /** One round: every target through every configured path, concurrently. */
  async runRound(): Promise<RoundReport> {
    await this.refreshTargets();
    const at = Date.now();
    const paths: Array<[ProbePath, DnsServerAddress]> = [];
    if (this.options.authority) paths.push(['authority', this.options.authority]);
    if (this.options.resolver) paths.push(['resolver', this.options.resolver]);
    const observations = await Promise.all(
      this.lastTargets.flatMap((target) => paths.map(([path, server]) => this.observe(target, path, server))),
    );
    this.rounds += 1;
    const report: RoundReport = { at, generation: this.lastGeneration, observations };
    this.emit('round', report);
    return report;
  }

  /** Oldest first. */
  observations(): Observation[] {
    return this.timeline.toArray();
  }

  endpoints(): EndpointHealth[] {
    return this.health.all();
  }

  summary(): ProbeSummary {
    const endpoints = this.health.all();
    const firstBad = endpoints.map((health) => health.firstBadAt).filter((at): at is number => at !== undefined);
    const recovered = endpoints.map((health) => health.recoveredAt).filter((at): at is number => at !== undefined);
    return {
      rounds: this.rounds,
      observations: Object.values(this.counts).reduce((sum, count) => sum + count, 0),
      byResult: { ...this.counts },
      ...(firstBad.length > 0 ? { firstBadAt: Math.min(...firstBad) } : {}),
      ...(recovered.length > 0 ? { lastRecoveredAt: Math.max(...recovered) } : {}),
      badNow: endpoints.filter((health) => health.badSince !== undefined).length,
      emptyObservations: this.counts.nodata + this.counts.nxdomain,
      ...(this.firstEmptyAt !== undefined ? { firstEmptyAt: this.firstEmptyAt } : {}),
    };
  }

  private async refreshTargets(): Promise<void> {
    try {
      const list = await this.options.targets();
      this.lastTargets = list.targets;
      this.lastGeneration = list.generation;
    } catch (error) {
      this.emit('targetsError', error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async observe(target: ProbeTarget, path: ProbePath, server: DnsServerAddress): Promise<Observation> {
    const at = Date.now();
    const base = {
      at,
      endpoint: endpointKey(target.name, target.type),
      name: target.name,
      type: target.type,
      path,
      server: formatServer(server),
    };
    const generation = target.plannedSets ? { generation: this.lastGeneration } : {};
    let observation: Observation;
    try {
      const reply = await queryDns({
        server,
        name: target.name,
        type: target.type,
        timeoutMs: this.timeoutMs,
        recursionDesired: path === 'resolver',
      });
      const result = classify(reply, target.plannedSets);
      observation = {
        ...base,
        result,
        values: reply.values,
        rcode: reply.rcodeName,
        latencyMs: reply.latencyMs,
        transport: reply.transport,
        ...generation,
      };
      latencySeconds.observe({ path }, reply.latencyMs / 1000);
    } catch (error) {
      const timedOut = error instanceof DnsTimeoutError;
      const detail = error instanceof Error ? error.message : String(error);
      observation = {
        ...base,
        result: classify(timedOut ? 'timeout' : new Error(detail)),
        values: [],
        detail,
        ...generation,
      };
    }
    this.remember(observation);
    return observation;
  }

  private remember(observation: Observation): void {
    this.timeline.push(observation);
    this.counts[observation.result] += 1;
    if (EMPTY_RESULTS.has(observation.result)) this.firstEmptyAt ??= observation.at;
    observationsTotal.inc({ endpoint: observation.endpoint, path: observation.path, result: observation.result });
    endpointUp.set({ endpoint: observation.endpoint, path: observation.path }, isBad(observation.result) ? 0 : 1);
    const change = this.health.record(observation);
    this.emit('observation', observation);
    if (change.wentBad) this.emit('bad', observation, change.health);
    if (change.recovered) this.emit('recovered', observation, change.health);
  }
}
