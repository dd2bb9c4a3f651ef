// Unit tests of retries, the retry budget and the rate limiter. The port here is the authority's in-memory store
// behind hooks that fail on cue; the real SDK against the real authority is exercised by the integration tests.
import { describe, expect, it } from 'vitest';
import { ZoneStore } from '../../src/authority/store/zone-store.js';
import { storePort } from '../../src/scenario/store-client.js';
import { fullJitterDelay, Route53Caller } from '../../src/route53/caller.js';
import { classifyError } from '../../src/route53/errors.js';
import { RateLimiter, RetryBudget, TokenBucket } from '../../src/route53/throttle.js';

function sdkError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
}

/** A port over an in-memory zone whose calls first fail with `failures`, one each. */
function failingClient(failures: Error[]) {
  let calls = 0;
  const store = new ZoneStore();
  const zoneId = store.createHostedZone({ name: 'retry.test.', callerReference: 'retry' }).zone.id;
  const client = storePort(store, {
    before() {
      calls += 1;
      const failure = failures.shift();
      if (failure) throw failure;
    },
  });
  return { client, calls: () => calls, list: { HostedZoneId: zoneId } };
}

const fast = { baseMs: 1, capMs: 2, retries: 5 };

describe('error classification', () => {
  it('retries overload, 5xx and the network; re-reads on InvalidChangeBatch; gives up on the rest', () => {
    expect(classifyError(sdkError('Throttling'))).toBe('retryable');
    expect(classifyError(sdkError('PriorRequestNotComplete'))).toBe('retryable');
    expect(classifyError(sdkError('InternalError', 503))).toBe('retryable');
    expect(classifyError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(
      'retryable',
    );
    expect(classifyError(sdkError('InvalidChangeBatch'))).toBe('rejected');
    expect(classifyError(sdkError('NoSuchHostedZone', 404))).toBe('fatal');
    expect(classifyError(sdkError('InvalidInput'))).toBe('fatal');
  });
});

describe('Route53Caller', () => {
  it('retries Throttling until it succeeds and counts the retries', async () => {
    const { client, calls, list } = failingClient([sdkError('Throttling'), sdkError('PriorRequestNotComplete')]);
    const caller = new Route53Caller(client, { policy: fast });
    await expect(caller.listResourceRecordSets(list)).resolves.toMatchObject({ IsTruncated: false });
    expect(calls()).toBe(3);
    expect(caller.retries).toBe(2);
  });

  it('never retries a rejected batch and throws the original SDK error', async () => {
    const { client, calls, list } = failingClient([sdkError('InvalidChangeBatch')]);
    const caller = new Route53Caller(client, { policy: fast });
    await expect(caller.listResourceRecordSets(list)).rejects.toMatchObject({ name: 'InvalidChangeBatch' });
    expect(calls()).toBe(1);
  });

  it('stops retrying when the retry budget is empty', async () => {
    const { client, calls, list } = failingClient(Array.from({ length: 10 }, () => sdkError('Throttling')));
    const budget = new RetryBudget(2, 0);
    const caller = new Route53Caller(client, { policy: fast, budget });
    await expect(caller.listResourceRecordSets(list)).rejects.toMatchObject({ name: 'Throttling' });
    expect(calls()).toBe(3);
    expect(budget.exhausted).toBe(1);
  });

  it('stops waiting out a backoff as soon as its signal aborts', async () => {
    const { client, list } = failingClient(Array.from({ length: 10 }, () => sdkError('Throttling')));
    const caller = new Route53Caller(client, { policy: { baseMs: 60_000, capMs: 60_000, retries: 5 } });
    const controller = new AbortController();
    caller.signal = controller.signal;
    // Full jitter may pick a short first delay; the second and later ones are what must be interrupted.
    const sending = caller.listResourceRecordSets(list);
    setTimeout(() => controller.abort(new Error('stopping')), 50);
    await expect(sending).rejects.toThrow(/stopping/);
  });

  it('gives up after the configured number of retries', async () => {
    const { client, calls, list } = failingClient(Array.from({ length: 10 }, () => sdkError('Throttling')));
    const caller = new Route53Caller(client, { policy: { ...fast, retries: 2 } });
    await expect(caller.listResourceRecordSets(list)).rejects.toMatchObject({ name: 'Throttling' });
    expect(calls()).toBe(3);
  });
});

describe('backoff and buckets', () => {
  it('full jitter stays within [0, min(cap, base * 2^(n-1)))', () => {
    const policy = { baseMs: 100, capMs: 1_000 };
    expect(fullJitterDelay(1, policy, () => 0.999)).toBe(99);
    expect(fullJitterDelay(3, policy, () => 0.5)).toBe(200);
    expect(fullJitterDelay(10, policy, () => 0.999)).toBe(999);
    expect(fullJitterDelay(10, policy, () => 0)).toBe(0);
  });

  it('a token bucket refills with time up to its capacity', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 1, () => now);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
    expect(bucket.waitMs()).toBe(1000);
    now = 1500;
    expect(bucket.tryTake()).toBe(true);
    now = 100_000;
    expect(bucket.available()).toBe(2);
  });

  it('the rate limiter lets a burst through and then spaces requests', async () => {
    const limiter = new RateLimiter(50, 2);
    const started = performance.now();
    for (let i = 0; i < 5; i++) await limiter.acquire();
    // 2 from the burst, then 3 more at 50/s need at least ~60 ms; this is a lower bound, not a speed test.
    expect(performance.now() - started).toBeGreaterThanOrEqual(50);
  });
});

describe('request timeout', () => {
  it('a silent endpoint fails with a retryable error instead of hanging the enactor', async () => {
    const { createServer } = await import('node:net');
    const { createRoute53Client } = await import('../../src/route53/client.js');
    const { ListHostedZonesCommand } = await import('@aws-sdk/client-route-53');
    const sockets: import('node:net').Socket[] = [];
    const server = createServer((socket) => sockets.push(socket)); // accepts, never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const client = createRoute53Client({
      endpoint: `http://127.0.0.1:${port}`,
      maxAttempts: 1,
      requestTimeoutMs: 300,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    try {
      const error = await client.send(new ListHostedZonesCommand({})).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeDefined();
      expect(classifyError(error)).toBe('retryable');
    } finally {
      client.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
