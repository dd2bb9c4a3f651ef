// A simulated fleet of load balancers, as far as health checks can tell: one real HTTP server on 127.0.0.1
// answering GET /health/<lbId> with 200 (up), 503 (down), or nothing at all (hang, to exercise timeouts).
// Tests, the demo and the race reproduction flip health programmatically; another process can flip it with
// POST /control/<lbId>/<up|down|hang> (e.g. curl -X POST .../control/lb-a/down).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listening } from '../net/listening.js';

export type SimHealth = 'up' | 'down' | 'hang';

export class FleetSim {
  private readonly health = new Map<string, SimHealth>();
  private readonly hitCounts = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Starts the simulator with every named load balancer up. Port 0 picks a free port. */
  static async start(lbIds: Iterable<string> = [], options: { port?: number; host?: string } = {}): Promise<FleetSim> {
    const host = options.host ?? '127.0.0.1';
    let sim: FleetSim | undefined;
    const server = createServer((req, res) => sim?.handle(req, res));
    await listening(server, (done) => server.listen(options.port ?? 0, host, done));
    sim = new FleetSim(server, (server.address() as AddressInfo).port);
    for (const id of lbIds) sim.set(id, 'up');
    return sim;
  }

  url(lbId: string): string {
    return `http://127.0.0.1:${this.port}/health/${encodeURIComponent(lbId)}`;
  }

  set(lbId: string, health: SimHealth): void {
    this.health.set(lbId, health);
  }

  get(lbId: string): SimHealth | undefined {
    return this.health.get(lbId);
  }

  /** How many health checks this load balancer has received. */
  hits(lbId: string): number {
    return this.hitCounts.get(lbId) ?? 0;
  }

  async close(): Promise<void> {
    // Hanging requests would keep close() waiting forever.
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const control = /^\/control\/([^/?]+)\/(up|down|hang)$/.exec(req.url ?? '');
    if (control && req.method === 'POST') {
      const id = decodeURIComponent(control[1]);
      // A typo ("web2") would otherwise be acknowledged and flip nothing the planner checks.
      if (!this.health.has(id)) {
        res
          .writeHead(404, { 'content-type': 'text/plain' })
          .end(`unknown load balancer ${id}; simulated: ${[...this.health.keys()].join(', ')}\n`);
        return;
      }
      this.set(id, control[2] as SimHealth);
      res.writeHead(204).end();
      return;
    }
    const match = /^\/health\/([^/?]+)/.exec(req.url ?? '');
    if (!match) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const id = decodeURIComponent(match[1]);
    this.hitCounts.set(id, this.hits(id) + 1);
    const health = this.health.get(id);
    if (health === 'hang') return; // never answer; the checker's timeout must fire
    if (health === 'up') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    else res.writeHead(health === 'down' ? 503 : 404, { 'content-type': 'text/plain' }).end(`${health ?? 'unknown'}\n`);
  }
}
