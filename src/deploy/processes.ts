// The process side of `dnsplane up` / `dnsplane down`: start a component as its own detached process with its
// own log file, wait until its log says it is ready, remember it in the run directory, and later stop it by
// pid, but only after checking that the pid still runs the exact command line we started (pids are reused).
import { spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readJsonFile, writeJsonFile } from '../files/json.js';

/** One started process, as recorded in the run directory's manifest. */
export interface ManagedProcess {
  name: string;
  pid: number;
  /** The exact argv it was started with: `down` compares it with /proc/PID/cmdline before signalling. */
  argv: string[];
  log: string;
  /** How the supervisor starts it again after it dies: argv with the ports it first got, and its ready line. */
  restart?: { argv: string[]; cwd: string; ready: string };
}

export interface Manifest {
  startedAt: string;
  processes: ManagedProcess[];
  /** Addresses and files worth printing; filled in as components come up. */
  endpoints: Record<string, string>;
  /** The ids (--id) of the enactors it runs: the dashboard lists each, even before its first audit line. */
  enactors?: string[];
  /** Restarts the others when they die; `down` stops it first. */
  supervisor?: ManagedProcess;
}

export const MANIFEST_FILE = 'up.json';

export function runPaths(runDir: string) {
  return {
    manifest: path.join(runDir, MANIFEST_FILE),
    logs: path.join(runDir, 'logs'),
    pids: path.join(runDir, 'pids'),
  };
}

export async function readManifest(runDir: string): Promise<Manifest | undefined> {
  return (await readJsonFile(runPaths(runDir).manifest, 'run manifest')) as Manifest | undefined;
}

/** Written after every start, so a failed or interrupted `up` still leaves `down` everything it started. */
export async function writeManifest(runDir: string, manifest: Manifest): Promise<void> {
  const { manifest: file, pids } = runPaths(runDir);
  await fs.mkdir(pids, { recursive: true });
  await Promise.all(
    [...manifest.processes, ...(manifest.supervisor ? [manifest.supervisor] : [])].map((p) =>
      fs.writeFile(path.join(pids, `${p.name}.pid`), `${p.pid}\n`),
    ),
  );
  await writeJsonFile(file, manifest);
}

export interface StartSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Matched against the log file's text; the match is returned (capture groups carry ports and URLs). */
  ready: RegExp;
  timeoutMs: number;
  /**
   * Keep waiting for `ready` when the log shows an error line first (a restart while the parts it talks to are
   * still coming back logs a failed pass or two before it is ready); `up` itself fails at the first one.
   */
  tolerateErrors?: boolean;
  /** Aborting stops the wait (the caller then stops what was started). */
  signal?: AbortSignal;
}

export class StartError extends Error {
  constructor(name: string, log: string, reason: string) {
    super(`${name} ${reason}; see its log ${log}${logTail(log)}`);
    this.name = 'StartError';
  }
}

/**
 * Starts a process in its own session (so a Ctrl-C in the terminal that ran `up` does not reach it, and it
 * outlives `up`), with stdout and stderr appended to its log, and resolves once the log matches `ready`.
 */
export async function startProcess(
  spec: StartSpec,
  logDir: string,
  onSpawn: (process: ManagedProcess) => Promise<void>,
): Promise<RegExpMatchArray> {
  await fs.mkdir(logDir, { recursive: true });
  const log = path.join(logDir, `${spec.name}.log`);
  const handle = await fs.open(log, 'w');
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: ['ignore', handle.fd, handle.fd],
  });
  await handle.close();
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = signal ? `signal ${signal}` : `code ${code}`));
  child.once('error', (error) => (exit = error.message));
  child.unref();
  if (child.pid === undefined) {
    await sleep(0); // the 'error' event (e.g. ENOENT) arrives on the next tick
    throw new StartError(spec.name, log, `could not be started (${exit ?? 'no pid'})`);
  }
  await onSpawn({ name: spec.name, pid: child.pid, argv: [spec.command, ...spec.args], log });
  const deadline = Date.now() + spec.timeoutMs;
  for (;;) {
    const text = readText(log);
    const match = text.match(spec.ready);
    if (match) return match;
    // A part that logs an error before it is ready (a missing bucket, an unknown zone) fails up at once, naming it.
    const failure = spec.tolerateErrors ? undefined : firstErrorLogLine(text);
    if (failure) throw new StartError(spec.name, log, `failed before it was ready: ${failure}`);
    if (exit !== undefined) throw new StartError(spec.name, log, `exited (${exit}) before it was ready`);
    if (Date.now() > deadline) throw new StartError(spec.name, log, `was not ready within ${spec.timeoutMs} ms`);
    if (spec.signal?.aborted) throw new StartError(spec.name, log, 'was still starting when up was interrupted');
    await sleep(50);
  }
}

export type StopOutcome = 'stopped' | 'killed' | 'gone' | 'not-ours';

/**
 * Stops one recorded process: SIGTERM, then SIGKILL after `graceMs`. A pid that no longer runs the recorded
 * command line is never signalled ('gone' if nothing runs there, 'not-ours' if something else does).
 */
export async function stopProcess(process: ManagedProcess, graceMs: number): Promise<StopOutcome> {
  const state = processState(process);
  if (state !== 'ours') return state;
  signal(process.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (processState(process) !== 'ours') return 'stopped';
    await sleep(25);
  }
  if (processState(process) !== 'ours') return 'stopped';
  signal(process.pid, 'SIGKILL');
  while (processState(process) === 'ours') await sleep(25);
  return 'killed';
}

/** 'ours' while the pid runs exactly the recorded argv and is not a zombie waiting to be reaped. */
export function processState(recorded: ManagedProcess): 'ours' | 'gone' | 'not-ours' {
  const cmdline = readCmdline(recorded.pid);
  if (cmdline === undefined) return 'gone';
  // A zombie has exited already; its cmdline reads empty.
  if (cmdline.length === 0) return 'gone';
  const same = cmdline.length === recorded.argv.length && cmdline.every((arg, i) => arg === recorded.argv[i]);
  return same ? 'ours' : 'not-ours';
}

function readCmdline(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw === '' ? [] : raw.replace(/\0$/, '').split('\0');
  } catch {
    return undefined;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** The first pino line at level error or fatal, as "message: error", or undefined. */
export function firstErrorLogLine(text: string): string | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith('{') || !/"level":(50|60)\b/.test(line)) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; err?: { message?: string }; error?: unknown };
      const cause = entry.err?.message ?? (typeof entry.error === 'string' ? entry.error : undefined);
      return `${entry.msg ?? 'error'}${cause ? `: ${cause}` : ''}`;
    } catch {
      return line;
    }
  }
  return undefined;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function logTail(log: string): string {
  const lines = readText(log).trimEnd().split('\n').slice(-8).join('\n  ');
  return lines ? `; its last lines:\n  ${lines}` : ' (empty)';
}
