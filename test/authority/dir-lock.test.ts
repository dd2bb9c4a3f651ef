// One authority per data directory, also when several start at once on the lock a crashed one left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { lockDataDir } from '../../src/authority/store/dir-lock.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('./dir-lock.fixture.ts', import.meta.url));

let dir: string;
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Starts a starter; resolves with its outcome line and the child, which holds a won lock until `stdin.end()`. */
async function starter(dataDir: string, start = 0): Promise<{ outcome: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['bin/run-ts.js', fixture, dataDir, String(start)], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const [outcome] = (await Promise.race([once(lines, 'line'), once(lines, 'close').then(() => [undefined])])) as [
    string | undefined,
  ];
  if (outcome === undefined) throw new Error('a starter exited without saying whether it won');
  return { outcome, child };
}

async function finish(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map((child) => {
      const exited = child.exitCode !== null ? Promise.resolve() : once(child, 'exit');
      child.stdin!.end();
      return exited;
    }),
  );
}

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
    const second = await starter(dir);
    await finish([second.child]);
    expect(second.outcome).toBe(`lost: data directory ${dir} is in use by another authority (pid ${process.pid})`);
    expect(await fs.readdir(dir)).toEqual(['authority.lock']);
    release();
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('lets exactly one of six starters racing for the same stale lock win', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-lock-'));
    await fs.writeFile(path.join(dir, 'authority.lock'), String(await deadPid()));
    // All try at the same instant (once every process has loaded; a slow one just tries later), and a winner
    // holds its lock until every starter has reported.
    const start = Date.now() + 2_500;
    const starters = await Promise.all(Array.from({ length: 6 }, () => starter(dir, start)));
    await finish(starters.map(({ child }) => child));
    const outcomes = starters.map(({ outcome }) => outcome);
    expect(outcomes.filter((outcome) => outcome === 'won')).toHaveLength(1);
    for (const outcome of outcomes.filter((o) => o !== 'won'))
      expect(outcome).toMatch(/^lost: data directory .* is in use by another authority \(pid \d+\)$/);
    expect(await fs.readdir(dir)).toEqual([]);
  }, 30_000);
});
