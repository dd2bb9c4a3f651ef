// One authority per data directory, also when several start at once on the lock a crashed one left behind.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { lockDataDir } from '../../src/authority/store/dir-lock.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('./dir-lock.fixture.ts', import.meta.url));

let dir: string;
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited: what a lock left by kill -9 holds. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('the data directory lock', () => {
  it('takes over a lock whose owner is gone, refuses one whose owner runs, and leaves no stray files', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-lock-'));
    await fs.writeFile(path.join(dir, 'authority.lock'), String(await deadPid()));
    const release = lockDataDir(dir);
    expect(await fs.readFile(path.join(dir, 'authority.lock'), 'utf8')).toBe(String(process.pid));
    // A second taker in another process sees this one alive.
    const { stdout } = await run(process.execPath, ['bin/run-ts.js', fixture, dir, '0'], { cwd: root });
    expect(stdout.trim()).toBe(`lost: data directory ${dir} is in use by another authority (pid ${process.pid})`);
    expect(await fs.readdir(dir)).toEqual(['authority.lock']);
    release();
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('lets exactly one of six starters racing for the same stale lock win', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-lock-'));
    await fs.writeFile(path.join(dir, 'authority.lock'), String(await deadPid()));
    // All try at the same instant (once every process has loaded), and a winner holds its lock until every other
    // starter has tried.
    const start = String(Date.now() + 2_500);
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => run(process.execPath, ['bin/run-ts.js', fixture, dir, '1500', start], { cwd: root }).then(({ stdout }) => stdout.trim())));
    expect(outcomes.filter((outcome) => outcome === 'won')).toHaveLength(1);
    for (const outcome of outcomes.filter((o) => o !== 'won')) expect(outcome).toMatch(/^lost: data directory .* is in use by another authority \(pid \d+\)$/);
    expect(await fs.readdir(dir)).toEqual([]);
  }, 30_000);
});
