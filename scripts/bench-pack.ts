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
  npxDnsplane,
  pack,
  s3StoreWithoutClient,
  typeCheckConsumer,
} from '../test/package/consumer.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user, sys) used by the children this process has waited for: cutime, cstime of /proc/self/stat. */
function childCpuSeconds(): { user: number; sys: number } {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return { user: Number(fields[13]) / CLOCK_TICKS_PER_SECOND, sys: Number(fields[14]) / CLOCK_TICKS_PER_SECOND };
}

interface Timing {
  wallS: number;
  userS: number;
  sysS: number;
}

async function timed<T>(step: () => Promise<T>): Promise<[T, Timing]> {
  const before = childCpuSeconds();
  const started = performance.now();
  const result = await step();
  const after = childCpuSeconds();
  const wallS = (performance.now() - started) / 1000;
  return [result, { wallS, userS: after.user - before.user, sysS: after.sys - before.sys }];
}

// sys grows with contention for the 2 shared cores: user is the steadier figure.
const format = ({ wallS, userS, sysS }: Timing) =>
  `${wallS.toFixed(1)} s wall, CPU ${userS.toFixed(1)} s user + ${sysS.toFixed(1)} s sys`;

function mustBe<T>(what: string, actual: T, expected: T): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

/**
 * The flow as pack.test.ts runs it: pack, install, then the four checks at once. Returns when (seconds from the
 * start) the install and then each check finished.
 */
async function flow(dir: string): Promise<string> {
  const started = performance.now();
  const at = <T>(promise: Promise<T>) =>
    promise.then((value) => [value, (performance.now() - started) / 1000] as const);
  await install(dir, await pack(dir));
  const installedAt = (performance.now() - started) / 1000;
  const [[help, helpAt], [s3, s3At], [api, importAt], [diagnostics, checkAt]] = await Promise.all([
    at(npxDnsplane(dir, ['--help'])),
    at(s3StoreWithoutClient(dir)),
    at(importApi(dir)),
    at(typeCheckConsumer(dir)),
  ]);
  mustBe('--help lists enact', /^ {2}enact\s/m.test(help), true);
  mustBe(
    's3:// without the S3 client says what to install',
    s3.stderr.includes('npm install @aws-sdk/client-s3'),
    true,
  );
  mustBe('import', api, 'function function');
  mustBe('type check', diagnostics, '');
  const times = [installedAt, helpAt, s3At, importAt, checkAt].map((seconds) => seconds.toFixed(1));
  return `installed at ${times[0]} s; --help done at ${times[1]}, s3:// ${times[2]}, import ${times[3]}, type check ${times[4]}`;
}

await buildIfStale();
for (let run = 1; run <= Number(args.runs); run += 1) {
  const load = loadavg()[0].toFixed(1);
  // Each step alone, in its own directory.
  const alone = await emptyProject();
  const [tarball, packing] = await timed(() => pack(alone));
  const [, installing] = await timed(() => install(alone, tarball));
  const [, help] = await timed(() => npxDnsplane(alone, ['--help']));
  const [, s3] = await timed(() => s3StoreWithoutClient(alone));
  const [, importing] = await timed(() => importApi(alone));
  const [, checking] = await timed(() => typeCheckConsumer(alone));
  await rm(alone, { recursive: true, force: true });
  // The flow as the test runs it.
  const flowDir = await emptyProject();
  const [phases, flowTiming] = await timed(() => flow(flowDir));
  await rm(flowDir, { recursive: true, force: true });
  console.log(
    [
      `run ${run} (load ${load} before it):`,
      `  npm pack                       ${format(packing)}`,
      `  npm install TARBALL            ${format(installing)}`,
      `  npx dnsplane --help            ${format(help)}`,
      `  freeze --plans s3:// (refused) ${format(s3)}`,
      `  import('dnsplane')             ${format(importing)}`,
      `  type-check the consumer        ${format(checking)}`,
      `  the flow, as the test runs it  ${format(flowTiming)}`,
      `    (${phases})`,
    ].join('\n'),
  );
}
