// The probe's memory: a bounded timeline of observations, and for each endpoint seen through each path its
// availability and outages. Bounded because the probe runs for days at 50 ms intervals.
import { isBad, type ProbeResult } from './classify.js';

/** How a query reached DNS: straight at the authority, or through a recursive resolver as clients do. */
export type ProbePath = 'authority' | 'resolver';

export interface Observation {
  /** Epoch milliseconds when the query was sent. */
  at: number;
  /** "name TYPE" (see endpointKey). */
  endpoint: string;
  name: string;
  type: string;
  path: ProbePath;
  /** The server asked, as IP:PORT. */
  server: string;
  result: ProbeResult;
  values: string[];
  /** The reply's RCODE name, when there was a reply. */
  rcode?: string;
  latencyMs?: number;
  transport?: 'udp' | 'tcp';
  /** The plan generation the answer was compared with. */
  generation?: number;
  /** Why a query failed (error or timeout text). */
  detail?: string;
}

export interface Outage {
  from: number;
  /** Absent while the outage lasts. */
  to?: number;
  /** The first bad result of the outage. */
  result: ProbeResult;
}

export interface EndpointHealth {
  endpoint: string;
  path: ProbePath;
  observations: number;
  answered: number;
  /** answered ÷ observations, 0..1. */
  availability: number;
  last: Observation;
  /** The first bad observation ever seen for this endpoint and path. */
  firstBadAt?: number;
  /** When the current outage began; absent when the endpoint answers. */
  badSince?: number;
  /** When the endpoint last came back after an outage. */
  recoveredAt?: number;
  /** The most recent outages, oldest first (bounded). */
  outages: Outage[];
}

export class RingBuffer<T> {
  private readonly items: T[] = [];
  private start = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`ring buffer capacity must be a positive integer, got ${capacity}`);
  }

  push(item: T): void {
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return;
    }
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
  }

  /** Oldest first. */
  toArray(): T[] {
    return [...this.items.slice(this.start), ...this.items.slice(0, this.start)];
  }

  get size(): number {
    return this.items.length;
  }
}

const OUTAGES_KEPT = 50;

export class HealthBook {
  private readonly byKey = new Map<string, EndpointHealth>();

  /** Records one observation; returns what changed, so the probe can announce outages and recoveries. */
  record(observation: Observation): { health: EndpointHealth; wentBad: boolean; recovered: boolean } {
    const key = `${observation.endpoint}|${observation.path}`;
    const bad = isBad(observation.result);
    let health = this.byKey.get(key);
    if (!health) {
      health = {
        endpoint: observation.endpoint,
        path: observation.path,
        observations: 0,
        answered: 0,
        availability: 0,
        last: observation,
        outages: [],
      };
      this.byKey.set(key, health);
    }
    health.observations += 1;
    if (!bad) health.answered += 1;
    health.availability = health.answered / health.observations;
    health.last = observation;
    const wentBad = bad && health.badSince === undefined;
    const recovered = !bad && health.badSince !== undefined;
    if (wentBad) {
      health.badSince = observation.at;
      health.firstBadAt ??= observation.at;
      health.outages.push({ from: observation.at, result: observation.result });
      if (health.outages.length > OUTAGES_KEPT) health.outages.shift();
    }
    if (recovered) {
      health.badSince = undefined;
      health.recoveredAt = observation.at;
      const open = health.outages.at(-1);
      if (open) open.to = observation.at;
    }
    return { health, wentBad, recovered };
  }

  all(): EndpointHealth[] {
    return [...this.byKey.values()].map((health) => ({
      ...health,
      outages: health.outages.map((outage) => ({ ...outage })),
    }));
  }
}
