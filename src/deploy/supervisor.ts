// The supervisor of a `dnsplane up` deployment: one more detached process that watches every component
// `up` recorded and starts a dead one again, the way `up` started it (same argv, ports fixed to the ones it
// first got, its log kept as NAME.log.prev), with exponential backoff so a component that cannot start does
// not spin. After the authority comes back it flushes unbound's memory of the outage over unbound-control's
// unix socket, so clients are answered at once. `dnsplane down` stops the supervisor before anything else.
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { flushUnbound } from '../probe/unbound.js';
import type { Logger } from '../telemetry/logger.js';
import {
  processState,
  readManifest,
  runPaths,
  startProcess,
  stopProcess,
  writeManifest,
  type ManagedProcess,
  type Manifest,
} from './processes.js';

export const SUPERVISOR_READY = 'dnsplane supervisor watching';

export interface SuperviseOptions {
  runDir: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  signal: AbortSignal;
  /** How often every component is checked; default 250 ms. */
  pollMs?: number;
  /** How long a restarted component may take to log that it is ready; default 30 s. */
  readyTimeoutMs?: number;
}

/** First retry after 500 ms, doubling per failed restart up to 30 s; a component up for a minute starts over. */
export function restartDelayMs(failures: number): number {
  return Math.min(30_000, 500 * 2 ** failures);
}
const STABLE_MS = 60_000;

interface Backoff {
  failures: number;
  startedAt: number;
}

export async function supervise(options: SuperviseOptions): Promise<void> {
  const { runDir, logger, signal } = options;
  const manifest = await readManifest(runDir);
  if (!manifest) throw new Error(`no deployment in ${runDir} (no ${runPaths(runDir).manifest})`);
  const backoff = new Map<string, Backoff>();
  const restarting = new Set<string>();
  // Restarts write the manifest one at a time, so `down` always finds every pid.
  let saving = Promise.resolve();
  const save = (): Promise<void> =>
    (saving = saving
      .then(() => writeManifest(runDir, manifest))
      .catch((error: Error) => logger.error({ err: error }, 'cannot write the run manifest')));

  const restart = async (component: ManagedProcess): Promise<void> => {
    const spec = component.restart!;
    const state = backoff.get(component.name) ?? { failures: 0, startedAt: 0 };
    if (Date.now() - state.startedAt > STABLE_MS) state.failures = 0;
    const delayMs = restartDelayMs(state.failures);
    logger.warn(
      { component: component.name, pid: component.pid, restartInMs: delayMs, failures: state.failures },
      'component died; restarting',
    );
    await sleep(delayMs, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) return;
    state.startedAt = Date.now();
    backoff.set(component.name, state);
    await rename(component.log, `${component.log}.prev`).catch(() => undefined);
    try {
      await startProcess(
        {
          name: component.name,
          command: spec.argv[0],
          args: spec.argv.slice(1),
          cwd: spec.cwd,
          env: options.env,
          ready: new RegExp(spec.ready, 'm'),
          timeoutMs: options.readyTimeoutMs ?? 30_000,
          tolerateErrors: true,
          signal,
        },
        path.dirname(component.log),
        async (started) => {
          component.pid = started.pid;
          component.argv = started.argv;
          await save();
        },
      );
      logger.info(
        { component: component.name, pid: component.pid, afterMs: Date.now() - state.startedAt },
        'component restarted',
      );
      if (component.name === 'authority') await flushResolver(manifest, logger);
    } catch (error) {
      state.failures += 1;
      logger.error({ component: component.name, err: error }, 'restart failed; will retry');
      // One that runs but never got ready is stopped, so that the next check restarts it (with backoff)
      // instead of finding it running and leaving it half-started.
      await stopProcess(component, 2_000).catch(() => undefined);
    }
  };

  logger.info({ components: manifest.processes.map((p) => p.name) }, SUPERVISOR_READY);
  while (!signal.aborted) {
    for (const component of manifest.processes) {
      if (!component.restart || restarting.has(component.name) || processState(component) !== 'gone') continue;
      restarting.add(component.name);
      void restart(component).finally(() => restarting.delete(component.name));
    }
    await sleep(options.pollMs ?? 250, undefined, { signal }).catch(() => undefined);
  }
  await saving;
}

/** unbound remembers the dead authority for infra-host-ttl; forget it now that the authority is back. */
async function flushResolver(manifest: Manifest, logger: Logger): Promise<void> {
  const unbound = manifest.processes.find((p) => p.name === 'unbound');
  const zone = manifest.endpoints.zone;
  const configPath = unbound?.argv[unbound.argv.indexOf('-c') + 1];
  if (!unbound || !zone || !configPath) return;
  try {
    await flushUnbound(configPath, [zone]);
    logger.info({ zone }, 'flushed unbound after the authority restart');
  } catch (error) {
    logger.warn(
      { err: error },
      'could not flush unbound after the authority restart; it recovers within its infra-host-ttl',
    );
  }
}
