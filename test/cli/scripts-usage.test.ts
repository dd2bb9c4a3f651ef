// The scripts people run by hand, as they meet them first: --help, a mistyped option, a bad value.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts/unbound.sh');

function run(args: string[], command = SCRIPT): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, timeout: 20_000 }, (error, stdout, stderr) => {
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
    expect((await run([])).stderr).toContain('unbound: start, stop or flush?');
  });

  it('names a bad --port instead of starting unbound on port NaN', async () => {
    const bad = await run(['start', '--port', 'abc', '--zone', 'example.test']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unbound: --port must be an integer >= 0 and <= 65535, got "abc"');
  });
});

describe('npm run soak / bench / conformance usage', () => {
  const script = (name: string, args: string[]) =>
    run(['bin/run-ts.js', `scripts/${name}.ts`, ...args], process.execPath);

  it('print their usage on --help and name a mistyped option or a bad value (exit 2) without a stack trace', async () => {
    const [soakHelp, benchHelp, soakBogus, benchBogus, soakRuns] = await Promise.all([
      script('soak', ['--help']),
      script('bench', ['--help']),
      script('soak', ['--bogus']),
      script('bench', ['--bogus']),
      script('soak', ['--runs', '0']),
    ]);
    expect([soakHelp.code, benchHelp.code]).toEqual([0, 0]);
    expect(soakHelp.stdout).toMatch(/^usage: npm run soak -- .*--design safe\|legacy/);
    expect(benchHelp.stdout).toMatch(/^usage: npm run bench -- \[--quick\]/);
    expect([soakBogus.code, benchBogus.code, soakRuns.code]).toEqual([2, 2, 2]);
    expect(soakBogus.stderr).toContain("soak: Unknown option '--bogus'");
    expect(benchBogus.stderr).toContain("bench: Unknown option '--bogus'");
    expect(soakRuns.stderr).toContain('soak: --runs must be a positive integer, got 0');
    for (const result of [soakBogus, benchBogus, soakRuns]) expect(result.stderr).not.toContain('    at ');
  });

  it('npm run conformance: a usage error exits 2, as documented (1 means a case failed)', async () => {
    const [bogus, badStart] = await Promise.all([
      script('conformance', ['--bogus']),
      script('conformance', ['--start', 'nosuch']),
    ]);
    expect([bogus.code, badStart.code]).toEqual([2, 2]);
    expect(bogus.stderr).toContain("error: unknown option '--bogus'");
    expect(badStart.stderr).toContain("argument 'nosuch' is invalid. Allowed choices are moto, authority");
  });
});
