// The fault suite, short: two minutes of the seeded schedule against real processes (the authority restarted
// at least once, an enactor in its own network namespace behind a delayed link that drops 5% of its packets,
// kills of the enactors, the planner, the probe and unbound, throttling or a stopped planner as the seed falls),
// then the history checks with a recovery bound three times the stated 5 s (loose, for a loaded machine). And the same checks against the legacy design must fail.
import { expect, it } from 'vitest';
import { checkHistory, formatVerdict } from '../../src/scenario/chaos/history.js';
import { runLegacyChaos } from '../../src/scenario/chaos/legacy.js';
import { netnsAvailable } from '../../src/scenario/chaos/netns.js';
import { runChaos } from '../../src/scenario/chaos/run.js';
import { describeWithTools } from '../helpers/tools.js';

const LOOSE_BOUND_MS = 15_000;

describeWithTools(['ip', 'nft', 'unbound'], 'chaos (CI length)', () => {
  it('keeps every safety property through two minutes of faults, with one enactor delayed in a namespace', async () => {
    // Creating namespaces needs root; CI runs as root, so there its absence is a failure, never a skip.
    if (!(await netnsAvailable())) {
      if (process.env.CI === 'true')
        throw new Error('`ip netns add` fails here: the fault suite needs network namespaces (root and iproute2)');
      console.warn(
        '\n*** SKIPPING the chaos run: `ip netns add` is not permitted here (this fails under CI=true) ***\n',
      );
      return;
    }
    const lines: string[] = [];
    const history = await runChaos({ durationMs: 120_000, seed: 7, onLine: (line) => lines.push(line) });
    const verdict = checkHistory(history, LOOSE_BOUND_MS);
    // The history summary in CI's log, as `npm run chaos` prints it.
    console.log(formatVerdict(history, verdict));
    expect(verdict.violations, formatVerdict(history, verdict)).toEqual([]);
    expect(lines.join('\n')).toMatch(
      /delayed enactor e3-delayed in network namespace \S+, 150 ms each way by \w+, 5% of packets dropped each way/,
    );
    expect(verdict.counts.authorityRestarts).toBeGreaterThanOrEqual(1);
    expect(history.faults.length).toBeGreaterThanOrEqual(5);
    expect(verdict.counts.acks).toBeGreaterThan(0);
    // The delayed enactor really worked through its link. Whether it also wins a batch is up to the race: with
    // shard fences it usually finds the generation already applied by the others (in sync, or a stand-down).
    expect(history.delayedLink?.connections).toBeGreaterThan(0);
    expect(history.delayedLink?.bytesFromEnactor).toBeGreaterThan(10_000);
    // The kernel really dropped some of its packets (nftables counters), and the checks above still held.
    expect(history.delayedLink?.dropped).toBeGreaterThan(0);
    // The probe ran as its own process and wrote its diagnosis; the authority's restart is one it saw.
    expect(Object.keys(history.probeDiagnoses ?? {})).toContain('ok');
  }, 360_000);
});

it('reports the empty record when run against the legacy design', async () => {
  const history = await runLegacyChaos(1);
  const verdict = checkHistory(history, LOOSE_BOUND_MS);
  expect(verdict.ok).toBe(false);
  expect(verdict.violations.join('\n')).toMatch(/empty answer\(s\) at the authority/);
}, 120_000);
