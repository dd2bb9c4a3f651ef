// A ranged GetObject that the caller waits for synchronously. A plan's shards are read on first use from inside
// the enactor's synchronous decisions (shardPlan(), as the file store's readSync does), and Node has no
// synchronous HTTP: the GET runs on a worker thread with its own S3 client, made from the store's client's
// resolved settings, while this thread blocks in Atomics.wait until the answer is posted. One shard is one
// request of ~1 MB at 100,000 endpoints (BENCHMARKS.md, "Plans on S3 read by shard"); the SDK's own request
// timeout bounds the wait. Custom middleware on the store's client does not see these GETs, and an endpoint
// served by this very thread (an S3 stand-in in the same process) could never answer one: run it apart.
// It is the fallback: the enactor prefetches the shards it decides on without blocking, through the store's
// client (prefetchShards in shards.ts), and only a shard nobody prefetched comes here.
import type { S3Client } from '@aws-sdk/client-s3';
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/** What the worker's client is made of: plain values, resolved from the store's client when a plan is read. */
export interface RangeClientSettings {
  region: string;
  /** The endpoint URL, when the client has one (moto, LocalStack, MinIO); else S3's for the region. */
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  timeoutMs: number;
}

export interface RangeRequest {
  bucket: string;
  key: string;
  /** An HTTP Range header value: `bytes=first-last`. */
  range: string;
  ifMatch: string;
  client: RangeClientSettings;
}

export type RangeAnswer =
  | { status: number; etag?: string; contentRange?: string; body: Uint8Array }
  | { error: { name: string; status?: number; message: string } };

/** The store's client's settings now (credentials are refreshed by the SDK's provider when they expire). */
export async function rangeClientSettings(client: S3Client, timeoutMs: number): Promise<RangeClientSettings> {
  const { config } = client;
  const identity = await config.credentials();
  const endpoint = config.endpoint ? await config.endpoint() : undefined;
  return {
    region: await config.region(),
    endpoint: endpoint
      ? `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}${endpoint.path}`
      : undefined,
    forcePathStyle: config.forcePathStyle,
    credentials: {
      accessKeyId: identity.accessKeyId,
      secretAccessKey: identity.secretAccessKey,
      ...(identity.sessionToken ? { sessionToken: identity.sessionToken } : {}),
    },
    timeoutMs,
  };
}

// CommonJS, evaluated in the worker: it needs no build step and loads the same SDK (by resolved path).
const WORKER = `
const { workerData } = require('node:worker_threads');
const { port, signal, sdk } = workerData;
const flag = new Int32Array(signal);
let client;
let clientKey;
port.on('message', async (request) => {
  let answer;
  try {
    const { S3Client, GetObjectCommand } = require(sdk);
    const key = JSON.stringify(request.client);
    if (key !== clientKey) {
      const { region, endpoint, forcePathStyle, credentials, timeoutMs } = request.client;
      client = new S3Client({
        region, endpoint, forcePathStyle, credentials,
        requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true },
      });
      clientKey = key;
    }
    const output = await client.send(
      new GetObjectCommand({ Bucket: request.bucket, Key: request.key, Range: request.range, IfMatch: request.ifMatch }),
    );
    const body = output.Body ? await output.Body.transformToByteArray() : new Uint8Array();
    answer = { status: output.$metadata.httpStatusCode, etag: output.ETag, contentRange: output.ContentRange, body };
  } catch (error) {
    answer = {
      error: {
        name: (error && error.name) || 'Error',
        status: error && error.$metadata ? error.$metadata.httpStatusCode : undefined,
        message: String((error && error.message) || error),
      },
    };
  }
  port.postMessage(answer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

interface Channel {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
}

let channel: Channel | undefined;
/** What this process asked of the worker, for tests and benchmarks: with prefetch (shards.ts), none of it. */
const used = { workerStarts: 0, gets: 0 };

/** How many times this process started the worker, and how many synchronous GETs it sent it. */
export function syncRangeReads(): Readonly<typeof used> {
  return { ...used };
}

function start(): Channel {
  used.workerStarts += 1;
  const { port1, port2 } = new MessageChannel();
  const signal = new SharedArrayBuffer(4);
  const sdk = createRequire(import.meta.url).resolve('@aws-sdk/client-s3');
  // execArgv: [] so that a TypeScript loader of the parent (tests, run-ts.js) is not loaded again for plain JS.
  const worker = new Worker(WORKER, {
    eval: true,
    execArgv: [],
    workerData: { port: port2, signal, sdk },
    transferList: [port2],
  });
  // Neither keeps the process alive: a command exits when its work is done.
  worker.unref();
  port1.unref();
  return { worker, port: port1, flag: new Int32Array(signal) };
}

/**
 * Sends one ranged GET and blocks until its answer. Waits at most `waitMs` (the SDK's retries of its request
 * timeout, plus starting the worker); a worker that did not answer by then is replaced.
 */
export function getRangeSync(request: RangeRequest, waitMs: number): RangeAnswer {
  channel ??= start();
  used.gets += 1;
  const { port, flag, worker } = channel;
  Atomics.store(flag, 0, 0);
  port.postMessage(request);
  if (Atomics.wait(flag, 0, 0, waitMs) === 'timed-out') {
    channel = undefined;
    void worker.terminate();
    return { error: { name: 'TimeoutError', message: `no answer within ${waitMs} ms` } };
  }
  const received = receiveMessageOnPort(port);
  if (!received) return { error: { name: 'Error', message: 'the S3 range reader posted no answer' } };
  return received.message as RangeAnswer;
}
