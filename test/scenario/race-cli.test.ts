// `dnsplane race` as a user runs it: the real CLI in a child process, against its own in-process authority,
// probing straight and (when unbound is installed) through unbound. The legacy design must empty the regional
// endpoint every run; the safe design under the same timing must never, and must converge.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasTool } from '../helpers/tools.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/dnsplane.js');
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-race-cli-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function race(mode: string, extra: string[] = []) {
  const chart = path.join(dir, `race-${mode}.html`);
  const { stdout } = await run('node', [BIN, 'race', '--mode', mode, '--json', '--chart', chart, ...extra], {
    env: { ...process.env, DNSPLANE_LOG_LEVEL: 'warn' },
    timeout: 25_000,
  });
  const lines = stdout.trim().split('\n');
  return { summary: JSON.parse(lines.at(-1)!), lines, html: await fs.readFile(chart, 'utf8') };
}

const count = (html: string, needle: string) => html.split(needle).length - 1;

describe('dnsplane race', () => {
  it('--mode legacy empties the regional endpoint, and the enactors cannot apply further plans', async () => {
    const { summary, lines, html } = await race('legacy');
    expect(lines).toHaveLength(1); // --json: the summary alone, one object on the last line
    expect(summary.mode).toBe('legacy');
    expect(summary.emptyObservations).toBeGreaterThan(0);
    expect(summary.firstEmptyAt).toBeGreaterThan(0);
    expect(summary.staleWriteLanded).toBe(true);
    // The endpoint is stuck on the stale plan whose records the cleanup removed; nothing newer got through.
    expect(summary.liveGeneration).toBe(summary.staleGeneration);
    expect(summary.latestGeneration).toBeGreaterThan(summary.staleGeneration + 5);
    expect(summary.converged).toBe(false);
    expect(summary.enactorErrors).toBeGreaterThanOrEqual(3);
    // Through unbound whenever it is installed; CI installs it, so there the resolver path is required.
    expect(summary.resolver).toBe(hasTool('unbound') || process.env.CI === 'true' ? 'unbound' : 'none');
    expect(count(html, 'class="mark probe nodata"')).toBe(summary.emptyObservations);
    expect(count(html, 'class="mark records-removed"')).toBe(1);
    expect(count(html, 'class="mark zone empty"')).toBeGreaterThanOrEqual(1);
    if (summary.resolver === 'unbound') expect(html).toContain('via resolver');
  });

  it('--mode safe under the same timing never shows an empty answer and converges to the newest generation', async () => {
    const { summary, html } = await race('safe');
    expect(summary.mode).toBe('safe');
    expect(summary.emptyObservations).toBe(0);
    expect(summary.firstEmptyAt).toBeNull();
    expect(summary.converged).toBe(true);
    expect(summary.liveGeneration).toBe(summary.latestGeneration);
    // The same stale write was attempted and refused by the fence.
    expect(summary.staleWriteLanded).toBe(false);
    expect(summary.writesRejected).toBeGreaterThanOrEqual(1);
    expect(summary.probeObservations).toBeGreaterThan(10);
    expect(count(html, 'class="mark probe nodata"')).toBe(0);
    expect(count(html, 'class="mark probe answered"')).toBe(summary.probeObservations);
    expect(count(html, 'class="mark stand-down"')).toBeGreaterThanOrEqual(1);
    expect(count(html, 'class="mark reject"')).toBeGreaterThanOrEqual(1);
  });

  it('prints the timeline table and a verdict without --json, and rejects a bad --mode', async () => {
    const chart = path.join(dir, 'table.html');
    const { stdout } = await run(
      'node',
      [BIN, 'race', '--mode', 'legacy', '--resolver', 'none', '--generations', '5', '--delay', '20', '--chart', chart],
      { timeout: 25_000 },
    );
    expect(stdout).toMatch(/records-removed/);
    expect(stdout).toMatch(/legacy: dynamodb\.us-east-1\.dnsplane\.test\. went EMPTY/);
    expect(stdout).toContain(`chart: ${chart}`);
    await expect(run('node', [BIN, 'race', '--mode', 'sloppy'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--mode.*legacy, safe/s),
    });
  });
});
