// The fault suite: a small fenced deployment as real processes (the authority, three enactors, one of them in
// its own network namespace behind a delayed link, unbound in front of the authority), a planner publishing a
// new generation every two seconds, and a seeded schedule of faults: kill -9 and restart of the authority, of
// each enactor and of unbound, the authority restarted with a low --rate-limit (Throttling), the planner paused. A
// recorder keeps the history (the authority's answers, the fence, acknowledged batches, recovery times) for
// checkHistory. The runner restarts what it killed, and any enactor that exits on its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import dgram from 'node:dgram';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { collectStatus } from '../../enactor/status.js';
import { listening } from '../../net/listening.js';
import { FilePlanStore } from '../../plan/file-store.js';
import type { Plan } from '../../plan/schema.js';
import { queryDns } from '../../probe/query.js';
import { startUnbound, unboundInstalled, type UnboundResolver } from '../../probe/unbound.js';
import { createRoute53Client } from '../../route53/client.js';
import { sdkPort } from '../../route53/port.js';
import { answered, waitForAnswer } from '../recovery.js';
import type { FaultRecord, History } from './history.js';
import { createDelayedLink, type DelayedLink } from './netns.js';

const BIN = fileURLToPath(new URL('../../../bin/dnsplane.js', import.meta.url));
export const CHAOS_ZONE = 'chaos.test.';
const NAME = `api.${CHAOS_ZONE}`;
const ENACTORS = ['e1', 'e2', 'e3-delayed'] as const;

export interface ChaosOptions {
  durationMs: number;
  seed: number;
  /** Extra latency each way on the delayed enactor's link (default 150 ms). */
  delayMs?: number;
  /** 0-255, keeps concurrent runs' namespaces apart (default: from the pid). */
  netIndex?: number;
  onLine?: (line: string) => void;
  /** Ends the schedule early (Ctrl-C): the run still stops its processes and removes its namespace. */
  signal?: AbortSignal;
}

/** mulberry32: a small seeded generator, so that a seed names one schedule. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Generation g's two weighted sets have values no other generation has, so an answer names its generation. */
function valuesOf(generation: number): [string, string] {
  const base = `10.${(generation >> 8) & 255}.${generation & 255}`;
  return [`${base}.1`, `${base}.2`];
}
function generationOf(values: readonly string[]): number | undefined {
  const match = /^10\.(\d+)\.(\d+)\.[12]$/.exec(values[0] ?? '');
  return match ? (Number(match[1]) << 8) | Number(match[2]) : undefined;
}

async function freePort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await listening(socket, (done) => socket.bind(0, '127.0.0.1', done));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

interface Component {
  name: string;
  argv: () => string[];
  child?: ChildProcess;
  /** Set while the schedule holds it down: the runner does not restart it then. */
  held: boolean;
}

export async function runChaos(options: ChaosOptions): Promise<History> {
  const say = options.onLine ?? (() => undefined);
  const rand = random(options.seed);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-chaos-'));
  const apiPort = await freePort();
  const dnsPort = await freePort();
  const endpoint = `http://127.0.0.1:${apiPort}`;
  const plansDir = path.join(dir, 'plans');
  const audit = path.join(dir, 'audit.jsonl');
  const logs = path.join(dir, 'logs');
  await fs.mkdir(logs, { recursive: true });
  const history: History = {
    seed: options.seed,
    design: 'safe',
    answers: [],
    acks: [],
    fences: [],
    faults: [],
    final: { latestPlanned: 0, liveGeneration: null, matchesLatest: false },
  };
  let rateLimit: number | undefined;
  let stopping = false;
  let link: DelayedLink | undefined;
  let unbound: UnboundResolver | undefined;
  const components = new Map<string, Component>();

  const startComponent = async (component: Component, ready?: RegExp): Promise<void> => {
    const [command, ...args] = component.argv();
    const log = await fs.open(path.join(logs, `${component.name}.log`), 'a');
    const child = spawn(command!, args, {
      stdio: ['ignore', log.fd, log.fd],
      env: { ...process.env, DNSPLANE_LOG_LEVEL: 'info', DNSPLANE_CONFIG: '' },
    });
    await log.close();
    component.child = child;
    child.once('exit', () => {
      if (component.child !== child || stopping || component.held) return;
      // Died on its own (an enactor whose start-up check met a dead authority): start it again shortly.
      setTimeout(() => void (!stopping && !component.held && startComponent(component)), 1000);
    });
    if (ready) await waitForLog(path.join(logs, `${component.name}.log`), ready, 30_000);
  };
  const kill = async (component: Component): Promise<void> => {
    component.held = true;
    const child = component.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
  };

  const authority: Component = {
    name: 'authority',
    held: false,
    argv: () => [
      process.execPath,
      BIN,
      'authority',
      '--api-port',
      String(apiPort),
      '--dns-port',
      String(dnsPort),
      '--data',
      path.join(dir, 'authority'),
      ...(rateLimit ? ['--rate-limit', String(rateLimit)] : []),
    ],
  };
  components.set('authority', authority);
  const planStore = new FilePlanStore(plansDir);
  let generation = 0;
  let plannerPaused = false;
  const publish = async () => {
    generation += 1;
    const [a, b] = valuesOf(generation);
    const plan: Plan = {
      generation,
      createdAt: new Date().toISOString(),
      createdBy: 'chaos',
      zone: CHAOS_ZONE,
      endpoints: [
        {
          name: NAME,
          type: 'A',
          ttl: 5,
          sets: [
            { setIdentifier: 'a', weight: 1, values: [a] },
            { setIdentifier: 'b', weight: 1, values: [b] },
          ],
        },
      ],
    };
    await planStore.write(plan);
  };

  const sdk = createRoute53Client({ endpoint, maxAttempts: 1, requestTimeoutMs: 3000 });
  const client = sdkPort(sdk);
  const loops: Array<Promise<void>> = [];
  try {
    await startComponent(authority, /dnsplane authority ready/);
    const zoneId = (
      await sdk.send(new CreateHostedZoneCommand({ Name: CHAOS_ZONE, CallerReference: `chaos-${Date.now()}` }))
    ).HostedZone!.Id!.replace('/hostedzone/', '');
    await publish();
    if (unboundInstalled())
      unbound = await startUnbound({
        zones: [CHAOS_ZONE],
        authority: { host: '127.0.0.1', port: dnsPort },
        noCache: true,
        workDir: path.join(dir, 'unbound'),
      });
    link = await createDelayedLink({
      index: options.netIndex ?? process.pid % 250,
      apiPort,
      delayMs: options.delayMs ?? 150,
    });
    say(
      `delayed enactor e3-delayed in network namespace ${link.namespace}, ${options.delayMs ?? 150} ms each way by ${link.delayBy}`,
    );
    for (const id of ENACTORS) {
      const viaLink = id === 'e3-delayed';
      const argv = [
        process.execPath,
        BIN,
        'enact',
        '--id',
        id,
        '--plans',
        `file:${plansDir}`,
        '--zone',
        CHAOS_ZONE,
        '--endpoint',
        viaLink ? link.endpoint : endpoint,
        '--audit',
        audit,
        '--interval',
        '300ms',
        '--cleanup',
        '--rate-limit',
        '20',
      ];
      const component: Component = { name: id, held: false, argv: () => (viaLink ? link!.exec(argv) : argv) };
      components.set(id, component);
      await startComponent(component);
    }

    // The recorder: the authority's own answer every 100 ms; the fence once a second.
    loops.push(
      (async () => {
        while (!stopping) {
          const at = Date.now();
          try {
            const reply = await queryDns({
              server: { host: '127.0.0.1', port: dnsPort },
              name: NAME,
              type: 'A',
              timeoutMs: 500,
              recursionDesired: false,
            });
            const result =
              reply.rcodeName === 'NOERROR' && reply.values.length === 0
                ? 'empty'
                : reply.rcodeName === 'NXDOMAIN'
                  ? 'empty'
                  : answered(reply)
                    ? 'answered'
                    : 'no-answer';
            const gen = result === 'answered' ? generationOf(reply.values) : undefined;
            history.answers.push({ at, result, ...(gen !== undefined ? { generation: gen } : {}) });
          } catch {
            history.answers.push({ at, result: 'no-answer' });
          }
          await sleep(100);
        }
      })(),
      (async () => {
        while (!stopping) {
          const status = await collectStatus({ store: planStore, client, zoneId }).catch(() => undefined);
          const live = status?.find((row) => row.endpoint === `${NAME} A`)?.liveGeneration;
          if (live !== null && live !== undefined) history.fences.push({ at: Date.now(), generation: live });
          await sleep(1000);
        }
      })(),
      (async () => {
        while (!stopping) {
          await sleep(2000);
          if (!plannerPaused && !stopping) await publish().catch(() => undefined);
        }
      })(),
    );

    // The schedule: the authority first (so every run restarts it at least once), then seeded choices.
    const started = Date.now();
    const faults = [
      'kill authority',
      'throttle authority',
      'kill e1',
      'kill e2',
      'kill e3-delayed',
      'pause planner',
      ...(unbound ? ['kill unbound'] : []),
    ];
    const over = () => Date.now() - started >= options.durationMs || options.signal?.aborted === true;
    for (let n = 0; !over(); n += 1) {
      const fault = n === 0 ? 'kill authority' : faults[Math.floor(rand() * faults.length)]!;
      await sleep(n === 0 ? 3000 : 4000 + rand() * 6000, undefined, { signal: options.signal }).catch(() => undefined);
      if (over()) break;
      const record: FaultRecord = { at: Date.now(), fault };
      say(`${new Date().toISOString().slice(11, 19)} ${fault}`);
      if (fault === 'kill authority' || fault === 'throttle authority') {
        await kill(authority);
        await sleep(fault === 'kill authority' ? 1000 + rand() * 3000 : 200);
        rateLimit = fault === 'throttle authority' ? 3 : undefined;
        Object.assign(record, await restartAuthority(authority, startComponent, dnsPort, unbound, options.signal));
        if (rateLimit) {
          await sleep(8000);
          await kill(authority);
          rateLimit = undefined;
          await restartAuthority(authority, startComponent, dnsPort, unbound, options.signal);
          say('  throttling over');
        }
      } else if (fault === 'kill unbound' && unbound) {
        process.kill(unbound.pid, 'SIGKILL');
        await unbound.stop();
        await sleep(500 + rand() * 2500);
        const restarted = performance.now();
        unbound = await startUnbound({
          zones: [CHAOS_ZONE],
          authority: { host: '127.0.0.1', port: dnsPort },
          noCache: true,
          port: unbound.address.port,
          workDir: unbound.workDir,
        });
        // The authority never went away: the resolver's recovery is measured from its own restart.
        record.authorityRecoveryMs = 0;
        record.resolverRecoveryMs =
          performance.now() -
          restarted +
          (
            await waitForAnswer({
              server: unbound.address,
              name: NAME,
              timeoutMs: 60_000,
              pollMs: 20,
              ...(options.signal ? { signal: options.signal } : {}),
            })
          ).ms;
      } else if (fault === 'pause planner') {
        plannerPaused = true;
        await sleep(5000);
        plannerPaused = false;
      } else {
        const enactor = components.get(fault.slice('kill '.length))!;
        await kill(enactor);
        await sleep(500 + rand() * 2500);
        enactor.held = false;
        await startComponent(enactor);
      }
      history.faults.push(record);
    }

    // Quiet: no more faults or plans; everything must converge on the latest plan.
    plannerPaused = true;
    const latest = generation;
    const deadline = Date.now() + 90_000;
    for (;;) {
      const status = await collectStatus({ store: planStore, client, zoneId }).catch(() => undefined);
      const row = status?.find((entry) => entry.endpoint === `${NAME} A`);
      history.final = {
        latestPlanned: latest,
        liveGeneration: row?.liveGeneration ?? null,
        matchesLatest: row?.liveMatchesLatest === true,
      };
      if (
        (history.final.liveGeneration === latest && history.final.matchesLatest) ||
        Date.now() > deadline ||
        options.signal?.aborted
      )
        break;
      await sleep(500);
    }
  } finally {
    stopping = true;
    await Promise.allSettled(loops);
    for (const component of components.values()) await kill(component);
    sdk.destroy();
    await unbound?.stop();
    if (link) history.delayedLink = link.traffic();
    await link?.close();
  }
  history.acks = await readAcks(audit);
  await fs.rm(dir, { recursive: true, force: true });
  return history;
}

async function restartAuthority(
  authority: Component,
  start: (c: Component, ready?: RegExp) => Promise<void>,
  dnsPort: number,
  unbound: UnboundResolver | undefined,
  signal: AbortSignal | undefined,
): Promise<Partial<FaultRecord>> {
  authority.held = false;
  const starting = start(authority);
  const [direct, viaResolver] = await Promise.all([
    waitForAnswer({
      server: { host: '127.0.0.1', port: dnsPort },
      name: NAME,
      timeoutMs: 60_000,
      pollMs: 20,
      ...(signal ? { signal } : {}),
    }),
    unbound
      ? waitForAnswer({
          server: unbound.address,
          name: NAME,
          timeoutMs: 60_000,
          pollMs: 20,
          ...(signal ? { signal } : {}),
        })
      : Promise.resolve(undefined),
    starting,
  ]);
  return { authorityRecoveryMs: direct.ms, ...(viaResolver ? { resolverRecoveryMs: viaResolver.ms } : {}) };
}

async function waitForLog(file: string, ready: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (ready.test(await fs.readFile(file, 'utf8').catch(() => ''))) return;
    await sleep(50);
  }
  throw new Error(`${file} did not say ${ready} within ${timeoutMs} ms`);
}

async function readAcks(audit: string): Promise<History['acks']> {
  const text = await fs.readFile(audit, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { time: string; enactor: string; generation: number; outcome: string })
    .filter((entry) => entry.outcome === 'accepted')
    .map((entry) => ({ at: Date.parse(entry.time), enactor: entry.enactor, generation: entry.generation }));
}
