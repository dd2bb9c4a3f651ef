// Enactor benchmark against the real authority (in this process, over real HTTP and the real SDK):
//   1. first apply of N endpoints × S weighted sets (fences created), 2. a pass with nothing to do,
//   3. a churn pass (a tenth of the endpoints re-weighted), 4. three enactors racing for one new generation,
//   5. the first apply again through a Route53-like rate limit (authority at R req/s, enactor limited to R req/s).
//   node bin/run-ts.js scripts/bench-enactor.ts [--endpoints 500] [--sets 4] [--rate 10] [--throttled-endpoints 200]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { startAuthority } from '../src/authority/index.js';
import { Enactor } from '../src/enactor/enactor.js';
import { type RunSummary } from '../src/enactor/options.js';
import { FilePlanStore } from '../src/plan/file-store.js';
import type { Plan } from '../src/plan/schema.js';
import { createRoute53Client } from '../src/route53/client.js';
import { ROUTE53_LIMITS } from '../src/route53/change-batch.js';
import { sdkPort } from '../src/route53/port.js';
import { RateLimiter } from '../src/route53/throttle.js';
import { createLogger } from '../src/telemetry/logger.js';

const { values: args } = parseArgs({
  options: {
    endpoints: { type: 'string', default: '500' },
    sets: { type: 'string', default: '4' },
    rate: { type: 'string', default: '10' },
    'throttled-endpoints': { type: 'string', default: '200' },
  },
});
const ZONE = 'bench.enactor.test.';
const silent = createLogger('bench', 'silent');

function plan(generation: number, endpoints: number, sets: number, churn = 0): Plan {
  return {
    generation,
    createdAt: new Date().toISOString(),
    createdBy: 'bench-enactor',
    zone: ZONE,
    endpoints: Array.from({ length: endpoints }, (_, e) => ({
      name: `e${e}.${ZONE}`,
      type: 'A' as const,
      ttl: 60,
      sets: Array.from({ length: sets }, (_, s) => ({
        setIdentifier: `lb-${s}`,
        weight: 1 + s + (e % 10 === 0 && s === 0 ? churn : 0),
        values: [`10.${s}.${(e >> 8) & 255}.${e & 255}`],
      })),
    })),
  };
}

async function setUp(rateLimit?: number) {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-bench-enactor-'));
  const authority = await startAuthority({
    apiPort: 0,
    dnsPort: 0,
    dataDir: join(dir, 'authority'),
    logger: silent,
    ...(rateLimit ? { rateLimit } : {}),
  });
  const client = createRoute53Client({
    endpoint: authority.endpoint,
    credentials: authority.credentials,
    maxAttempts: 1,
  });
  await client.send(new CreateHostedZoneCommand({ Name: ZONE, CallerReference: `bench-${Date.now()}` }));
  const store = new FilePlanStore(join(dir, 'plans'));
  const enactor = (id: string, extra: Partial<ConstructorParameters<typeof Enactor>[0]> = {}) =>
    new Enactor({
      id,
      store,
      client: sdkPort(client),
      zone: ZONE,
      logger: silent,
      guard: { maxChangeShare: 1 },
      ...extra,
    });
  return {
    store,
    enactor,
    async close() {
      client.destroy();
      await authority.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function timed(label: string, pass: () => Promise<RunSummary | RunSummary[]>): Promise<void> {
  const started = performance.now();
  const result = await pass();
  const ms = performance.now() - started;
  const summaries = Array.isArray(result) ? result : [result];
  const sum = (pick: (s: RunSummary) => number) => summaries.reduce((total, s) => total + pick(s), 0);
  console.log(
    `${label.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms  applied ${sum((s) => s.applied.length)}, in sync ${sum((s) => s.inSync.length)}, ` +
      `stood down ${sum((s) => s.stoodDown.length)}, batches ${sum((s) => s.batches)}, failed ${sum((s) => s.failed.length)}`,
  );
}

const endpoints = Number(args.endpoints);
const sets = Number(args.sets);
console.log(
  `enactor benchmark: ${endpoints} endpoints × ${sets} sets (${endpoints * sets} record sets + ${endpoints} fences)`,
);
{
  const rig = await setUp();
  await rig.store.write(plan(1, endpoints, sets));
  await timed('first apply (empty zone, fences created)', () => rig.enactor('e1').runOnce());
  await timed('pass with nothing to do (zone read + diff)', () => rig.enactor('e1').runOnce());
  await rig.store.write(plan(2, endpoints, sets, 50));
  await timed('churn: 10% of endpoints re-weighted', () => rig.enactor('e1').runOnce());
  await rig.store.write(plan(3, endpoints, sets, 100));
  await timed('3 enactors racing for the same generation', () =>
    Promise.all(['a', 'b', 'c'].map((id) => rig.enactor(id).runOnce())),
  );
  await rig.close();
}
{
  const rate = Number(args.rate);
  const count = Number(args['throttled-endpoints']);
  const rig = await setUp(rate);
  await rig.store.write(plan(1, count, sets));
  // Batches hold ~1,000 elements, so this is few requests; to exercise the limit, one endpoint per request.
  const enactor = rig.enactor('throttled', {
    limiter: new RateLimiter(rate),
    limits: { ...ROUTE53_LIMITS, elements: sets + 2 },
  });
  await timed(`${count} endpoints, 1/request, authority+client ${rate} req/s`, () => enactor.runOnce());
  console.log(`  retries after Throttling: ${enactor.caller.retries}`);
  await rig.close();
}
