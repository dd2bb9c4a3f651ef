// Dashboard benchmark: how the JSON endpoints and the page scale with a long timeline. A synthetic source
// holds ten minutes of probe observations at the probe's fastest interval (50 ms) for several endpoints on
// both paths, with a plan mark every few seconds; the real server serves it, and headless Chromium renders it.
//   node bin/run-ts.js scripts/bench-dashboard.ts [--endpoints 4] [--minutes 10] [--interval-ms 50] [--renders 10]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import type {
  DashboardSource,
  DashboardStatus,
  Timeline,
  TimelineMark,
  TimelineObservation,
} from '../src/dashboard/model.js';
import { startDashboard } from '../src/dashboard/server.js';

const { values: args } = parseArgs({
  options: {
    endpoints: { type: 'string', default: '4' },
    minutes: { type: 'string', default: '10' },
    'interval-ms': { type: 'string', default: '50' },
    renders: { type: 'string', default: '10' },
  },
});
const endpoints = Array.from({ length: Number(args.endpoints) }, (_, i) => `ep${i}.bench.test. A`);
const intervalMs = Number(args['interval-ms']);
const now = Date.now();
const from = now - Number(args.minutes) * 60_000;

// Mostly answered, with an outage of a few seconds every minute, so the chart has runs to draw.
const observations: TimelineObservation[] = [];
for (let at = from; at < now; at += intervalMs) {
  const outage = (at - from) % 60_000 < 3_000;
  for (const endpoint of endpoints) {
    for (const path of ['authority', 'resolver'] as const)
      observations.push({ at, endpoint, path, result: outage ? 'nodata' : 'answered', latencyMs: 0.5 });
  }
}
const marks: TimelineMark[] = [];
for (let at = from, generation = 1; at < now; at += 5_000, generation++)
  marks.push({ at, kind: 'plan', generation, endpoints: [] });

const listeners = new Set<() => void>();
const source: DashboardSource = {
  description: 'synthetic benchmark source',
  status: async (): Promise<DashboardStatus> => ({
    now: Date.now(),
    source: 'synthetic benchmark source',
    zoneId: 'ZBENCH',
    zone: 'bench.test.',
    freeze: null,
    storeBehind: null,
    plannedGeneration: marks.length,
    probeDiagnosis: { diagnosis: 'ok', detail: 'synthetic' },
    endpoints: endpoints.map((endpoint) => ({
      endpoint,
      state: 'match',
      reason: 'synthetic',
      plannedGeneration: marks.length,
      liveGeneration: marks.length,
      fenceWriter: 'bench',
      liveMatchesFence: true,
      liveMatchesLatest: true,
      recordSets: 2,
      probe: [],
    })),
    enactors: [],
    errors: [],
  }),
  timeline: async (since): Promise<Timeline> => ({
    now: Date.now(),
    since,
    endpoints,
    observations: observations.filter((o) => o.at > since),
    marks: marks.filter((m) => m.at > since),
  }),
  activity: async () => [],
  onChange: (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  close: async () => undefined,
};

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];
const dashboard = await startDashboard({ source, port: 0 });
try {
  const fetchTimed = async (route: string) => {
    const samples: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      bytes = (await (await fetch(new URL(route, dashboard.url))).arrayBuffer()).byteLength;
      samples.push(performance.now() - started);
    }
    return { ms: median(samples), bytes };
  };
  const full = await fetchTimed('/api/timeline?since=0');
  const tail = await fetchTimed(`/api/timeline?since=${now - 5_000}`);
  console.log(
    `timeline: ${observations.length} observations, ${marks.length} plan marks, ${endpoints.length} endpoints x 2 paths`,
  );
  console.log(
    `GET /api/timeline?since=0          median ${full.ms.toFixed(1)} ms, ${(full.bytes / 1e6).toFixed(2)} MB`,
  );
  console.log(
    `GET /api/timeline?since=now-5s     median ${tail.ms.toFixed(1)} ms, ${(tail.bytes / 1e3).toFixed(1)} kB (what a live page asks for)`,
  );

  const profile = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    ],
    viewport: { width: 1400, height: 900 },
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const started = performance.now();
    await page.goto(dashboard.url);
    await page.waitForSelector('#charts rect');
    console.log(`page load to first chart (full history): ${(performance.now() - started).toFixed(0)} ms`);
    for (let i = 0; i < Number(args.renders); i++) {
      for (const listener of listeners) listener();
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    const renders = await page.evaluate<number[]>(
      "performance.getEntriesByName('dashboard-render').map((entry) => entry.duration)",
    );
    const svgElements = await page.evaluate<number>("document.querySelectorAll('#charts svg *').length");
    console.log(
      `render (merge + table + ${endpoints.length} charts + audit): median ${median(renders).toFixed(1)} ms, max ${Math.max(...renders).toFixed(1)} ms over ${renders.length} renders; ${svgElements} SVG elements`,
    );
  } finally {
    await context.close();
    await fs.rm(profile, { recursive: true, force: true });
  }
} finally {
  await dashboard.close();
}
