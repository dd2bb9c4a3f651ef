// Every Route53 call the enactor makes goes through here: wait for the shared rate limiter, send, and on a
// retryable failure back off (exponential, full jitter) and try again while the retry budget lasts. The SDK
// client must be created with maxAttempts: 1 so that these are the only retries.
import type { Route53Client } from '@aws-sdk/client-route-53';
import pRetry, { AbortError } from 'p-retry';
import { counter } from '../telemetry/metrics.js';
import { classifyError, errorCode } from './errors.js';
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

export interface CallerOptions {
  limiter?: RateLimiter;
  budget?: RetryBudget;
  policy?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  /** Called once per retry, e.g. to emit an enactor event; `attempt` failed, of at most `attempts`. */
  onRetry?: (
    operation: string,
    error: unknown,
    delayMs: number,
    progress: { attempt: number; attempts: number },
  ) => void;
}

export class Route53Caller {
  readonly limiter: RateLimiter | undefined;
  readonly budget: RetryBudget;
  private readonly policy: RetryPolicy;
  retries = 0;
  /** Aborts waits, backoffs and requests in flight (an enactor sets it for the duration of run()). */
  signal: AbortSignal | undefined;

  constructor(
    readonly client: Route53Client,
    private readonly options: CallerOptions = {},
  ) {
    this.limiter = options.limiter;
    this.budget = options.budget ?? new RetryBudget();
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
    this.signal = options.signal;
  }

  /**
   * A Route53Client look-alike whose send() goes through this caller, so that helpers written against the
   * plain client (paging, the self-check) get the rate limit and the retry budget too.
   */
  asClient(): Route53Client {
    const send = (command: { readonly input: unknown }) =>
      this.send(command.constructor.name.replace(/Command$/, ''), command);
    return { send, config: this.client.config } as unknown as Route53Client;
  }

  /**
   * Sends one command with rate limiting and budgeted retries. Rejections (InvalidChangeBatch) and fatal
   * errors are thrown at once, untouched, for the caller to interpret.
   */
  async send<Output>(operation: string, command: { readonly input: unknown }): Promise<Output> {
    const signal = this.signal;
    // p-retry 6 still calls onFailedAttempt after shouldRetry said no; remember those so they do not sleep.
    const denied = new WeakSet<object>();
    return pRetry(
      async () => {
        await this.limiter?.acquire(signal);
        callsTotal.inc({ operation });
        try {
          return (await this.client.send(command as never, { abortSignal: signal } as never)) as Output;
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
          this.options.onRetry?.(operation, error, delay, {
            attempt: error.attemptNumber,
            attempts: this.policy.retries + 1,
          });
          await sleep(delay, signal);
        },
      },
    );
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
