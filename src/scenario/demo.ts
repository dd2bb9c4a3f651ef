// `npm start`: the whole story in about fifteen seconds. The race runs twice under the same injected timing,
// first with the legacy design (which empties the endpoint, as in October 2025) and then with the safe design
// (which keeps it resolvable and converges), each against its own fresh authority, fleet, planner, three
// enactors and probe. Then a verdict in a few lines, and where the charts are.
import path from 'node:path';
import { renderChart } from './chart.js';
import type { RaceRig } from './race-rig.js';
import { runRace, type RaceLive, type RaceMode, type RaceSummary } from './race.js';

export interface DemoOptions {
  resolver?: 'auto' | 'none';
  /** Charts go here as race-legacy.html and race-safe.html. */
  chartDir: string;
  signal?: AbortSignal;
  /** Narration, one line at a time. */
  print: (line: string) => void;
  /** Receives each race's live sources while it runs (the hook for a dashboard). */
  onLive?: (live: RaceLive) => void;
  /** Keep the safe race's environment running afterwards (returned as `kept`) so that it can be inspected. */
  stay?: boolean;
  /** Writes a chart; the caller owns the file system. */
  writeChart: (file: string, html: string) => Promise<string>;
}

export interface DemoResult {
  legacy: RaceSummary;
  safe: RaceSummary;
  charts: Record<RaceMode, string>;
  /** The legacy design went empty and the safe one did not, and converged: what the demo sets out to show. */
  shown: boolean;
  /** With `stay`: the safe race's environment, still running; the caller closes it. */
  kept?: RaceRig;
}

const TITLES: Record<RaceMode, string> = {
  legacy: 'LEGACY design: check once, plain UPSERTs, cleanup that does not ask what is live',
  safe: 'SAFE design: fenced compare-and-swap writes, empty-record guard, cleanup that reads the fences',
};

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { print } = options;
  print('dnsplane demo: the October 2025 DNS race, reproduced and then prevented.');
  print(
    'Enactor A is delayed while it applies an old plan; the planner writes newer ones; enactor B applies the newest',
  );
  print(
    "and cleans up old plans; A's stale write is released; the cleanup deletes A's plan. Same timing, two designs.\n",
  );
  const summaries = {} as Record<RaceMode, RaceSummary>;
  const charts = {} as Record<RaceMode, string>;
  let kept: RaceRig | undefined;
  for (const [i, mode] of (['legacy', 'safe'] as const).entries()) {
    print(`[${i + 1}/2] ${TITLES[mode]}`);
    const { summary, timeline, rig } = await runRace({
      mode,
      keep: mode === 'safe' && options.stay === true,
      resolver: options.resolver ?? 'auto',
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (line, atMs) => print(`  t+${String(atMs).padStart(5)} ms  ${line}`),
      ...(options.onLive ? { onLive: options.onLive } : {}),
    });
    summaries[mode] = summary;
    kept = rig ?? kept;
    charts[mode] = await options.writeChart(
      path.join(options.chartDir, `race-${mode}.html`),
      renderChart(timeline.entries(), summary),
    );
    print(`  => ${outcome(summary)}\n`);
  }
  const { legacy, safe } = summaries;
  const shown = legacy.emptyObservations > 0 && safe.emptyObservations === 0 && safe.converged;
  print('VERDICT');
  print(`  legacy: ${legacy.emptyObservations > 0 ? 'FAILED' : 'did not fail (unexpected)'}  ${outcome(legacy)}`);
  print(`  safe:   ${safe.emptyObservations === 0 && safe.converged ? 'HELD  ' : 'FAILED'}  ${outcome(safe)}`);
  print(
    shown
      ? '  Same timing: the legacy design emptied the endpoint and then could not repair it; the fences rejected the stale write.'
      : '  The demo did not show the expected difference; see the charts and the timeline (dnsplane race --mode legacy|safe).',
  );
  print(`charts: ${charts.legacy}  ${charts.safe}  (open in a browser)`);
  return { legacy, safe, charts, shown, ...(kept ? { kept } : {}) };
}

function outcome(summary: RaceSummary): string {
  const via = summary.resolver === 'unbound' ? 'straight and through unbound' : 'straight at the authority';
  if (summary.emptyObservations > 0) {
    return (
      `${summary.endpoint} went EMPTY at t+${summary.firstEmptyAt} ms: ${count(summary.emptyObservations, 'empty answer')} (${via}); ` +
      `stuck on plan ${summary.liveGeneration} of ${summary.latestGeneration}, ${count(summary.enactorErrors, 'enactor pass', 'enactor passes')} failed`
    );
  }
  return (
    `${summary.endpoint} answered every probe (${count(summary.probeObservations, 'answer')} ${via}); ` +
    `${count(summary.writesRejected, 'stale write')} rejected; ${summary.converged ? `converged to plan ${summary.latestGeneration}` : 'NOT converged'}`
  );
}

const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
