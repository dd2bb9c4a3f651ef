// `npm run chaos -- --minutes N [--seed S] [--legacy]`: the fault suite (src/scenario/chaos/). Runs the
// seeded fault schedule against real processes, prints the history summary, exits 1 on any violation.
//   --legacy runs the checks against the legacy design; it must report the empty record (exit 1).
import { parseArgs } from 'node:util';
import { checkHistory, formatVerdict } from '../src/scenario/chaos/history.js';
import { runLegacyChaos } from '../src/scenario/chaos/legacy.js';
import { runChaos } from '../src/scenario/chaos/run.js';
import { HELP_OPTION, integerOption, parseScriptArgs, usageError } from './script-args.js';

const USAGE = `usage: npm run chaos -- [--minutes 10] [--seed 1] [--delay-ms 150] [--drop-percent 5] [--bound-ms 5000] [--legacy]
  --minutes N    how long the fault schedule runs (then everything must converge)
  --seed S       names the schedule (same seed, same faults in the same order)
  --delay-ms D   extra latency each way on the delayed enactor's link
  --drop-percent P  share of the delayed link's packets dropped, each way (nftables; 0: none)
  --bound-ms B   the recovery bound: clients of the resolver answered (current content) after a component is back
  --legacy       run against the legacy design (must report the empty record)`;
const { values } = parseScriptArgs('chaos', USAGE, () =>
  parseArgs({
    options: {
      ...HELP_OPTION,
      minutes: { type: 'string', default: '10' },
      seed: { type: 'string', default: '1' },
      'delay-ms': { type: 'string', default: '150' },
      'drop-percent': { type: 'string', default: '5' },
      'bound-ms': { type: 'string', default: '5000' },
      legacy: { type: 'boolean', default: false },
    },
  }),
);
const minutes = Number(values.minutes);
if (!(minutes > 0)) usageError('chaos', `--minutes must be a positive number, got '${values.minutes}'`, USAGE);
const seed = integerOption('chaos', 'seed', values.seed, 0);
const delayMs = integerOption('chaos', 'delay-ms', values['delay-ms'], 0);
const dropPercent = Number(values['drop-percent']);
if (!(dropPercent >= 0 && dropPercent <= 100))
  usageError('chaos', `--drop-percent must be between 0 and 100, got '${values['drop-percent']}'`, USAGE);
const boundMs = integerOption('chaos', 'bound-ms', values['bound-ms'], 1);

// As in the dnsplane CLI: the SDK's Node 22 notice is nothing a reader of the summary can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Ctrl-C ends the schedule early; the run still stops its processes and removes its network namespace.
const interrupted = new AbortController();
process.once('SIGINT', () => interrupted.abort());
process.once('SIGTERM', () => interrupted.abort());
const history = await (
  values.legacy
    ? runLegacyChaos(seed)
    : runChaos({
        durationMs: minutes * 60_000,
        seed,
        delayMs,
        dropPercent,
        signal: interrupted.signal,
        onLine: (line) => console.log(line),
      })
).catch((error: Error) => {
  console.error(
    interrupted.signal.aborted
      ? 'chaos: interrupted; its processes and namespace are gone'
      : `chaos: the run failed: ${error.message}`,
  );
  process.exit(interrupted.signal.aborted ? 130 : 1);
});
const verdict = checkHistory(history, boundMs);
console.log(formatVerdict(history, verdict));
process.exit(verdict.ok ? 0 : 1);
