// The scale benchmarks run as a user runs them (node bin/run-ts.js scripts/bench-*.ts --quick, tiny sizes) and
// must complete and print their numbers. No timing is asserted: speed belongs to the benchmarks themselves.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Each run takes a few seconds on an idle machine; the bound is for a busy one. */
const TIMEOUT = 120_000;

async function bench(file: string, ...argv: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['bin/run-ts.js', `scripts/${file}`, '--quick', ...argv], {
    cwd: root,
    env: { ...process.env, DNSPLANE_LOG_LEVEL: 'warn' },
    timeout: TIMEOUT,
  });
  return stdout;
}

/** The numbers of the RESULT lines; every one must be a finite number. */
function results(stdout: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const line of stdout.split('\n').filter((l) => l.startsWith('RESULT '))) {
    for (const pair of line.slice(7).split(' ')) {
      const [key, value] = pair.split('=');
      found[key] = Number(value);
    }
  }
  return found;
}

describe('scale benchmarks, --quick', () => {
  it(
    'bench-enact applies a plan from empty, a churn generation and a rate-limited run, and prints its numbers',
    async () => {
      const out = await bench('bench-enact.ts');
      expect(out).toMatch(
        /from empty \(200 endpoints × 5 sets\): 1,000 records in [\d.]+ s = [\d,]+ records\/s; 200 endpoints, 2 batches, 1,064 elements/,
      );
      expect(out).toMatch(/10% churn \(100 sets changed\)/);
      expect(out).toMatch(/rate-limited 10 req\/s \(100 endpoints × 5 sets × 5 addresses\): 2,500 records/);
      expect(out).toMatch(/rate-limited whole run .* ratio [\d.]+/);
      const numbers = results(out);
      expect(Object.keys(numbers).sort()).toEqual([
        'enact.churn.seconds',
        'enact.empty.records_per_s',
        'enact.empty.seconds',
        'enact.limited.elements_per_s',
        'enact.limited.ratio',
      ]);
      for (const value of Object.values(numbers)) expect(Number.isFinite(value) && value > 0).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'bench-converge sees every endpoint move to each new generation over DNS, in both scenarios, and prints p50/p99',
    async () => {
      const out = await bench('bench-converge.ts');
      expect(out).toMatch(
        /generation 2 \(warm-up, not counted\): answered p50 [\d,]+ ms, p99 [\d,]+ ms; accepted p50 [\d,]+ ms, p99 [\d,]+ ms/,
      );
      expect(out).toMatch(/generation 3: answered p50 [\d,]+ ms, p99 [\d,]+ ms; accepted p50/);
      expect(out).toMatch(/^health: over 100 endpoint changes: answered over DNS p50/m);
      expect(out).toMatch(/^rewrite: over 100 endpoint changes: answered over DNS p50/m);
      const numbers = results(out);
      for (const scenario of ['health', 'rewrite']) {
        expect(numbers[`converge.${scenario}.p99_ms`]).toBeGreaterThanOrEqual(numbers[`converge.${scenario}.p50_ms`]);
        expect(numbers[`converge.${scenario}.accepted_p99_ms`]).toBeGreaterThan(0);
      }
    },
    TIMEOUT,
  );

  it(
    "bench-scale runs three real enactor processes through counting relays and prints each generation's cost",
    async () => {
      const out = await bench('bench-scale.ts');
      expect(out).toMatch(/scale 60: 60 endpoints × 3 weighted sets; authority --rate-limit 10; 3 enactor processes/);
      expect(out).toMatch(/idle, 3 enactors in sync: \d+ requests in [\d.]+ s/);
      for (const label of [
        '1 endpoint changed \\(1\\)',
        '1% of endpoints changed \\(1\\)',
        '10% of endpoints changed \\(6\\)',
      ]) {
        expect(out).toMatch(new RegExp(`generation \\d+, ${label}: visible over DNS p50 [\\d,]+ ms`));
      }
      expect(out).toMatch(/cost: [\d,]+ requests \([\d,]+ ChangeResourceRecordSets/);
      expect(out).toMatch(/fresh enactor: [\d,]+ requests/);
      const numbers = results(out);
      expect(numbers['scale.60.one.requests']).toBeGreaterThan(0);
      // The sender's own requests (the one enactor that sent the generation) are among all enactors' requests.
      expect(numbers['scale.60.one.sender_requests']).toBeGreaterThan(0);
      expect(numbers['scale.60.one.sender_requests']).toBeLessThanOrEqual(numbers['scale.60.one.requests']);
      expect(numbers['scale.60.pct10.elements']).toBeGreaterThanOrEqual(6 * 6);
    },
    2 * TIMEOUT,
  );

  it('a benchmark given a number that is not one stops at once, naming the option', async () => {
    const failure = await bench('bench-converge.ts', '--rounds', 'five').then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain("bench-converge: --rounds must be a whole number ≥ 1, got 'five'");
  });

  it(
    'bench-memory loads records, reads the peak RSS, and answers correctly after a SIGKILL restart',
    async () => {
      const out = await bench('bench-memory.ts');
      expect(out).toMatch(/loaded 2,000 records/);
      expect(out).toMatch(/restart after SIGKILL: [\d,]+ ms to the first correct answer/);
      const numbers = results(out);
      expect(numbers['memory.restart_ms']).toBeGreaterThan(0);
      if (process.platform === 'linux') expect(numbers['memory.peak_mib']).toBeGreaterThan(0);
    },
    TIMEOUT,
  );

  it(
    'npm run bench -- --quick runs the chosen benchmarks and ends with a summary against the targets',
    async () => {
      const out = await bench('bench.ts', '--only', 'memory');
      expect(out).toMatch(/=== bench-memory\.ts --quick/);
      expect(out).toMatch(/memory\s+completed in [\d.]+ s/);
      expect(out).toMatch(/authority peak RSS with 100k records\s+\d+ MiB\s+target ≤ 300 MiB: [\d.]+×/);
    },
    TIMEOUT,
  );
});
