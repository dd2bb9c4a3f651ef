// A loopback HTTP proxy in front of moto_server's S3 that records every request it passes on (method, path,
// Range, If-Match, status, body bytes answered), so that tests and benchmarks count what a store asks of S3
// whichever client sends it (the S3 store's shard reads use a client of their own, s3-sync-get.ts). It can
// also drop the Range header, to stand in for a backend that ignores it. It runs as its own process
// (s3-proxy-server.mjs). No vitest dependency: scripts use it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { stopChild } from './moto-server.js';

export interface ProxiedRequest {
  method: string;
  /** The path and query, as sent. */
  path: string;
  range?: string;
  ifMatch?: string;
  status: number;
  /** Bytes of the response body. */
  bytes: number;
}

export interface S3Proxy {
  /** The endpoint to give the S3 client instead of moto's. */
  endpoint: string;
  /** Every request passed on so far, in the order their answers ended. */
  requests(): Promise<ProxiedRequest[]>;
  /** GETs of objects whose path (path-style: `/bucket/key`) starts with `path` (listings are `/bucket?…`). */
  objectGets(path: string): Promise<ProxiedRequest[]>;
  stop(): Promise<void>;
}

export interface S3ProxyOptions {
  /**
   * Drop the Range header of every request whose range starts at or after this byte (0: all of them): a
   * backend that ignores Range answers 200 with the whole object.
   */
  ignoreRangeFrom?: number;
}

export async function startS3Proxy(target: string, options: S3ProxyOptions = {}): Promise<S3Proxy> {
  const script = fileURLToPath(new URL('./s3-proxy-server.mjs', import.meta.url));
  const args = [script, target, ...(options.ignoreRangeFrom === undefined ? [] : [String(options.ignoreRangeFrom)])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  while (!/listening (\d+)/.test(output)) {
    const [chunk] = (await Promise.race([once(child.stdout, 'data'), once(child, 'exit')])) as [unknown];
    if (!Buffer.isBuffer(chunk)) throw new Error(`the S3 proxy exited before listening: ${output}`);
    output += chunk.toString();
  }
  child.stdout.resume();
  const endpoint = `http://127.0.0.1:${/listening (\d+)/.exec(output)![1]}`;
  const requests = async () => (await (await fetch(`${endpoint}/__proxy/requests`)).json()) as ProxiedRequest[];
  return {
    endpoint,
    requests,
    objectGets: async (path) =>
      (await requests()).filter((entry) => entry.method === 'GET' && entry.path.startsWith(path)),
    stop: () => stopChild(child),
  };
}
