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
        if (entry.kind === 'plan' && entry.generation !== undefined) listener(entry.generation, live.timeline.startedAt + entry.at);
      }),
  });
  for (const enactor of live.enactors) source.attach(enactor);
  return source;
}

/** Until the first race starts there is nothing to show but that. */
function waitingSource(): DashboardSource {
  const status: DashboardStatus = { now: 0, source: 'waiting for the race to start', zoneId: '–', plannedGeneration: null, endpoints: [], enactors: [], errors: [] };
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
