// Two token buckets that keep a fleet of enactors polite towards Route53, whose account-wide limit is a few
// requests per second: a rate limiter that every call waits on, and a retry budget that every retry spends
// from. Without the budget, a throttled fleet retries harder exactly when Route53 asks it to back off.

/** A token bucket refilled continuously; time is injectable so that unit tests need no sleeping. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly capacity: number,
    readonly refillPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(capacity > 0)) throw new Error(`token bucket capacity must be > 0, got ${capacity}`);
    if (!(refillPerSecond >= 0)) throw new Error(`token bucket refill must be >= 0, got ${refillPerSecond}`);
    this.tokens = capacity;
    this.last = now();
  }

  /** Takes one token if there is one. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until one token will be available (0 when one is there now). */
  waitMs(): number {
    this.refill();
    if (this.tokens >= 1) return 0;
    if (this.refillPerSecond === 0) return Number.POSITIVE_INFINITY;
    return Math.ceil(((1 - this.tokens) / this.refillPerSecond) * 1000);
  }

  available(): number {
    this.refill();
    return this.tokens;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.refillPerSecond);
  }
}

/**
 * Client-side rate limit shared by all of an enactor's calls (and by several enactors in one process if they
 * are given the same instance). Waiters are served in arrival order.
 */
export class RateLimiter {
  private readonly bucket: TokenBucket;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly requestsPerSecond: number,
    burst = Math.max(1, Math.ceil(requestsPerSecond)),
  ) {
    if (!(requestsPerSecond > 0)) throw new Error(`rate limit must be > 0 requests/s, got ${requestsPerSecond}`);
    this.bucket = new TokenBucket(burst, requestsPerSecond);
  }

  /** Resolves when the caller may send one request. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.takeWhenReady(signal));
    // A caller that aborts must not block everyone behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeWhenReady(signal?: AbortSignal): Promise<void> {
    while (!this.bucket.tryTake()) {
      signal?.throwIfAborted();
      await sleep(this.bucket.waitMs(), signal);
    }
  }
}

/** Retries allowed in a burst (capacity) and sustained (refill per second). */
export class RetryBudget {
  private readonly bucket: TokenBucket;
  private exhaustedCount = 0;

  constructor(capacity = 20, refillPerSecond = 2, now?: () => number) {
    this.bucket = new TokenBucket(capacity, refillPerSecond, now);
  }

  /** Spends one retry; false means the budget is empty and the caller must give up for now. */
  trySpend(): boolean {
    const ok = this.bucket.tryTake();
    if (!ok) this.exhaustedCount += 1;
    return ok;
  }

  get exhausted(): number {
    return this.exhaustedCount;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal.reason));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal?.reason));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The signal's reason (an AbortError DOMException unless the aborter gave one), made an Error if it is not one. */
function abortError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(`aborted: ${JSON.stringify(reason)}`);
}
