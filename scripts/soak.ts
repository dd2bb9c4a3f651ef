// npm run soak: the randomized interleaving property (see src/scenario/interleavings.ts) over many cases, each
// with its own seed, so that every failure is printed with the seed (and path) that replays it alone.
//
//   npm run soak                                  10,000 cases of the safe design from a random base seed
//   npm run soak -- --runs 500 --seed 42          500 cases, seeds 42..541
//   npm run soak -- --seed 1234 --path 0          replay one case (the line printed for a failure)
//   npm run soak -- --design legacy --runs 200    the legacy design: violations expected
//   npm run soak -- --invariants all              every invariant of issue 11 (today's design breaks some)
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import {
  ALL_INVARIANTS,
  interleavingProperty,
  todaysInvariants,
  type Design,
  type Invariant,
} from '../src/scenario/interleavings.js';
import { HELP_OPTION, parseScriptArgs, usageError } from './script-args.js';

const USAGE = `usage: npm run soak -- [--runs N] [--seed S] [--design safe|legacy] [--invariants today|all|LIST] [--path P]
  --runs N                 cases to run (default 10000), seeds S..S+N-1
  --seed S                 the first seed (default: random)
  --design safe|legacy     which design to check (default safe; legacy is expected to break)
  --invariants WHICH       today (default: what today's enactor keeps, as in CI), all, or a comma list of
                           ${ALL_INVARIANTS.join(', ')}
  --path P                 with --seed: replay the one case a VIOLATION line names`;

const { values } = parseScriptArgs('soak', USAGE, () =>
  parseArgs({
    options: {
      runs: { type: 'string', default: '10000' },
      seed: { type: 'string' },
      path: { type: 'string' },
      design: { type: 'string', default: 'safe' },
      invariants: { type: 'string', default: 'today' },
      ...HELP_OPTION,
    },
  }),
);
const design = values.design as Design;
if (design !== 'safe' && design !== 'legacy')
  usageError('soak', `--design must be safe or legacy, got ${values.design}`, USAGE);
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1)
  usageError('soak', `--runs must be a positive integer, got ${values.runs}`, USAGE);
const base = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
if (!Number.isInteger(base)) usageError('soak', `--seed must be an integer, got ${values.seed}`, USAGE);
const invariants =
  values.invariants === 'today'
    ? todaysInvariants
    : values.invariants === 'all'
      ? ALL_INVARIANTS
      : (values.invariants.split(',') as Invariant[]);
if (Array.isArray(invariants)) {
  const unknown = invariants.filter((invariant) => !ALL_INVARIANTS.includes(invariant));
  if (unknown.length > 0)
    usageError(
      'soak',
      `--invariants: unknown invariant ${unknown.join(', ')} (known: ${ALL_INVARIANTS.join(', ')})`,
      USAGE,
    );
}
const property = interleavingProperty(design, invariants);

if (values.path !== undefined) {
  const result = await fc.check(property, { seed: base, path: values.path, endOnFailure: true });
  console.log(
    result.failed
      ? `replay seed=${base} path=${values.path}: VIOLATION\n${String(result.errorInstance)}`
      : `replay seed=${base} path=${values.path}: no violation`,
  );
  process.exit(result.failed ? 1 : 0);
}

console.log(`soak: ${runs} cases of the ${design} design, seeds ${base}..${base + runs - 1}`);
const started = performance.now();
const failures: Array<{ seed: number; path: string; error: string }> = [];
for (let i = 0; i < runs; i++) {
  const seed = base + i;
  const result = await fc.check(property, { numRuns: 1, seed, endOnFailure: true });
  if (result.failed) {
    failures.push({
      seed,
      path: result.counterexamplePath ?? '0',
      error: String(result.errorInstance).split('\n').slice(0, 3).join(' '),
    });
    console.log(
      `VIOLATION seed=${seed} path=${result.counterexamplePath}: ${failures.at(-1)!.error}\n  replay: npm run soak -- --design ${design}${values.invariants === 'today' ? '' : ` --invariants ${values.invariants}`} --seed ${seed} --path ${result.counterexamplePath}`,
    );
  }
  if ((i + 1) % 1000 === 0)
    console.log(
      `  ${i + 1}/${runs} cases, ${failures.length} violation(s), ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`violations: ${failures.length} of ${runs} cases (${design} design, ${seconds} s)`);
if (failures.length > 0) console.log(`first failing seed: ${failures[0].seed} (path ${failures[0].path})`);
process.exit(failures.length > 0 ? 1 : 0);
