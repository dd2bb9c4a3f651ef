// Recovery through the resolver: the authority is stopped for --down seconds while a client keeps asking
// unbound (so unbound marks it down), then started again on the same ports; each cycle times how much later
// than the authority itself the resolver answers correctly again.
//   node bin/run-ts.js scripts/bench-recovery.ts [--cycles 20] [--down 4]
import { parseArgs } from 'node:util';
import { startRestartRig, timeRestartRecovery } from '../src/scenario/recovery.js';
import { HELP_OPTION, integerOption, parseScriptArgs } from './script-args.js';
import { percentile } from './bench-lib/stats.js';

const USAGE = 'usage: node bin/run-ts.js scripts/bench-recovery.ts [--cycles 20] [--down 4]';
const { values } = parseScriptArgs('bench-recovery', USAGE, () =>
  parseArgs({
    options: { ...HELP_OPTION, cycles: { type: 'string', default: '20' }, down: { type: 'string', default: '4' } },
  }),
);
const cycles = integerOption('bench-recovery', 'cycles', values.cycles, 1);
const downMs = integerOption('bench-recovery', 'down', values.down, 0) * 1000;

const rig = await startRestartRig();
const lags: number[] = [];
try {
  for (let cycle = 1; cycle <= cycles; cycle += 1) {
    const result = await timeRestartRecovery(rig, downMs, 120_000);
    lags.push(result.lagMs);
    console.log(
      `cycle ${cycle}: authority answered ${result.authorityMs.toFixed(0)} ms after its start, the resolver ${result.resolverMs.toFixed(0)} ms (lag ${result.lagMs.toFixed(0)} ms)`,
    );
  }
} finally {
  await rig.close();
}
const sorted = [...lags].sort((a, b) => a - b);
console.log(
  `resolver lag behind the authority over ${cycles} restarts (${downMs / 1000} s down each): median ${percentile(sorted, 0.5).toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms`,
);
