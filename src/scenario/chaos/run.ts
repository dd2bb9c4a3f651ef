// The fault suite: a small fenced deployment as real processes (the authority, the planner, three enactors, one
// of them in its own network namespace behind a delayed and lossy link, unbound in front of the authority, the
// probe watching both), a fleet whose addresses change every two seconds, and a seeded schedule of faults:
// kill -9 and restart of every component, the authority restarted with a low --rate-limit (Throttling), the
// planner stopped (SIGSTOP) for a while. The recorder (recorder.ts) keeps the history for checkHistory; after
// every restart the runner times how long until clients of the resolver get current answers again.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { freeLoopbackPort } from '../../net/free-port.js';
import { FilePlanStore } from '../../plan/file-store.js';
import { readProbeStatus } from '../../probe/status-file.js';
import { startUnbound, unboundInstalled, type UnboundResolver } from '../../probe/unbound.js';
import { createRoute53Client } from '../../route53/client.js';
import { sdkPort } from '../../route53/port.js';
import { waitForAnswer } from '../recovery.js';
import { CHAOS_NAME, CHAOS_ZONE, createChaosFleet, revisionOf } from './fleet.js';
import type { ComponentKind, FaultRecord, History } from './history.js';
import { createDelayedLink, type DelayedLink } from './netns.js';
import { Processes } from './processes.js';
import { convergence, startRecorder } from './recorder.js';

const BIN = fileURLToPath(new URL('../../../bin/dnsplane.js', import.meta.url));
const ENACTORS = ['e1', 'e2', 'e3-delayed'] as const;

export interface ChaosOptions {
  durationMs: number;
  seed: number;
  /** Extra latency each way on the delayed enactor's link (default 150 ms). */
  delayMs?: number;
  /** Share of the delayed link's packets dropped, each direction, in percent (default 5; needs nftables). */
  dropPercent?: number;
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

/** The schedule's faults in seeded rounds: each round is every fault once, shuffled, so every kind comes up. */
function schedule(faults: readonly string[], rand: () => number): () => string {
  let round: string[] = [];
  return () => {
    if (round.length === 0) {
      round = [...faults];
      for (let i = round.length - 1; i > 0; i -= 1) {
        const j = Math.floor(rand() * (i + 1));
        [round[i], round[j]] = [round[j], round[i]];
      }
    }
    return round.pop()!;
  };
}

const dnsplane = (...args: string[]) => [process.execPath, BIN, ...args];

export async function runChaos(options: ChaosOptions): Promise<History> {
  const say = options.onLine ?? (() => undefined);
  const rand = random(options.seed);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-chaos-'));
  const apiPort = await freeLoopbackPort();
  const dnsPort = await freeLoopbackPort();
  const endpoint = `http://127.0.0.1:${apiPort}`;
  const plansDir = path.join(dir, 'plans');
  const audit = path.join(dir, 'audit.jsonl');
  const statusFile = path.join(dir, 'probe-status.json');
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
  const processes = new Processes(logs);
  const fleet = await createChaosFleet(dir);
  const planStore = new FilePlanStore(plansDir);
  const sdk = createRoute53Client({ endpoint, maxAttempts: 1, requestTimeoutMs: 3000 });
  const client = sdkPort(sdk);
  let rateLimit: number | undefined;
  let link: DelayedLink | undefined;
  let unbound: UnboundResolver | undefined;
  let recorder: ReturnType<typeof startRecorder> | undefined;
  let fleetMoving = true;
  const signal = options.signal ? { signal: options.signal } : {};
  const target = ['--plans', `file:${plansDir}`, '--zone', CHAOS_ZONE];

  /** ms until a client of the resolver is answered with revision `revision` or newer. */
  const currentAgain = async (revision: number): Promise<number> =>
    (
      await waitForAnswer({
        server: unbound!.address,
        name: CHAOS_NAME,
        accept: (reply) => (revisionOf(reply.values) ?? 0) >= revision,
        timeoutMs: 60_000,
        pollMs: 20,
        ...signal,
      })
    ).ms;
  /** ms from `since` until the probe's status file, written after `since`, says ok (NaN: not within 60 s). */
  const probeOkAgain = async (since: number): Promise<number> => {
    const sinceWall = Date.now() - (performance.now() - since);
    const deadline = since + 60_000;
    while (!options.signal?.aborted && performance.now() < deadline) {
      const status = await readProbeStatus(statusFile).catch(() => undefined);
      if (status && Date.parse(status.updatedAt) > sinceWall && status.diagnosis?.diagnosis === 'ok')
        return performance.now() - since;
      await sleep(50);
    }
    return NaN;
  };

  try {
    const authority = processes.add({
      name: 'authority',
      ready: /dnsplane authority ready/,
      argv: () =>
        dnsplane(
          'authority',
          '--api-port',
          String(apiPort),
          '--dns-port',
          String(dnsPort),
          '--data',
          path.join(dir, 'authority'),
          ...(rateLimit ? ['--rate-limit', String(rateLimit)] : []),
        ),
    });
    await processes.start(authority);
    const zoneId = (
      await sdk.send(new CreateHostedZoneCommand({ Name: CHAOS_ZONE, CallerReference: `chaos-${Date.now()}` }))
    ).HostedZone!.Id!.replace('/hostedzone/', '');
    const planner = processes.add({
      name: 'planner',
      ready: /planner ready/,
      argv: () =>
        dnsplane(
          'planner',
          '--fleet',
          fleet.file,
          ...target,
          '--endpoint-url',
          endpoint,
          '--id',
          'planner',
          '--interval',
          '500ms',
        ),
    });
    await processes.start(planner);
    if (unboundInstalled())
      unbound = await startUnbound({
        zones: [CHAOS_ZONE],
        authority: { host: '127.0.0.1', port: dnsPort },
        noCache: true,
        workDir: path.join(dir, 'unbound'),
      });
    const dropPercent = options.dropPercent ?? 5;
    const delayMs = options.delayMs ?? 150;
    link = await createDelayedLink({ index: options.netIndex ?? process.pid % 250, apiPort, delayMs, dropPercent });
    say(
      `delayed enactor e3-delayed in network namespace ${link.namespace}, ${delayMs} ms each way by ${link.delayBy}, ${dropPercent}% of packets dropped each way by nftables`,
    );
    for (const id of ENACTORS) {
      const viaLink = id === 'e3-delayed';
      const argv = dnsplane(
        'enact',
        '--id',
        id,
        ...target,
        '--endpoint-url',
        viaLink ? link.endpoint : endpoint,
        '--audit',
        audit,
        '--interval',
        '300ms',
        '--cleanup',
        '--rate-limit',
        '20',
      );
      const enactor = processes.add({ name: id, argv: () => (viaLink ? link!.exec(argv) : argv) });
      await processes.start(enactor);
    }

    // The probe starts once the endpoint exists, so its record is about faults, not about the first apply.
    if (unbound) {
      await waitForAnswer({
        server: { host: '127.0.0.1', port: dnsPort },
        name: CHAOS_NAME,
        timeoutMs: 60_000,
        ...signal,
      });
      const resolver = `${unbound.address.host}:${unbound.address.port}`;
      await processes.start(
        processes.add({
          name: 'probe',
          ready: /TIME\s+ENDPOINT/,
          argv: () =>
            dnsplane(
              'probe',
              '--plans',
              `file:${plansDir}`,
              '--authority',
              `127.0.0.1:${dnsPort}`,
              '--resolver',
              resolver,
              '--status-file',
              statusFile,
              '--interval',
              '500ms',
            ),
        }),
      );
    }

    recorder = startRecorder({ history, dnsPort, client, zoneId, planStore, statusFile });
    const mover = (async () => {
      while (!recorder.stopped()) {
        await sleep(2000);
        if (fleetMoving && !recorder.stopped()) await fleet.advance().catch(() => undefined);
      }
    })();
    recorder.loops.push(mover);

    const faults = [
      'kill authority',
      'throttle authority',
      ...ENACTORS.map((id) => `kill ${id}`),
      'kill planner',
      'stop planner',
      ...(unbound ? ['kill unbound', 'kill probe'] : []),
    ];
    const next = schedule(faults, rand);
    const started = Date.now();
    const over = () => Date.now() - started >= options.durationMs || options.signal?.aborted === true;
    for (let n = 0; !over(); n += 1) {
      // The authority first, so that every run restarts it at least once.
      const fault = n === 0 ? 'kill authority' : next();
      await sleep(n === 0 ? 3000 : 4000 + rand() * 6000, undefined, signal).catch(() => undefined);
      if (over()) break;
      const record: FaultRecord = { at: Date.now(), fault };
      say(`${new Date().toISOString().slice(11, 19)} ${fault}`);
      if (fault === 'kill authority' || fault === 'throttle authority') {
        await processes.kill(authority);
        await sleep(fault === 'kill authority' ? 1000 + rand() * 3000 : 200);
        rateLimit = fault === 'throttle authority' ? 3 : undefined;
        Object.assign(record, await restartAuthority(fault === 'kill authority'));
        if (rateLimit) {
          await sleep(8000);
          await processes.kill(authority);
          rateLimit = undefined;
          await restartAuthority(false);
          say('  throttling over');
        }
      } else if (fault === 'stop planner') {
        await processes.freeze(planner, 5000);
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
        const back = performance.now();
        const revision = fleet.revision();
        record.kind = 'unbound';
        record.authorityRecoveryMs = 0;
        record.currentMs = await currentAgain(revision);
        record.resolverRecoveryMs = back - restarted + record.currentMs;
      } else {
        const component = processes.get(fault.slice('kill '.length));
        await processes.kill(component);
        await sleep(500 + rand() * 2500);
        const back = await processes.start(component);
        const kind: ComponentKind =
          component.name === 'planner' || component.name === 'probe' ? component.name : 'enactor';
        record.kind = kind;
        const revision = fleet.revision();
        if (unbound) {
          const [currentMs, probeOkMs] = await Promise.all([
            currentAgain(revision),
            kind === 'probe' ? probeOkAgain(back) : Promise.resolve(undefined),
          ]);
          record.currentMs = currentMs;
          if (probeOkMs !== undefined && !Number.isNaN(probeOkMs)) record.probeOkMs = probeOkMs;
        }
      }
      history.faults.push(record);
    }

    // Quiet: no more faults or fleet changes; the planner must plan the last revision and every enactor
    // converge on it.
    fleetMoving = false;
    await convergence({
      history,
      planStore,
      client,
      zoneId,
      fleetRevision: fleet.revision(),
      timeoutMs: 90_000,
      signal: options.signal,
    });
  } finally {
    await recorder?.stop();
    await processes.stopAll();
    sdk.destroy();
    await unbound?.stop();
    if (link) history.delayedLink = await link.traffic().catch(() => undefined);
    await link?.close();
    await fleet.close();
  }
  history.acks = await readAcks(audit);
  await fs.rm(dir, { recursive: true, force: true });
  return history;

  /** Starts the authority again; times it answering directly, the resolver answering, and current content. */
  async function restartAuthority(measureCurrent: boolean): Promise<Partial<FaultRecord>> {
    const starting = processes.start(processes.get('authority'));
    const direct = waitForAnswer({
      server: { host: '127.0.0.1', port: dnsPort },
      name: CHAOS_NAME,
      timeoutMs: 60_000,
      pollMs: 20,
      ...signal,
    });
    const [authorityAnswer, viaResolver] = await Promise.all([
      direct,
      unbound
        ? waitForAnswer({ server: unbound.address, name: CHAOS_NAME, timeoutMs: 60_000, pollMs: 20, ...signal })
        : Promise.resolve(undefined),
      starting,
    ]);
    const record: Partial<FaultRecord> = {
      authorityRecoveryMs: authorityAnswer.ms,
      ...(viaResolver ? { resolverRecoveryMs: viaResolver.ms } : {}),
    };
    if (measureCurrent && unbound) {
      // Back = answering directly; current = the fleet's revision of that moment, through the resolver.
      const backAgo = viaResolver ? Math.max(0, viaResolver.ms - authorityAnswer.ms) : 0;
      record.kind = 'authority';
      record.currentMs = backAgo + (await currentAgain(fleet.revision()));
    }
    return record;
  }
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
