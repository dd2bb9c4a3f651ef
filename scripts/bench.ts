// `npm run bench`: every issue-6 benchmark, one after another (each in its own process, so none inherits
// another's heap or sockets), then one summary of the numbers against their targets.
//   npm run bench [-- --quick] [-- --only dns,enact,converge,memory,scale]
// --quick runs each with tiny sizes (a smoke run: the numbers mean nothing, completing means everything).
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HELP_OPTION, parseScriptArgs } from './script-args.js';

const USAGE = `usage: npm run bench -- [--quick] [--only dns,enact,converge,memory,scale]
  --quick        each benchmark with tiny sizes (a smoke run: completing is what counts)
  --only LIST    run only these, comma-separated (default dns,enact,converge,memory,scale)`;
const { values: args } = parseScriptArgs('bench', USAGE, () =>
  parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', default: 'dns,enact,converge,memory,scale' },
      ...HELP_OPTION,
    },
  }),
);
const only = new Set(args.only.split(','));
const runTs = fileURLToPath(new URL('../bin/run-ts.js', import.meta.url));
const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

interface Bench {
  key: string;
  file: string;
  argv: string[];
  quickArgv: string[];
}

const BENCHES: Bench[] = [
  { key: 'dns', file: 'bench-dns.ts', argv: ['--rounds', '3'], quickArgv: ['--duration', '1', '--only', 'face,nsd'] },
  { key: 'enact', file: 'bench-enact.ts', argv: [], quickArgv: ['--quick'] },
  { key: 'converge', file: 'bench-converge.ts', argv: [], quickArgv: ['--quick'] },
  { key: 'memory', file: 'bench-memory.ts', argv: [], quickArgv: ['--quick'] },
  // 1,000 endpoints by default: today's enactor needs minutes per generation at 20,000 (run it with --sizes).
  { key: 'scale', file: 'bench-scale.ts', argv: ['--sizes', '1000'], quickArgv: ['--quick'] },
];

interface Outcome {
  ok: boolean;
  output: string;
  seconds: number;
}

/** Runs one benchmark, echoing its output as it comes, and keeps the output for the summary. */
function run(bench: Bench): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [runTs, script(bench.file), ...(args.quick ? bench.quickArgv : bench.argv)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DNSPLANE_LOG_LEVEL: process.env.DNSPLANE_LOG_LEVEL ?? 'warn' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    // The AWS SDK's Node-version notice is the same in every child: keep stderr, minus that.
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (
        !/NodeVersionSupportWarning|versions published after|require node >=22|continue receiving updates|security updates|a\.co\/|trace-warnings|^\s*$/m.test(
          text,
        )
      )
        process.stderr.write(text);
    });
    child.on('close', (code) => resolve({ ok: code === 0, output, seconds: (performance.now() - started) / 1000 }));
  });
}

/** The `RESULT key=value ...` lines the scale benchmarks print. */
function results(output: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of output.split('\n')) {
    if (!line.startsWith('RESULT ')) continue;
    for (const pair of line.slice(7).split(' ')) {
      const [key, value] = pair.split('=');
      if (key && value !== undefined) found.set(key, Number(value));
    }
  }
  return found;
}

/** One summary line: value, target, and the value as a share of its target (≥ 1.00 meets it). */
function line(label: string, value: number | undefined, unit: string, target: number, higherIsBetter: boolean): string {
  if (value === undefined || Number.isNaN(value)) return `  ${label.padEnd(50)} not measured`;
  const ratio = higherIsBetter ? value / target : target / value;
  const mark = ratio >= 1 ? 'meets' : 'MISSES';
  return `  ${label.padEnd(50)} ${String(value).padStart(9)} ${unit.padEnd(10)} target ${higherIsBetter ? '≥' : '≤'} ${target} ${unit}: ${ratio.toFixed(2)}× (${mark})`;
}

console.log(
  `dnsplane benchmarks${args.quick ? ' (--quick: tiny sizes, a smoke run)' : ''}: ${cpus().length} cores, load average ${loadavg()[0].toFixed(2)} at start, node ${process.version}`,
);
const outcomes = new Map<string, Outcome>();
for (const bench of BENCHES) {
  if (!only.has(bench.key)) continue;
  console.log(`\n=== ${bench.file} ${(args.quick ? bench.quickArgv : bench.argv).join(' ')}`);
  outcomes.set(bench.key, await run(bench));
}

const all = new Map<string, number>();
for (const outcome of outcomes.values()) for (const [key, value] of results(outcome.output)) all.set(key, value);
console.log(`\n=== summary (load average ${loadavg()[0].toFixed(2)} at the end)`);
for (const [key, outcome] of outcomes)
  console.log(`  ${key.padEnd(10)} ${outcome.ok ? 'completed' : 'FAILED'} in ${outcome.seconds.toFixed(1)} s`);
const dns = outcomes.get('dns');
if (dns) {
  const ratio = /ratio to NSD: dnsplane DNS face\s+qps ([\d.]+)x/.exec(dns.output)?.[1];
  if (ratio) console.log(line("DNS face qps as a share of NSD's", Number(ratio), '× NSD', 0.8, true));
  else
    console.log(
      `  DNS face vs NSD: no ratio (${/\S+ is not installed[^\n]*/.exec(dns.output)?.[0] ?? 'see the output above'})`,
    );
}
if (outcomes.has('enact')) {
  console.log(line('enact 100k records from empty', all.get('enact.empty.seconds'), 's', 10, false));
  console.log(line('enact at the rate limit, share of the bound', all.get('enact.limited.ratio'), '', 0.95, true));
}
if (outcomes.has('converge')) {
  console.log(
    line('convergence p99, one LB changes (1,000 endpoints)', all.get('converge.health.p99_ms'), 'ms', 250, false),
  );
  console.log(line('convergence p99, whole zone rewritten', all.get('converge.rewrite.p99_ms'), 'ms', 250, false));
}
if (outcomes.has('memory')) {
  console.log(line('authority peak RSS with 100k records', all.get('memory.peak_mib'), 'MiB', 300, false));
  console.log(line('authority restart to first answer', all.get('memory.restart_ms'), 'ms', 5000, false));
}
if (outcomes.has('scale')) {
  const size = [...all.keys()].find((key) => /^scale\.\d+\.one\.requests$/.test(key))?.split('.')[1];
  if (size) {
    // The sender's own requests are the protocol's cost; the total over every enactor in the measuring window
    // also holds drift-sweep reads that happen to fall in it (about the idle rate times the window).
    console.log(
      line(
        `scale: requests of the sender, 1 endpoint changed (${size} endpoints)`,
        all.get(`scale.${size}.one.sender_requests`),
        'requests',
        3,
        false,
      ),
    );
    console.log(
      `  (all enactors in the same window: ${all.get(`scale.${size}.one.requests`) ?? '?'} requests, drift-sweep reads included)`,
    );
    console.log(
      line(`scale: visible over DNS, 1 endpoint changed`, all.get(`scale.${size}.one.visible_ms`), 'ms', 1000, false),
    );
    console.log(line(`scale: idle load of all enactors`, all.get(`scale.${size}.idle_req_per_s`), 'req/s', 1, false));
  }
}
if (args.quick) console.log("  (--quick: sizes are tiny, so these are not the targets' measurements)");
if ([...outcomes.values()].some((outcome) => !outcome.ok)) process.exitCode = 1;
