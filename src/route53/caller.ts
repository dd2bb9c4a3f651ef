// Every Route53 call the enactor makes goes through here: wait for the shared rate limiter, send, and on a
// retryable failure back off (exponential, full jitter) and try again while the retry budget lasts. The SDK
// client must be created with maxAttempts: 1 so that these are the only retries. The caller is itself a
// Route53Port, so the CLI's commands and the Enactor share one caller (one limiter, one retry budget).
import pRetry, { AbortError } from 'p-retry';
import { counter } from '../telemetry/metrics.js';
import { classifyError, errorCode } from './errors.js';
import { OPERATION_NAMES, type CallOptions, type PortInput, type PortOutput, type Route53Port } from './port.js';
import { RateLimiter, RetryBudget, sleep } from './throttle.js';

export interface RetryPolicy {
  /** Retries after the first attempt (default 6). */
  retries: number;
  /** Backoff base and cap in ms: attempt n waits a uniform random time in [0, min(cap, base * 2^n)). */
  baseMs: number;
  capMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 6, baseMs: 100, capMs: 5_000 };

const retriesTotal = counter('dnsplane_route53_retries_total', 'Route53 calls retried after a retryable error', [
  'operation',
  'code',
]);
const budgetExhausted = counter(
  'dnsplane_route53_retry_budget_exhausted_total',
  'Retryable Route53 failures not retried because the retry budget was empty',
  ['operation'],
);
const callsTotal = counter('dnsplane_route53_calls_total', 'Route53 calls sent (each attempt counts)', ['operation']);

/** Full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog): uniform in [0, min(cap, base*2^n)). */
export function fullJitterDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseMs' | 'capMs'>,
  random = Math.random,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

export type RetryListener = (
  operation: string,
  error: unknown,
  delayMs: number,
  progress: { attempt: number; attempts: number },
) => void;

export interface CallerOptions {
  limiter?: RateLimiter;
  budget?: RetryBudget;
  policy?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  /** Called once per retry, e.g. to emit an enactor event; `attempt` failed, of at most `attempts`. */
  onRetry?: RetryListener;
}

/** A Route53Port whose every call waits for the shared rate limiter and retries on the shared budget. */
export class Route53Caller implements Route53Port {
  readonly limiter: RateLimiter | undefined;
  readonly budget: RetryBudget;
  private readonly policy: RetryPolicy;
  retries = 0;
  /** Aborts waits, backoffs and requests in flight (an enactor sets it for the duration of run()). */
  signal: AbortSignal | undefined;
  private readonly retryListeners = new Set<RetryListener>();

  constructor(
    readonly inner: Route53Port,
    options: CallerOptions = {},
  ) {
    this.limiter = options.limiter;
    this.budget = options.budget ?? new RetryBudget();
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
    this.signal = options.signal;
    if (options.onRetry) this.retryListeners.add(options.onRetry);
  }

  /** Tells `listener` about every retry from now on (an Enactor given a shared caller logs its own); returns the undo. */
  onRetry(listener: RetryListener): () => void {
    this.retryListeners.add(listener);
    return () => this.retryListeners.delete(listener);
  }

  changeResourceRecordSets(input: PortInput<'changeResourceRecordSets'>, options?: CallOptions) {
    return this.call('changeResourceRecordSets', options, (o) => this.inner.changeResourceRecordSets(input, o));
  }

  listResourceRecordSets(input: PortInput<'listResourceRecordSets'>, options?: CallOptions) {
    return this.call('listResourceRecordSets', options, (o) => this.inner.listResourceRecordSets(input, o));
  }

  listHostedZonesByName(input: PortInput<'listHostedZonesByName'>, options?: CallOptions) {
    return this.call('listHostedZonesByName', options, (o) => this.inner.listHostedZonesByName(input, o));
  }

  getHostedZone(input: PortInput<'getHostedZone'>, options?: CallOptions) {
    return this.call('getHostedZone', options, (o) => this.inner.getHostedZone(input, o));
  }

  /**
   * Makes one call with rate limiting and budgeted retries. Rejections (InvalidChangeBatch) and fatal errors are
   * thrown at once, untouched, for the caller to interpret.
   */
  private async call<M extends keyof typeof OPERATION_NAMES>(
    method: M,
    options: CallOptions | undefined,
    attempt: (options: CallOptions) => Promise<PortOutput<M>>,
  ): Promise<PortOutput<M>> {
    const operation = OPERATION_NAMES[method];
    const signal = options?.abortSignal ?? this.signal;
    // p-retry 6 still calls onFailedAttempt after shouldRetry said no; remember those so they do not sleep.
    const denied = new WeakSet<object>();
    return pRetry(
      async () => {
        await this.limiter?.acquire(signal);
        callsTotal.inc({ operation });
        try {
          return await attempt({ ...options, abortSignal: signal });
        } catch (error) {
          if (classifyError(error) !== 'retryable') throw new AbortError(asError(error));
          throw asError(error);
        }
      },
      {
        retries: this.policy.retries,
        // p-retry's own timer is switched off (0 ms); the full-jitter sleep below replaces it.
        minTimeout: 0,
        maxTimeout: 0,
        randomize: false,
        signal,
        shouldRetry: (error) => {
          if (error.retriesLeft <= 0) return true; // let p-retry report the final error itself
          if (this.budget.trySpend()) return true;
          budgetExhausted.inc({ operation });
          denied.add(error);
          return false;
        },
        onFailedAttempt: async (error) => {
          if (error.retriesLeft <= 0 || denied.has(error)) return;
          const delay = fullJitterDelay(error.attemptNumber, this.policy);
          this.retries += 1;
          retriesTotal.inc({ operation, code: errorCode(error) ?? 'network' });
          const progress = { attempt: error.attemptNumber, attempts: this.policy.retries + 1 };
          for (const listener of this.retryListeners) listener(operation, error, delay, progress);
          await sleep(delay, signal);
        },
      },
    );
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
