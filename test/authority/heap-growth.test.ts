// `dnsplane authority --heap-growth`: the product default that keeps a bulk load's peak RSS down
// (scripts/bench-memory.ts measures it). Here: a bad value is refused by name, and a small one still serves.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDnsplane } from '../helpers/cli.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-heap-'));
  dirs.push(dir);
  return dir;
}

describe('dnsplane authority --heap-growth', () => {
  it('refuses a value that is not a whole percent, naming the option', async () => {
    const dir = await tempDir();
    const result = await runDnsplane(
      ['authority', '--heap-growth', '-5', '--api-port', '0', '--dns-port', '0', '--data', path.join(dir, 'data')],
      { cwd: dir },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('dnsplane: --heap-growth must be an integer >= 0 and <= 1000, got "-5"');
  });

  it('documents its default in --help', async () => {
    const result = await runDnsplane(['authority', '--help'], { cwd: await tempDir() });
    expect(result.stdout).toMatch(/--heap-growth <percent>[\s\S]*\(default: "50"[,)]/);
  });

  it('starts and stops cleanly with a tight setting', async () => {
    const dir = await tempDir();
    const bin = path.resolve(import.meta.dirname, '../../bin/dnsplane.js');
    const child = spawn(
      process.execPath,
      [bin, 'authority', '--heap-growth', '10', '--api-port', '0', '--dns-port', '0', '--data', path.join(dir, 'data')],
      {
        env: { ...process.env, DNSPLANE_LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk) => (out += chunk) && out.includes('dnsplane authority ready:') && resolve());
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
