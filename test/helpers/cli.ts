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

export async function runDnsplane(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<CliResult> {
  // No config file unless a test names one: a stray .dnsplane/config.yaml in a shared cwd must not steer a test.
  const env = { ...process.env, DNSPLANE_LOG_LEVEL: 'silent', DNSPLANE_CONFIG: '', ...options.env };
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env, cwd: options.cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

export interface DnsplaneProcess {
  readonly child: ChildProcess;
  /** Everything the child has printed so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** The exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /**
   * Resolves with the first match of pattern in the child's stdout (or stderr); rejects, with the output so far,
   * if the child exits first or timeoutMs passes (default: none, the test's own timeout bounds it).
   */
  waitFor(pattern: RegExp, options?: { stream?: 'stdout' | 'stderr'; timeoutMs?: number }): Promise<RegExpExecArray>;
}

/**
 * Starts `node bin/dnsplane.js ...args` with the caller's environment unchanged (unlike runDnsplane, logs are not
 * silenced: some tests check what a user sees by default). The caller stops it (child.kill) and awaits exited.
 */
export function spawnDnsplane(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): DnsplaneProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
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
    async waitFor(pattern, { stream = 'stdout', timeoutMs = Infinity } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(stream === 'stdout' ? stdout : stderr);
        if (match) return match;
        const ended = child.exitCode !== null || child.signalCode !== null;
        if (ended || Date.now() > deadline) {
          const why = ended ? `exited (${child.exitCode ?? child.signalCode})` : `ran ${timeoutMs} ms`;
          throw new Error(`dnsplane ${args[0]} ${why} without printing ${pattern} to ${stream}: ${stdout}${stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}
