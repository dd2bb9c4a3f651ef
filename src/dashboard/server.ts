// The dashboard's HTTP server: one static page, its JSON (/api/status, /api/timeline, /api/audit), a
// server-sent-events stream that tells the page when to fetch (/events), and Prometheus (/metrics). Loopback
// by default: the page shows the fleet's names and addresses.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listening } from '../net/listening.js';
import { collectProcessMetrics, registry } from '../telemetry/metrics.js';
import { exportStatus } from './metrics.js';
import type { DashboardSource, DashboardStatus } from './model.js';

export const DEFAULT_DASHBOARD_PORT = 8090;

export interface DashboardOptions {
  source: DashboardSource;
  /** 0 = an ephemeral port (default 8090). */
  port?: number;
  host?: string;
}

export interface DashboardServer {
  readonly url: string;
  readonly port: number;
  /** Shows another source from now on (the demo's next race); open pages clear their chart and refetch. */
  setSource(source: DashboardSource): void;
  /** Resolves true as soon as a page is connected (now or later), false after timeoutMs without one. */
  whenViewed(timeoutMs: number): Promise<boolean>;
  /** Stops serving; the source stays the caller's to close. */
  close(): Promise<void>;
}

const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/chart.js': { file: 'chart.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

const SECURITY_HEADERS = {
  // Only our own files: no inline script, no CDN. The page builds its DOM with textContent, never innerHTML.
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** Several open pages share one reading of Route53 per interval (unless the source reports a change). */
const STATUS_CACHE_MS = 250;
/** A burst of probe rounds and enactor events becomes at most one nudge per interval. */
const NUDGE_MS = 250;
const HEARTBEAT_MS = 15_000;

export async function startDashboard(options: DashboardOptions): Promise<DashboardServer> {
  collectProcessMetrics();
  let source = options.source;
  let generation = 0; // bumps on setSource, so a cached status of the old source is never served
  let cached: { at: number; generation: number; status: Promise<DashboardStatus> } | undefined;
  const streams = new Set<ServerResponse>();
  const waiting: Array<() => void> = [];

  const status = () => {
    if (!cached || cached.generation !== generation || Date.now() - cached.at > STATUS_CACHE_MS) {
      cached = { at: Date.now(), generation, status: source.status() };
      cached.status.catch(() => (cached = undefined));
    }
    return cached.status;
  };

  let nudgeTimer: NodeJS.Timeout | undefined;
  const broadcast = (event: string) => {
    for (const stream of streams) stream.write(`event: ${event}\ndata: ${JSON.stringify({ at: Date.now() })}\n\n`);
  };
  const nudge = () => {
    cached = undefined; // something changed: the next status is read afresh
    nudgeTimer ??= setTimeout(() => {
      nudgeTimer = undefined;
      broadcast('change');
    }, NUDGE_MS);
  };
  let unsubscribe = source.onChange(nudge);
  const heartbeat = setInterval(() => {
    for (const stream of streams) stream.write(': heartbeat\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://dashboard');
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return void response.writeHead(405, { allow: 'GET, HEAD' }).end('method not allowed\n');
    const page = PAGE_FILES[url.pathname];
    if (page) {
      const body = await readFile(new URL(`./page/${page.file}`, import.meta.url));
      return void response.writeHead(200, { 'content-type': page.type, ...SECURITY_HEADERS }).end(body);
    }
    switch (url.pathname) {
      case '/favicon.ico':
        return void response.writeHead(204).end();
      case '/api/status':
        return json(response, await status());
      case '/api/timeline':
        return json(response, await source.timeline(queryNumber(url, 'since', 0, 0, Number.MAX_SAFE_INTEGER)));
      case '/api/audit':
        return json(response, {
          source: source.description,
          entries: await source.activity(queryNumber(url, 'limit', 100, 1, 5_000)),
        });
      case '/events':
        response.writeHead(200, { 'content-type': 'text/event-stream', connection: 'keep-alive', ...SECURITY_HEADERS });
        response.write('retry: 1000\n\nevent: change\ndata: {}\n\n');
        streams.add(response);
        for (const viewed of waiting.splice(0)) viewed();
        request.on('close', () => streams.delete(response));
        return;
      case '/metrics':
        exportStatus(await status());
        return void response.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
      default:
        return void response
          .writeHead(404, { 'content-type': 'text/plain' })
          .end('not found: the page is at /, its data under /api/, metrics at /metrics\n');
    }
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      if (error instanceof BadQueryError)
        return void response
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: error.message }));
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: error.message }));
    });
  });
  await listening(server, (done) =>
    server.listen(options.port ?? DEFAULT_DASHBOARD_PORT, options.host ?? '127.0.0.1', done),
  ).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EADDRINUSE'
      ? new Error(
          `dashboard port ${options.port ?? DEFAULT_DASHBOARD_PORT} on ${options.host ?? '127.0.0.1'} is already in use`,
        )
      : error;
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}/`,
    port: address.port,
    setSource(next) {
      unsubscribe();
      source = next;
      generation += 1;
      unsubscribe = source.onChange(nudge);
      broadcast('reset');
    },
    whenViewed(timeoutMs) {
      if (streams.size > 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        waiting.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
    async close() {
      for (const viewed of waiting.splice(0)) viewed();
      unsubscribe();
      clearInterval(heartbeat);
      clearTimeout(nudgeTimer);
      for (const stream of streams) stream.end();
      streams.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function json(response: ServerResponse, body: unknown): void {
  response
    .writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
    .end(JSON.stringify(body));
}

class BadQueryError extends Error {}

function queryNumber(url: URL, name: string, fallback: number, min: number, max: number): number {
  const text = url.searchParams.get(name);
  if (text === null) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new BadQueryError(
      `query parameter ${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}
