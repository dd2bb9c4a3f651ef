// `dnsplane race`: reproduce the October 2025 race in the legacy design or run the same timing against the
// safe design, print the timeline and the verdict, and write a chart.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { renderChart } from '../../scenario/chart.js';
import { runRace, type RaceMode, type RaceSummary } from '../../scenario/race.js';
import { formatTimeline } from '../../scenario/timeline.js';

interface RaceCommandOptions {
  mode: RaceMode;
  json?: boolean;
  chart?: string;
  resolver: 'auto' | 'none';
  generations: number;
  delay: number;
}

const defaultChartPath = (mode: RaceMode) => path.join('.dnsplane', `race-${mode}.html`);

function integer(name: string, min: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min)
      throw new InvalidArgumentError(`${name} must be an integer of at least ${min}, got ${JSON.stringify(text)}`);
    return value;
  };
}

/** Writes the chart, creating its directory. */
export async function writeChart(file: string, html: string): Promise<string> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, html);
  return file;
}

function verdictLine(summary: RaceSummary): string {
  if (summary.emptyObservations > 0) {
    return (
      `${summary.mode}: ${summary.endpoint} went EMPTY (first at t+${summary.firstEmptyAt} ms, ${summary.emptyObservations} empty observations); ` +
      `live generation ${summary.liveGeneration}, latest ${summary.latestGeneration}, converged: ${summary.converged}`
    );
  }
  return (
    `${summary.mode}: ${summary.endpoint} never went empty (0 of ${summary.probeObservations} observations); ` +
    `live generation ${summary.liveGeneration}, latest ${summary.latestGeneration}, converged: ${summary.converged}`
  );
}

export function register(program: Command): void {
  program
    .command('race')
    .description(
      'Reproduce the October 2025 DNS race against an in-process authority: enactor A is delayed (latency, Throttling, held) ' +
        'while applying an old plan, the planner writes many newer generations, enactor B applies the newest and cleans up, ' +
        "A's stale write lands, and the cleanup deletes A's plan. --mode legacy runs the seeds' design (one up-front check, " +
        'plain UPSERTs, a cleanup that ignores what is live) and empties the endpoint; --mode safe runs the fenced enactor and ' +
        'the guarded cleanup under the same timing. The probe watches throughout. Prints the timeline and a verdict, and writes a chart.',
    )
    .addOption(new Option('--mode <mode>', 'which design to run').choices(['legacy', 'safe']).makeOptionMandatory())
    .option('--json', 'print the summary as one JSON object on the last line of stdout (no table)', false)
    .option('--chart <file>', 'where to write the HTML chart (default: .dnsplane/race-<mode>.html)')
    .addOption(
      new Option('--resolver <which>', 'auto: also probe through unbound when installed; none: only the authority')
        .choices(['auto', 'none'])
        .default('auto'),
    )
    .option(
      '--generations <n>',
      'newer generations the planner writes while A is delayed (at least 5)',
      integer('--generations', 5),
      8,
    )
    .option(
      '--delay <ms>',
      "injected latency per attempt of A's writes, and the base of its backoff",
      integer('--delay', 0),
      100,
    )
    .action(async (options: RaceCommandOptions) => {
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const { summary, timeline } = await runRace({
          mode: options.mode,
          generations: options.generations,
          delayMs: options.delay,
          resolver: options.resolver,
          signal: abort.signal,
          onProgress: options.json ? undefined : (line) => console.log(`• ${line}`),
        });
        const entries = timeline.entries();
        const chart = await writeChart(options.chart ?? defaultChartPath(options.mode), renderChart(entries, summary));
        if (options.json) {
          console.log(JSON.stringify({ ...summary, chart }));
          return;
        }
        console.log(`\n${formatTimeline(entries)}\n`);
        console.log(verdictLine(summary));
        console.log(`chart: ${chart}`);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
