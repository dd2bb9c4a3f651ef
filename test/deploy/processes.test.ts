// Stopping by pid safely, with real processes: a recorded pid is signalled only while it runs the recorded
// command line, and a process that ignores SIGTERM is killed after the grace period.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  processState,
  readManifest,
  startProcess,
  stopProcess,
  type ManagedProcess,
} from '../../src/deploy/processes.js';

const children: number[] = [];

/** Starts `node -e script` and resolves once the script has printed its first line (its handlers are set). */
async function startNode(script: string): Promise<ManagedProcess> {
  const argv = [process.execPath, '-e', `${script}; console.log('ready')`];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child.pid!);
  await new Promise((resolve) => child.stdout.once('data', resolve));
  return { name: 'test', pid: child.pid!, argv, log: '' };
}

afterEach(() => {
  for (const pid of children.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('stopProcess', () => {
  it('never signals a pid that runs another command line', async () => {
    const other = await startNode('setTimeout(() => {}, 30000)');
    const recorded = { ...other, argv: [process.execPath, '-e', 'something else'] };
    expect(processState(recorded)).toBe('not-ours');
    expect(await stopProcess(recorded, 200)).toBe('not-ours');
    expect(processState(other)).toBe('ours');
  });

  it('stops with SIGTERM, and reports a pid with nothing behind it as gone', async () => {
    const sleeper = await startNode('setTimeout(() => {}, 30000)');
    expect(await stopProcess(sleeper, 5000)).toBe('stopped');
    expect(await stopProcess(sleeper, 5000)).toBe('gone');
  });

  it('kills a process that ignores SIGTERM once the grace period is over', async () => {
    const stubborn = await startNode("process.on('SIGTERM', () => {}); setTimeout(() => {}, 30000)");
    const started = Date.now();
    expect(await stopProcess(stubborn, 300)).toBe('killed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });
});

describe('startProcess', () => {
  it('names the process and its log when it exits before it is ready', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-proc-'));
    try {
      const recorded: ManagedProcess[] = [];
      const start = startProcess(
        {
          name: 'broken',
          command: process.execPath,
          args: ['-e', "console.error('no config'); process.exit(3)"],
          cwd: dir,
          env: process.env,
          ready: /ready/,
          timeoutMs: 5000,
        },
        path.join(dir, 'logs'),
        async (p) => void recorded.push(p),
      );
      await expect(start).rejects.toThrow(
        `broken exited (code 3) before it was ready; see its log ${path.join(dir, 'logs', 'broken.log')}; its last lines:\n  no config`,
      );
      expect(recorded).toHaveLength(1);
      expect(await readManifest(dir)).toBeUndefined();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('fails at an error line before the ready line, unless errors are tolerated (a restart while its peers return)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-proc-'));
    const script = `console.log(JSON.stringify({ level: 50, msg: 'pass failed: connect ECONNREFUSED' })); setTimeout(() => console.log('ready'), 300); setTimeout(() => {}, 10000)`;
    const spec = {
      name: 'slow-peer',
      command: process.execPath,
      args: ['-e', script],
      cwd: dir,
      env: process.env,
      ready: /^ready$/m,
      timeoutMs: 5000,
    };
    const started: ManagedProcess[] = [];
    const record = async (p: ManagedProcess) => {
      started.push(p);
      children.push(p.pid);
    };
    try {
      await expect(startProcess(spec, path.join(dir, 'a'), record)).rejects.toThrow(
        /slow-peer failed before it was ready: pass failed: connect ECONNREFUSED/,
      );
      const match = await startProcess({ ...spec, tolerateErrors: true }, path.join(dir, 'b'), record);
      expect(match[0]).toBe('ready');
      expect(started).toHaveLength(2);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
