// Serves the process's Prometheus registry at http://127.0.0.1:PORT/metrics for long-running commands.
// Loopback only by default: metrics describe the fleet and need not be public.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listening } from '../net/listening.js';
import { collectProcessMetrics, registry } from './metrics.js';

export interface MetricsServer {
  server: Server;
  /** The port listened on (the one picked when 0 was asked for). */
  port: number;
}

export async function serveMetrics(port: number, host = '127.0.0.1'): Promise<MetricsServer> {
  collectProcessMetrics();
  const server = createServer(async (request, response) => {
    if (request.url !== '/metrics') return void response.writeHead(404).end('see /metrics\n');
    try {
      response.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
    } catch (error) {
      response.writeHead(500).end((error as Error).message);
    }
  });
  await listening(server, (done) => server.listen(port, host, done));
  return { server, port: (server.address() as AddressInfo).port };
}
