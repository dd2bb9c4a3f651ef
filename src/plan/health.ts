// Health checks over real HTTP, with hysteresis.
//
// One bad answer should not pull a load balancer out of DNS, and one good answer should not put a sick one
// back: a target changes state only after `failuresToUnhealthy` consecutive failures or
// `successesToHealthy` consecutive successes. The first observation of a target sets its state directly,
// since there is no history to smooth (a one-shot `dnsplane plan` sees every target for the first time).
import pMap from 'p-map';
import { counter, histogram } from '../telemetry/metrics.js';

export interface HealthOptions {
  failuresToUnhealthy: number;
  successesToHealthy: number;
  timeoutMs: number;
  /** At most this many checks in flight at once (default 64), so a large fleet does not open a socket per target at once. */
  concurrency?: number;
}

export interface CheckResult {
  ok: boolean;
  /** HTTP status, or 'timeout' / 'error' when there was none. */
  outcome: number | 'timeout' | 'error';
  ms: number;
}

export interface TargetHealth {
  healthy: boolean;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  last: CheckResult;
}

const checks = counter('dnsplane_health_checks_total', 'Health checks by result (ok, http_error, timeout, error)', [
  'result',
]);
const latency = histogram(
  'dnsplane_health_check_seconds',
  'Health check duration',
  [],
  [0.005, 0.02, 0.1, 0.5, 1, 2, 5],
);

/** One GET; healthy means a 2xx answer within the timeout. */
export async function checkOnce(url: string, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    // Drain the body so the connection goes back to the pool instead of lingering.
    await response.arrayBuffer().catch(() => undefined);
    const ok = response.status >= 200 && response.status < 300;
    return { ok, outcome: response.status, ms: elapsed() };
  } catch (error) {
    const name = (error as Error).name;
    return {
      ok: false,
      outcome: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'error',
      ms: elapsed(),
    };
  }
}

export class HealthTracker {
  private readonly targets = new Map<string, TargetHealth>();

  constructor(private options: HealthOptions) {}

  /** New thresholds and timeout (a reloaded fleet file); each target's history is kept. */
  configure(options: HealthOptions): void {
    this.options = options;
  }

  /** Checks every URL once, concurrently, and returns each one's smoothed state. */
  async checkAll(urls: Iterable<string>): Promise<Map<string, TargetHealth>> {
    const unique = [...new Set(urls)];
    const results: CheckResult[] = await pMap(unique, (url) => checkOnce(url, this.options.timeoutMs), {
      concurrency: this.options.concurrency ?? 64,
    });
    const states = new Map<string, TargetHealth>();
    unique.forEach((url, i) => {
      const result = results[i];
      checks.inc({ result: result.ok ? 'ok' : typeof result.outcome === 'number' ? 'http_error' : result.outcome });
      latency.observe(result.ms / 1000);
      states.set(url, this.observe(url, result));
    });
    return states;
  }

  /** Folds one check result into the target's state (exposed for callers that check by other means). */
  observe(target: string, result: CheckResult): TargetHealth {
    const previous = this.targets.get(target);
    const consecutiveFailures = result.ok ? 0 : (previous?.consecutiveFailures ?? 0) + 1;
    const consecutiveSuccesses = result.ok ? (previous?.consecutiveSuccesses ?? 0) + 1 : 0;
    let healthy: boolean;
    if (!previous) healthy = result.ok;
    else if (previous.healthy) healthy = consecutiveFailures < this.options.failuresToUnhealthy;
    else healthy = consecutiveSuccesses >= this.options.successesToHealthy;
    const state = { healthy, consecutiveFailures, consecutiveSuccesses, last: result };
    this.targets.set(target, state);
    return state;
  }

  state(target: string): TargetHealth | undefined {
    return this.targets.get(target);
  }
}
