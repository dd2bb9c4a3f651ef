// Serves the process's Prometheus registry at http://HOST:PORT/metrics for long-running commands, beside
// /healthz (the process answers) and /readyz (it has done what makes it useful: a planner's first pass, an
// enactor's start, the authority's listeners). Loopback by default (--metrics-host): metrics describe the
// fleet and need not be public. Node's default process metrics (prom-client) are in the registry.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listening } from '../net/listening.js';
import { collectProcessMetrics, registry } from './metrics.js';

export interface MetricsServer {
  server: Server;
  /** The port listened on (the one picked when 0 was asked for). */
  port: number;
  host: string;
}

/** Not ready until the command says so; one flag per process, as there is one metrics server per process. */
let readiness: { ready: boolean; detail: string } = { ready: false, detail: 'starting' };

export function setReady(ready: boolean, detail: string): void {
  readiness = { ready, detail };
}

export async function serveMetrics(port: number, host = '127.0.0.1'): Promise<MetricsServer> {
  collectProcessMetrics();
  const server = createServer((request, response) => {
    const url = request.url?.split('?')[0];
    if (url === '/healthz') return void response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    if (url === '/readyz')
      return void response
        .writeHead(readiness.ready ? 200 : 503, { 'content-type': 'text/plain' })
        .end(`${readiness.detail}\n`);
    if (url !== '/metrics') return void response.writeHead(404).end('see /metrics, /healthz, /readyz\n');
    // The status line is written only once the text is ready, so a failed collection can still answer 500.
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: Error) => response.writeHead(500).end(error.message),
    );
  });
  await listening(server, (done) => server.listen(port, host, done));
  return { server, port: (server.address() as AddressInfo).port, host };
}
