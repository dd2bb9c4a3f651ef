// When a race ends it closes its authority and plan store on purpose. The page a demo user keeps looking at
// must then show where the race ended, not a "cannot read Route53" error about the closed environment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardStatus } from '../../src/dashboard/model.js';
import { startRaceDashboard, type RaceDashboard } from '../../src/dashboard/race.js';
import { REGIONAL_ENDPOINT } from '../../src/scenario/race-rig.js';
import { runRace } from '../../src/scenario/race.js';

let dashboard: RaceDashboard;

beforeAll(async () => {
  dashboard = await startRaceDashboard({ port: 0 });
});
afterAll(async () => {
  await dashboard?.close();
});

describe('the race dashboard after the race closed its environment', () => {
  it('keeps the final state, with no error about the closed authority or plan store', async () => {
    const { summary } = await runRace({ mode: 'safe', resolver: 'none', onLive: dashboard.onLive });
    // Past the plan-store poll (500 ms), which would otherwise list a deleted directory.
    await new Promise((resolve) => setTimeout(resolve, 700));
    const status = (await (await fetch(new URL('/api/status', dashboard.url))).json()) as DashboardStatus;
    expect(status.source).toBe('safe race');
    expect(status.errors).toEqual([]);
    expect(status.endpoints.find((row) => row.endpoint === `${REGIONAL_ENDPOINT} A`)).toMatchObject({
      state: 'match',
      liveGeneration: summary.latestGeneration,
    });
  });
});
