// Runs the dnsplane CLI as a user does (node bin/dnsplane.js ...) and returns its exit code and output.
import { execFile } from 'node:child_process';
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
