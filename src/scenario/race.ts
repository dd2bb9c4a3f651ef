// The October 2025 race, reproduced step by step against the real authority over the real SDK, in either the
// legacy design or the safe one, under the same injected timing:
//
//   1. the planner writes generation 1 and enactor C applies it (the steady state);
//   2. the planner writes generation 2; enactor A picks it up, but its Route53 writes are slow: injected
//      latency, two Throttling answers with backoff, then held at a gate;
//   3. meanwhile the planner writes many newer generations;
//   4. enactor B applies the newest and starts its cleanup, whose deletes wait at a second gate;
//   5. A's write, now stale, is released and lands (legacy) or is rejected by the fence (safe);
//   6. the cleanup goes on and deletes old plans, among them A's;
//   7. the planner writes one more generation and all three enactors try to apply it.
//
// The probe watches the endpoints throughout, straight at the authority and through unbound when installed.
// The order of the steps is fixed by gates and awaits, never by sleeps, so every run takes the same path.
import type { Route53Port } from '../route53/port.js';
import { Enactor } from '../enactor/enactor.js';
import type { Plan } from '../plan/schema.js';
import type { PlanStore } from '../plan/store.js';
import type { Probe } from '../probe/probe.js';
import type { RetryPolicy } from '../route53/caller.js';
import { describeError } from '../route53/errors.js';
import { sleep } from '../route53/throttle.js';
import { listRecordSets } from '../route53/paging.js';
import { createLogger } from '../telemetry/logger.js';
import { faultyPort, Gate, gatedDeletes } from './faults.js';
import { LegacyEnactor, LegacyInconsistentError } from './legacy-enactor.js';
import { REGIONAL_ENDPOINT, startRaceRig, type RaceRig } from './race-rig.js';
import { Timeline } from './timeline.js';
import { convergedTo, endpointStandings } from './zone-state.js';

export type RaceMode = 'legacy' | 'safe';

export interface RaceOptions {
  mode: RaceMode;
  /** Newer generations the planner writes while enactor A is delayed (default 8). */
  generations?: number;
  /** Injected latency per write attempt of enactor A, and the base of its backoff, in ms (default 100). */
  delayMs?: number;
  /** 'auto' also probes through unbound when it is installed (default 'auto'). */
  resolver?: 'auto' | 'none';
  /** Background probe interval (default 50 ms, the probe's minimum); the race also probes after every step. */
  probeIntervalMs?: number;
  /** pino level for the parts' own logs (default 'warn'). */
  logLevel?: string;
  signal?: AbortSignal;
  /** One line per step, for narration, with the milliseconds since the race started. */
  onProgress?: (line: string, atMs: number) => void;
  /** Called once everything is running: the hook for a live dashboard. */
  onLive?: (live: RaceLive) => void;
  /** Leave the environment running after a successful race (returned as `rig`), e.g. to dig at it. */
  keep?: boolean;
}

/** What a dashboard can subscribe to while a race runs. */
export interface RaceLive {
  mode: RaceMode;
  probe: Probe;
  timeline: Timeline;
  /** The three enactors (EventEmitters of 'event'). */
  enactors: Array<Enactor | LegacyEnactor>;
  rig: RaceRig;
  /** Called (synchronously) just before the race closes its environment, so that watchers stop reading it. */
  onClosing(listener: () => void): void;
}

export interface RaceSummary {
  mode: RaceMode;
  endpoint: string;
  resolver: 'unbound' | 'none';
  /** Probe observations of the empty record (NODATA or NXDOMAIN), on any endpoint and path. */
  emptyObservations: number;
  /** Milliseconds after the race started, or null. */
  firstEmptyAt: number | null;
  latestGeneration: number;
  /** The generation the regional endpoint is on at the end (its fence, or the legacy marker). */
  liveGeneration: number;
  /** Every endpoint serves the latest plan's record sets and is marked with its generation. */
  converged: boolean;
  /** The generation the delayed enactor A was applying. */
  staleGeneration: number;
  staleWriteLanded: boolean;
  writesAccepted: number;
  writesRejected: number;
  enactorErrors: number;
  probeObservations: number;
  durationMs: number;
}

export interface RaceResult {
  summary: RaceSummary;
  timeline: Timeline;
  /** With `keep`: the environment, still running (authority, unbound, plan store); the caller closes it. */
  rig?: RaceRig;
}

const SAFE_RETENTION = 2;
/** "Many generations older": the legacy cleanup keeps only the last few. */
const LEGACY_RETENTION = 3;
/** Probe rounds after the last write, one interval apart. */
const END_ROUNDS = 3;

export async function runRace(options: RaceOptions): Promise<RaceResult> {
  const mode = options.mode;
  const delayMs = options.delayMs ?? 100;
  const generations = options.generations ?? 8;
  if (!Number.isInteger(generations) || generations < LEGACY_RETENTION + 2)
    throw new Error(
      `--generations must be an integer of at least ${LEGACY_RETENTION + 2}, so that A's plan is "many generations older", got ${options.generations}`,
    );
  if (!(delayMs >= 0)) throw new Error(`--delay must be a non-negative number of ms, got ${options.delayMs}`);
  const logLevel = options.logLevel ?? 'warn';
  const rig = await startRaceRig({
    resolver: options.resolver ?? 'auto',
    probeIntervalMs: options.probeIntervalMs ?? 50,
    logLevel,
  });
  const timeline = new Timeline();
  let kept = false;
  const say = (line: string) => options.onProgress?.(line, Date.now() - timeline.startedAt);
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(new Error('race interrupted'));
    if (options.signal?.aborted) fail();
    options.signal?.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => undefined);
  const until = <T>(promise: Promise<T>) => Promise.race([promise, aborted]);
  const closingListeners: Array<() => void> = [];
  try {
    timeline.watchProbe(rig.probe);
    watchZone(rig, timeline);
    const narrate = (line: string) => {
      timeline.add({ kind: 'step', actor: 'race', detail: line });
      say(line);
    };
    // Each step is followed at once by a probe round, so its effect on DNS is seen at that point of the story.
    const step = async (line: string) => {
      narrate(line);
      await until(rig.probe.runRound());
    };

    const { a, b, c, aGate, deleteGate } = castEnactors(rig, mode, timeline, delayMs);
    options.onLive?.({
      mode,
      probe: rig.probe,
      timeline,
      enactors: [a, b, c],
      rig,
      onClosing: (listener) => closingListeners.push(listener),
    });
    const resolver = rig.unbound ? 'unbound' : 'none';
    const { authority, fleetSim, unbound } = rig;
    say(
      `started: authority (Route53 API ${authority.endpoint}, DNS ${authority.host}:${authority.dnsPort}), zone ${rig.zoneName}, ` +
        `health targets for ${rig.loadBalancers.length} load balancers on :${fleetSim.port}, the planner, enactors A B C`,
    );
    say(
      unbound
        ? `probe: ${REGIONAL_ENDPOINT} and its neighbour, straight at the authority and through unbound on ${unbound.address.host}:${unbound.address.port}`
        : `probe: ${REGIONAL_ENDPOINT} and its neighbour, straight at the authority only (${rig.resolverNote})`,
    );

    const plan = async () => {
      const written = await until(rig.nextGeneration());
      timeline.add({
        kind: 'plan',
        actor: 'planner',
        generation: written.generation,
        detail: `plan ${written.generation} written`,
      });
      return written;
    };
    await plan();
    await until(runPass(c, timeline));
    rig.probe.start();
    await step('steady state: enactor C applied generation 1');

    const stale = await plan();
    const aPass = runPass(a, timeline);
    const unstaged = () => {
      const why = timeline
        .entries()
        .filter((entry) => entry.actor === 'enactor-a' && entry.kind === 'error')
        .at(-1)?.detail;
      return Promise.reject(
        new Error(`enactor A finished before its write was held; the race cannot be staged${why ? ` (${why})` : ''}`),
      );
    };
    await until(Promise.race([aGate.reached, aPass.then(unstaged)]));
    await step(
      `enactor A picked up generation ${stale.generation}; its writes are delayed (${delayMs} ms latency, 2 x Throttling, then held)`,
    );

    let latest: Plan = stale;
    for (let i = 0; i < generations; i++) latest = await plan();
    await step(`the planner wrote generations ${stale.generation + 1}..${latest.generation} while A was stuck`);

    const bPass = runPass(b, timeline);
    await until(
      Promise.race([
        deleteGate.reached,
        bPass.then(() => Promise.reject(new Error('enactor B finished without reaching its cleanup'))),
      ]),
    );
    await step(`enactor B applied generation ${latest.generation} and started cleanup`);

    aGate.open();
    await until(aPass);
    await step(`A's delayed write of generation ${stale.generation} was released`);

    deleteGate.open();
    await until(bPass);
    await step('the cleanup deleted the old plans');

    const final = await plan();
    for (const enactor of [a, b, c]) await until(runPass(enactor, timeline));
    await step(`the planner wrote generation ${final.generation}; every enactor tried to apply it`);
    // A few more rounds after the last write, so an answer that goes empty late is still caught.
    narrate(`probing the end state for ${END_ROUNDS} intervals`);
    for (let i = 0; i < END_ROUNDS; i++) {
      await until(sleep(rig.probe.intervalMs));
      await until(rig.probe.runRound());
    }
    await rig.probe.stop();

    const summary = await summarize(rig, timeline, mode, resolver, final, stale.generation);
    kept = options.keep === true;
    return { summary, timeline, ...(kept ? { rig } : {}) };
  } finally {
    if (!kept) {
      for (const listener of closingListeners) listener();
      await rig.close();
    }
  }
}

/**
 * The three enactors. A's writes to the regional endpoint are slowed, throttled twice, then held at `aGate`;
 * B cleans up after applying, and its plan deletes wait at `deleteGate`; C is unhindered.
 */
function castEnactors(rig: RaceRig, mode: RaceMode, timeline: Timeline, delayMs: number) {
  const aGate = new Gate('A-write');
  const deleteGate = new Gate('cleanup-delete');
  const aClient = faultyPort(rig.client(), {
    latencyMs: delayMs,
    throttles: 2,
    gate: aGate,
    matches: (input) =>
      (input.ChangeBatch?.Changes ?? []).some((change) => change.ResourceRecordSet?.Name === REGIONAL_ENDPOINT),
    onFault: (fault, detail) => timeline.add({ kind: 'fault', actor: 'enactor-a', detail: `${fault}: ${detail}` }),
  });
  const retry: Partial<RetryPolicy> = { baseMs: Math.max(1, delayMs), capMs: Math.max(4, delayMs * 4), retries: 6 };
  // The enactors' own warnings are the injected throttles, which the timeline already shows.
  const make = (id: string, client: Route53Port, store: PlanStore, cleanup: boolean) =>
    makeEnactor(mode, { id, client, store, zoneId: rig.zoneId, retry, cleanup, logLevel: 'error' }, timeline);
  // Both designs' cleanups delete through this store, so the timeline shows which live set each one passed.
  const cleanupStore = gatedDeletes(rig.store, deleteGate, (generation, live) =>
    timeline.add({
      kind: 'cleanup',
      actor: 'enactor-b',
      generation,
      detail: `deleted plan ${generation}; live set passed to the store: {${[...live].join(', ')}}`,
    }),
  );
  return {
    a: make('enactor-a', aClient, rig.store, false),
    b: make('enactor-b', rig.client(), cleanupStore, true),
    c: make('enactor-c', rig.client(), rig.store, false),
    aGate,
    deleteGate,
  };
}

interface EnactorSpec {
  id: string;
  client: Route53Port;
  store: PlanStore;
  zoneId: string;
  retry: Partial<RetryPolicy>;
  cleanup: boolean;
  logLevel: string;
}

function makeEnactor(mode: RaceMode, spec: EnactorSpec, timeline: Timeline): Enactor | LegacyEnactor {
  const { id, client, store, zoneId, retry } = spec;
  if (mode === 'legacy') {
    const legacy = new LegacyEnactor({
      id,
      client,
      store,
      zoneId,
      retry,
      ...(spec.cleanup ? { cleanupRetention: LEGACY_RETENTION } : {}),
    });
    timeline.watchLegacy(id, legacy);
    return legacy;
  }
  const safe = new Enactor({
    id,
    client,
    store,
    zone: zoneId,
    retry,
    logger: createLogger('enactor', spec.logLevel),
    ...(spec.cleanup ? { cleanupRetention: SAFE_RETENTION } : {}),
  });
  timeline.watchEnactor(id, safe);
  return safe;
}

/** One pass; a failed pass is recorded (the legacy enactors fail for good after the cleanup), never thrown. */
async function runPass(enactor: Enactor | LegacyEnactor, timeline: Timeline): Promise<void> {
  try {
    await enactor.runOnce();
  } catch (error) {
    if (error instanceof LegacyInconsistentError) return; // already on the timeline from the enactor's own event
    timeline.add({ kind: 'error', actor: enactor.id, detail: `pass failed: ${describeError(error)}` });
  }
}

/** Adds a 'zone' entry whenever a commit changes an endpoint's generation or its number of record sets. */
function watchZone(rig: RaceRig, timeline: Timeline): void {
  const last = new Map<string, string>();
  rig.authority.store.onCommit(() => {
    const snapshot = rig.authority.store.snapshots().find((zone) => zone.zone.id === rig.zoneId);
    if (!snapshot) return;
    for (const [endpoint, state] of endpointStandings(snapshot.recordSets)) {
      const signature = `${state.generation}/${state.sets.length}`;
      if (last.get(endpoint) === signature) continue;
      last.set(endpoint, signature);
      timeline.add({ kind: 'zone', actor: 'zone', endpoint, generation: state.generation, sets: state.sets.length });
    }
  });
}

async function summarize(
  rig: RaceRig,
  timeline: Timeline,
  mode: RaceMode,
  resolver: 'unbound' | 'none',
  latest: Plan,
  staleGeneration: number,
): Promise<RaceSummary> {
  const states = endpointStandings(await listRecordSets(rig.client(), rig.zoneId));
  const converged = convergedTo(states, latest);
  const probe = rig.probe.summary();
  const entries = timeline.entries();
  const count = (kind: string) => entries.filter((entry) => entry.kind === kind).length;
  return {
    mode,
    endpoint: REGIONAL_ENDPOINT,
    resolver,
    emptyObservations: probe.emptyObservations,
    firstEmptyAt: probe.firstEmptyAt === undefined ? null : probe.firstEmptyAt - timeline.startedAt,
    latestGeneration: latest.generation,
    liveGeneration: states.get(`${REGIONAL_ENDPOINT} A`)?.generation ?? 0,
    converged,
    staleGeneration,
    staleWriteLanded: entries.some(
      (entry) => entry.kind === 'write' && entry.actor === 'enactor-a' && entry.generation === staleGeneration,
    ),
    writesAccepted: count('write'),
    writesRejected: count('reject'),
    enactorErrors: count('error'),
    probeObservations: probe.observations,
    durationMs: Date.now() - timeline.startedAt,
  };
}
