// scripts/unbound.sh as a person at a shell meets it first: --help, a mistyped option, a bad port.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = path.resolve(import.meta.dirname, '../../scripts/unbound.sh');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(SCRIPT, args, { timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('scripts/unbound.sh usage', () => {
  it('prints its usage on --help, and a usage error (exit 2, no stack trace) on an unknown option or command', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: scripts\/unbound\.sh start\|stop\|flush/);
    expect(help.stdout).toContain('--authority IP:PORT');

    const bogus = await run(['start', '--bogus']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain("unbound: Unknown option '--bogus'");
    expect(bogus.stderr).not.toContain('    at ');

    const frob = await run(['frob']);
    expect(frob.code).toBe(2);
    expect(frob.stderr).toContain('unbound: unknown command frob');
  });

  it('names a bad --port instead of starting unbound on port NaN', async () => {
    const bad = await run(['start', '--port', 'abc', '--zone', 'example.test']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unbound: --port must be an integer >= 0 and <= 65535, got "abc"');
  });
});
