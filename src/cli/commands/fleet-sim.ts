// `dnsplane fleet-sim`: the load-balancer health simulator as a process, for demos and manual runs of the
// planner. Health is flipped from outside with POST /control/<lbId>/<up|down|hang>.
import type { Command } from 'commander';
import { loadFleet } from '../../plan/fleet.js';
import { FleetSim } from '../../scenario/fleet-sim.js';
import { parsePort } from '../numbers.js';

interface FleetSimOptions {
  fleet?: string;
  lb?: string[];
  port: string;
  down?: string[];
}

export function register(program: Command): void {
  program
    .command('fleet-sim')
    .description(
      "Simulate load balancers' health endpoints on 127.0.0.1: GET /health/<lbId> answers 200 (up), 503 (down) or " +
        'never (hang). Flip one with: curl -X POST http://127.0.0.1:PORT/control/<lbId>/<up|down|hang>. Runs until SIGINT/SIGTERM.',
    )
    .option('--fleet <file>', 'simulate every load balancer id named in this fleet file (this, --lb, or both)')
    .option('--lb <ids...>', "simulate these load balancer ids (added to --fleet's)")
    .option('--port <port>', 'port on 127.0.0.1; 0 picks a free one (printed)', '8089')
    .option('--down <ids...>', 'start these load balancers down (default: all up)')
    .action((options: FleetSimOptions) => runFleetSim(options));
}

async function runFleetSim(options: FleetSimOptions): Promise<void> {
  const port = parsePort(options.port, '--port');
  const ids = new Set(options.lb ?? []);
  if (options.fleet)
    for (const endpoint of (await loadFleet(options.fleet)).endpoints)
      for (const lb of endpoint.loadBalancers) ids.add(lb.id);
  if (ids.size === 0) throw new Error('name the load balancers to simulate with --fleet FILE or --lb ID...');
  const sim = await FleetSim.start(ids, { port });
  for (const id of options.down ?? []) sim.set(id, 'down');
  console.log(`fleet-sim listening on http://127.0.0.1:${sim.port} for ${[...ids].join(', ')}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.close();
}
