// dnsplane embedded: a local Route53 (the authority) in this process, a planner, and two fenced enactors racing
// to apply its plan, then the probe asking DNS. Run it with `node bin/run-ts.js examples/embed.ts`; in your own
// project, import from 'dnsplane' instead of '../src/index.js'.
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as dnsplane from '../src/index.js';

export async function embed() {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-embed-'));
  const logger = dnsplane.createLogger('embed', 'silent');
  const authority = await dnsplane.startAuthority({ apiPort: 0, dnsPort: 0, dataDir: join(dir, 'zone'), logger });
  // One SDK client each for the planner and the two enactors; maxAttempts 1: enactors retry on their own budget.
  const target = { endpoint: authority.endpoint, credentials: authority.credentials, maxAttempts: 1 };
  const [plannerClient, ...enactorClients] = [1, 2, 3].map(() => dnsplane.createRoute53Client(target));
  const zone = await dnsplane.ensureHostedZone(plannerClient, 'example.test.');
  // Two load balancers whose health checks always pass.
  const health = createServer((_request, response) => response.end('ok')).listen(0, '127.0.0.1');
  await new Promise((ready) => health.once('listening', ready));
  const healthUrl = `http://127.0.0.1:${(health.address() as { port: number }).port}/health`;
  const lb = (id: string, address: string) => ({ id, addresses: [address], capacity: 100, healthCheckUrl: healthUrl });
  const fleet = dnsplane.parseFleet({
    zone: 'example.test.',
    endpoints: [
      { name: 'api.example.test.', type: 'A', loadBalancers: [lb('lb-a', '192.0.2.1'), lb('lb-b', '192.0.2.2')] },
    ],
  });

  const store = new dnsplane.FilePlanStore(join(dir, 'plans'));
  const planner = new dnsplane.Planner({
    fleet,
    store,
    logger,
    highestLiveFence: () => dnsplane.highestLiveFence(dnsplane.sdkPort(plannerClient), zone.id),
  });
  const { plan } = await planner.pass({ write: true });
  const enactors = enactorClients.map(
    (sdk, i) =>
      new dnsplane.Enactor({ id: `enactor-${i}`, store, client: dnsplane.sdkPort(sdk), zone: zone.id, logger }),
  );
  const summaries = await Promise.all(enactors.map((enactor) => enactor.runOnce()));

  const probe = new dnsplane.Probe({
    targets: dnsplane.latestPlanTargets(store),
    authority: { host: authority.host, port: authority.dnsPort },
  });
  const { observations } = await probe.runRound();

  const close = async () => {
    [plannerClient, ...enactorClients].forEach((sdk) => sdk.destroy());
    await new Promise((closed) => health.close(closed));
    await authority.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { authority, zoneId: zone.id, plan, summaries, observations, close };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const run = await embed();
  for (const [i, pass] of run.summaries.entries())
    console.log(
      `enactor-${i}: generation ${pass.generation}, applied [${pass.applied.join(', ')}], ${pass.batches} batches`,
    );
  for (const seen of run.observations)
    console.log(`${seen.endpoint} over DNS: ${seen.result} ${seen.values.join(' ')}`);
  await run.close();
}
