// npm start as a newcomer runs it: the demo end to end in a child process (bin/dnsplane.js demo, which is what
// `npm start` runs), with the verdict printed and both charts written; and Ctrl-C stopping it cleanly.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = path.resolve('bin/dnsplane.js');
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-demo-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('dnsplane demo (npm start)', () => {
  it('runs the legacy and the safe race and prints a verdict with the charts', async () => {
    const started = Date.now();
    const { stdout, stderr } = await run('node', [BIN, 'demo', '--chart-dir', dir], { timeout: 40_000 });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(stdout).toMatch(/\[1\/2\] LEGACY design/);
    expect(stdout).toMatch(/\[2\/2\] SAFE design/);
    expect(stdout).toMatch(/enactor B applied generation \d+ and started cleanup/);
    expect(stdout).toMatch(/legacy: FAILED +dynamodb\.us-east-1\.dnsplane\.test\. went EMPTY at t\+\d+ ms/);
    expect(stdout).toMatch(/safe: +HELD +dynamodb\.us-east-1\.dnsplane\.test\. answered every probe .* converged to plan \d+/);
    const legacyChart = path.join(dir, 'race-legacy.html');
    const safeChart = path.join(dir, 'race-safe.html');
    expect(stdout).toContain(`charts: ${legacyChart}  ${safeChart}`);
    expect(await fs.readFile(legacyChart, 'utf8')).toContain('class="mark probe nodata"');
    expect(await fs.readFile(safeChart, 'utf8')).not.toContain('class="mark probe nodata"');
    // Quiet by default: no pino JSON lines and no SDK warning in the middle of the narration.
    expect(stderr).not.toMatch(/"level":/);
    expect(stderr).not.toMatch(/NodeVersionSupportWarning/);
  }, 45_000);

  it('stops cleanly on Ctrl-C (SIGINT): exit 130, no child process left behind', async () => {
    const child = spawn('node', [BIN, 'demo', '--chart-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Interrupt in the middle of the first race, while enactor A's write is held.
    while (!/enactor A picked up/.test(stdout)) {
      if (child.exitCode !== null) throw new Error(`demo exited early: ${stdout}${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const children = await childPids(child.pid!);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/stopping: closing the authority, the probe and unbound/);
    for (const pid of children) expect(alive(pid), `child ${pid} still running`).toBe(false);
  }, 45_000);
});

async function childPids(pid: number): Promise<number[]> {
  try {
    const text = await fs.readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text.trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
