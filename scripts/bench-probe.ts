// Probe measurements: how fast one probe query is (straight, through unbound, over TCP), how long after an
// endpoint is emptied the probe raises its first bad observation, how long unbound takes to start, and how
// long it takes to say SERVFAIL once the authority is gone.
//   node bin/run-ts.js scripts/bench-probe.ts [--queries 1000] [--trials 10]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { startAuthority } from '../src/authority/index.js';
import { Probe } from '../src/probe/probe.js';
import { queryDns, type DnsServerAddress } from '../src/probe/query.js';
import { fixedTargets } from '../src/probe/targets.js';
import { startUnbound, unboundInstalled } from '../src/probe/unbound.js';
import { createRoute53Client } from '../src/route53/client.js';
import { toSdkRecordSet, type RecordSet } from '../src/route53/recordset.js';
import { createLogger } from '../src/telemetry/logger.js';
import { percentile } from './bench-lib/stats.js';

const { values: args } = parseArgs({
  options: { queries: { type: 'string', default: '1000' }, trials: { type: 'string', default: '10' } },
});
const queries = Number(args.queries);
const trials = Number(args.trials);
const ZONE = 'bench-probe.test.';
const API = `api.${ZONE}`;
const BIG = `big.${ZONE}`;

function describe(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  return `n=${samples.length} mean ${mean.toFixed(2)} ms, p50 ${percentile(sorted, 0.5).toFixed(2)}, p99 ${percentile(sorted, 0.99).toFixed(2)}, max ${sorted.at(-1)!.toFixed(2)} ms`;
}

async function latency(label: string, server: DnsServerAddress, name: string, count: number): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1)
    samples.push((await queryDns({ server, name, type: 'A', timeoutMs: 1000 })).latencyMs);
  console.log(`query latency, ${label}: ${describe(samples)}`);
}

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-bench-probe-'));
const authority = await startAuthority({
  apiPort: 0,
  dnsPort: 0,
  dataDir,
  logger: createLogger('authority', 'silent'),
});
const client = createRoute53Client({
  endpoint: authority.endpoint,
  credentials: authority.credentials,
  maxAttempts: 1,
});
const direct = { host: authority.host, port: authority.dnsPort };
const zone = await client.send(new CreateHostedZoneCommand({ Name: ZONE, CallerReference: `bench-${Date.now()}` }));
const zoneId = zone.HostedZone!.Id!;
const api: RecordSet = { name: API, type: 'A', ttl: 5, setIdentifier: 'lb-a', weight: 1, values: ['192.0.2.10'] };
const owner: RecordSet = { name: API, type: 'TXT', ttl: 5, values: ['"keeps the name"'] };
const big: RecordSet = { name: BIG, type: 'A', ttl: 5, values: Array.from({ length: 120 }, (_, i) => `10.20.0.${i}`) };
const change = (Action: 'CREATE' | 'DELETE', sets: RecordSet[]) =>
  client.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: { Changes: sets.map((set) => ({ Action, ResourceRecordSet: toSdkRecordSet(set) })) },
    }),
  );
await change('CREATE', [api, owner, big]);

const unboundStart = performance.now();
const unbound = unboundInstalled()
  ? await startUnbound({ zones: [ZONE], authority: direct, noCache: true })
  : undefined;
if (unbound) console.log(`unbound start until it answers: ${(performance.now() - unboundStart).toFixed(0)} ms`);
else console.log('unbound not installed: resolver measurements skipped');

try {
  await latency('authority, UDP', direct, API, queries);
  await latency('authority, UDP then TCP (120 values)', direct, BIG, Math.ceil(queries / 5));
  if (unbound) await latency('through unbound (stub-no-cache)', unbound.address, API, queries);

  // Detection: time from the API call that empties the endpoint returning, to the probe's first bad event.
  for (const intervalMs of [50, 1000]) {
    for (const [label, options] of [
      ['authority', { authority: direct }],
      ['unbound', unbound ? { resolver: unbound.address } : undefined],
    ] as const) {
      if (!options) continue;
      const delays: number[] = [];
      const runs = intervalMs === 50 ? trials : Math.max(2, Math.ceil(trials / 3));
      for (let trial = 0; trial < runs; trial += 1) {
        const probe = new Probe({ targets: fixedTargets([API]), intervalMs, timeoutMs: 500, ...options });
        const firstBad = new Promise<number>((resolve) => probe.once('bad', () => resolve(Date.now())));
        probe.start();
        // Empty at a random point within the interval, as an outage would.
        await new Promise((resolve) => setTimeout(resolve, intervalMs + Math.random() * intervalMs));
        await change('DELETE', [api]);
        const emptiedAt = Date.now();
        delays.push((await firstBad) - emptiedAt);
        await probe.stop();
        await change('CREATE', [api]);
      }
      console.log(`detection delay, interval ${intervalMs} ms, ${label}: ${describe(delays)}`);
    }
  }

  if (unbound) {
    await authority.close();
    const started = performance.now();
    const reply = await queryDns({ server: unbound.address, name: API, type: 'A', timeoutMs: 10_000 });
    console.log(
      `authority down: unbound answered ${reply.rcodeName} after ${(performance.now() - started).toFixed(0)} ms`,
    );
  }
} finally {
  client.destroy();
  await unbound?.stop();
  await authority.close().catch(() => undefined);
  await fs.rm(dataDir, { recursive: true, force: true });
}
