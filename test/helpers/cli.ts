// Runs the dnsplane CLI as a user does (node bin/dnsplane.js ...): to completion (runDnsplane), or as a
// long-running child whose output a test watches (spawnDnsplane).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, '../../bin/dnsplane.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runDnsplane(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  const env = { ...process.env, DNSPLANE_LOG_LEVEL: 'silent', ...options.env };
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env, cwd: options.cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

export interface DnsplaneProcess {
  readonly child: ChildProcess;
  /** Everything the child has printed so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** The exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** Resolves with the first match of pattern in stdout; rejects, with the output so far, if the child exits first. */
  waitForStdout(pattern: RegExp): Promise<RegExpExecArray>;
}

/**
 * Starts `node bin/dnsplane.js ...args` with the caller's environment unchanged (unlike runDnsplane, logs are not
 * silenced: some tests check what a user sees by default). The caller stops it (child.kill) and awaits exited.
 */
export function spawnDnsplane(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): DnsplaneProcess {
  const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    async waitForStdout(pattern) {
      for (;;) {
        const match = pattern.exec(stdout);
        if (match) return match;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`dnsplane ${args[0]} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}: ${stdout}${stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}
