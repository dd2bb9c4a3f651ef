// scripts/conformance.ts as a user runs it: a Markdown table on stdout, exit 1 when a case fails, 0 when all
// pass, and a clear error for a bad case name.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { describeWithTools } from '../helpers/tools.js';

const run = promisify(execFile);

async function conformance(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/run-ts.js', 'scripts/conformance.ts', ...args], {
      timeout: 25_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describeWithTools(['moto_server'], 'scripts/conformance.ts', () => {
  it('prints a table and exits 1 against moto, naming the failed case', async () => {
    const { code, stdout } = await conformance(
      '--start',
      'moto',
      '--only',
      'upsert-replaces-whole-set',
      'stale-fenced-batch-rejected',
    );
    expect(code).toBe(1);
    expect(stdout).toContain('| case | result | what Route53 does / why it failed |');
    expect(stdout).toMatch(/\| upsert-replaces-whole-set \| pass \|/);
    expect(stdout).toMatch(/\| stale-fenced-batch-rejected \| \*\*FAIL\*\* \| .*was accepted/);
    expect(stdout).toContain('1 of 2 cases behave as Route53 does.');
  });

  it('exits 0 against the dnsplane authority, and 2 for an unknown case', async () => {
    const passing = await conformance('--start', 'authority', '--only', 'stale-fenced-batch-rejected');
    expect(passing.code).toBe(0);
    expect(passing.stdout).toMatch(/\| stale-fenced-batch-rejected \| pass \|/);
    const unknown = await conformance('--start', 'authority', '--only', 'no-such-case');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown conformance case\(s\): no-such-case/);
  });
});
