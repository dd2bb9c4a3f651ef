// The pack-and-consume flow of test/package/pack.test.ts (the steps are test/package/consumer.ts), timed: each
// step alone, then the flow as the test runs it (pack, install, then the four checks at once). Wall time and the
// CPU of the child processes (user + sys, from /proc, so Linux only), with the load average before each run.
//   node bin/run-ts.js scripts/bench-pack.ts [--runs 3]
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  buildIfStale,
  emptyProject,
  importApi,
  install,
  installedDnsplane,
  npxDnsplane,
  pack,
  typeCheckConsumer,
} from '../test/package/consumer.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds used by the children this process has waited for (cutime + cstime of /proc/self/stat). */
function childCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND;
}

interface Timing {
  wallS: number;
  cpuS: number;
}

async function timed<T>(step: () => Promise<T>): Promise<[T, Timing]> {
  const cpu = childCpuSeconds();
  const started = performance.now();
  const result = await step();
  return [result, { wallS: (performance.now() - started) / 1000, cpuS: childCpuSeconds() - cpu }];
}

const format = ({ wallS, cpuS }: Timing) => `${wallS.toFixed(1)} s wall, ${cpuS.toFixed(1)} s CPU`;

function mustBe<T>(what: string, actual: T, expected: T): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

async function checksAfterInstall(dir: string): Promise<void> {
  const [help, enactHelp, api, diagnostics] = await Promise.all([
    npxDnsplane(dir, ['--help']),
    installedDnsplane(dir, ['enact', '--help']),
    importApi(dir),
    typeCheckConsumer(dir),
  ]);
  mustBe('--help lists enact', /^ {2}enact\s/m.test(help), true);
  mustBe('enact --help shows --plans', enactHelp.includes('--plans'), true);
  mustBe('import', api, 'function function');
  mustBe('type check', diagnostics, '');
}

await buildIfStale();
for (let run = 1; run <= Number(args.runs); run += 1) {
  const load = loadavg()[0].toFixed(1);
  // Each step alone, in its own directory.
  const alone = await emptyProject();
  const [tarball, packing] = await timed(() => pack(alone));
  const [, installing] = await timed(() => install(alone, tarball));
  const [, help] = await timed(() => npxDnsplane(alone, ['--help']));
  const [, enactHelp] = await timed(() => installedDnsplane(alone, ['enact', '--help']));
  const [, importing] = await timed(() => importApi(alone));
  const [, checking] = await timed(() => typeCheckConsumer(alone));
  await rm(alone, { recursive: true, force: true });
  // The flow as the test runs it.
  const flowDir = await emptyProject();
  const [, flow] = await timed(async () => {
    await install(flowDir, await pack(flowDir));
    await checksAfterInstall(flowDir);
  });
  await rm(flowDir, { recursive: true, force: true });
  console.log(
    [
      `run ${run} (load ${load} before it):`,
      `  npm pack                   ${format(packing)}`,
      `  npm install TARBALL        ${format(installing)}`,
      `  npx dnsplane --help        ${format(help)}`,
      `  dnsplane enact --help      ${format(enactHelp)}`,
      `  import('dnsplane')         ${format(importing)}`,
      `  type-check the consumer    ${format(checking)}`,
      `  the flow, checks at once   ${format(flow)}`,
    ].join('\n'),
  );
}
