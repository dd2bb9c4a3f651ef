// The dashboard attached to the race reproduction (and so to `npm start`): each race's live objects become a
// LiveSource, and the dashboard switches to it when the race starts. The previous race's source stays shown
// until then, so the legacy race's empty endpoint is still on screen when the safe race begins.
import type { RaceLive } from '../scenario/race.js';
import { LiveSource } from './live-source.js';
import type { DashboardSource, DashboardStatus } from './model.js';
import { startDashboard, type DashboardOptions } from './server.js';

export function raceSource(live: RaceLive): LiveSource {
  const source = new LiveSource({
    store: live.rig.store,
    client: live.rig.client(),
    zoneId: live.rig.zoneId,
    probe: live.probe,
    description: `${live.mode} race`,
    // The legacy cleanup deletes plans within milliseconds of their writing; the race's timeline saw them all.
    planWrites: (listener) =>
      live.timeline.onEntry((entry) => {
        if (entry.kind === 'plan' && entry.generation !== undefined)
          listener(entry.generation, live.timeline.startedAt + entry.at);
      }),
  });
  for (const enactor of live.enactors) source.attach(enactor);
  live.onClosing(() => source.end());
  return source;
}

/** Until the first race starts there is nothing to show but that. */
function waitingSource(): DashboardSource {
  const status: DashboardStatus = {
    now: 0,
    source: 'waiting for the race to start',
    zoneId: '–',
    zone: null,
    freeze: null,
    storeBehind: null,
    plannedGeneration: null,
    probeDiagnosis: null,
    endpoints: [],
    enactors: [],
    errors: [],
  };
  return {
    description: status.source,
    status: async () => ({ ...status, now: Date.now() }),
    timeline: async (since) => ({ now: Date.now(), since, endpoints: [], observations: [], marks: [] }),
    activity: async () => [],
    onChange: () => () => undefined,
    close: async () => undefined,
  };
}

export interface RaceDashboard {
  url: string;
  /** Resolves true once a page is open on the dashboard, false after timeoutMs without one. */
  whenViewed(timeoutMs: number): Promise<boolean>;
  /** Pass as runRace's onLive: the dashboard shows that race from then on. */
  onLive(live: RaceLive): void;
  close(): Promise<void>;
}

/** Starts a dashboard for races run in this process (the demo, the end-to-end test). */
export async function startRaceDashboard(options: Omit<DashboardOptions, 'source'>): Promise<RaceDashboard> {
  const dashboard = await startDashboard({ ...options, source: waitingSource() });
  let current: LiveSource | undefined;
  return {
    url: dashboard.url,
    whenViewed: (timeoutMs) => dashboard.whenViewed(timeoutMs),
    onLive(live) {
      const previous = current;
      current = raceSource(live);
      dashboard.setSource(current);
      void previous?.close();
    },
    async close() {
      await dashboard.close();
      await current?.close();
    },
  };
}

/**
 * The demo's dashboard (npm start): on the given port, or on any free one when that is taken (a second demo,
 * or a test running beside one, must not fail for a dashboard). Prints its address, and when asked waits for
 * a browser to open it, so that a person sees the races live rather than their end.
 */
export async function openDemoDashboard(options: {
  port: number;
  waitMs: number;
  print: (line: string) => void;
  signal?: AbortSignal;
}): Promise<RaceDashboard> {
  const dashboard = await startRaceDashboard({ port: options.port }).catch(async (error: Error) => {
    if (options.port === 0 || !/already in use/.test(error.message)) throw error;
    options.print(`dashboard: port ${options.port} is taken; using a free one`);
    return startRaceDashboard({ port: 0 });
  });
  options.print(`dashboard: ${dashboard.url}  (live view of both races)`);
  if (options.waitMs > 0) {
    options.print(`  waiting up to ${Math.round(options.waitMs / 1000)} s for a browser to open it...`);
    const interrupted = new Promise<false>((resolve) =>
      options.signal?.addEventListener('abort', () => resolve(false), { once: true }),
    );
    const viewed = await Promise.race([dashboard.whenViewed(options.waitMs), interrupted]);
    if (!options.signal?.aborted)
      options.print(viewed ? '  browser connected; starting.' : '  no browser yet; starting anyway.');
  }
  return dashboard;
}
