// The top of the command line as a newcomer meets it: `dnsplane --help` reads as a table of contents, each
// command's own --help keeps its full description, and mistakes get a one-line error, not a stack trace.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';
import { FilePlanStore } from '../../src/plan/file-store.js';
import { planOf } from '../enactor/harness.js';
import { runDnsplane, spawnDnsplane } from '../helpers/cli.js';

const root = path.resolve(import.meta.dirname, '../..');
const dnsplane = (...args: string[]) => runDnsplane(args, { cwd: os.tmpdir() });
const COMMANDS = [
  'authority',
  'probe',
  'plan',
  'planner',
  'fleet-sim',
  'race',
  'demo',
  'enact',
  'cleanup',
  'rollback',
  'freeze',
  'thaw',
  'status',
  'dashboard',
  'up',
  'down',
  'supervise',
];

describe('dnsplane (no subcommand)', () => {
  it('--help lists every command on one line of its own', async () => {
    const { code, stdout } = await dnsplane('--help');
    expect(code).toBe(0);
    const listing = stdout.slice(stdout.indexOf('Commands:'));
    for (const name of COMMANDS) expect(listing).toMatch(new RegExp(`^  ${name} +\\S.*$`, 'm'));
    // One line each: every line of the listing starts a command (no wrapped descriptions).
    const lines = listing.trim().split('\n').slice(1);
    expect(lines.every((line) => /^ {2}[a-z-]+ /.test(line))).toBe(true);
    expect(lines).toHaveLength(COMMANDS.length + 1); // and `help`
  });

  it("keeps each command's full description in its own --help", async () => {
    const { code, stdout } = await dnsplane('enact', '--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: dnsplane enact [options]');
    expect(stdout).toMatch(/Run a fenced enactor: read the latest plan, read the\s+zone/);
    expect(stdout).toContain('--single-writer');
  });

  it('--version prints the version from package.json', async () => {
    const { version } = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string };
    const { code, stdout } = await dnsplane('--version');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });

  it('with no command prints the help to stderr and exits 2 (usage)', async () => {
    const { code, stdout, stderr } = await dnsplane();
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Usage: dnsplane [options] [command]');
  });

  it('names an unknown command, suggests a near one, and prints no stack trace', async () => {
    const bogus = await dnsplane('bogus');
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain("dnsplane: unknown command 'bogus'");
    expect(bogus.stderr).not.toContain('error:');
    expect(bogus.stderr).not.toMatch(/^\s+at /m);
    const typo = await dnsplane('plna');
    expect(typo.stderr).toContain('Did you mean plan?');
  });

  it('stops quietly when the reader of its output has closed the pipe (`dnsplane ... | head`)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dnsplane-epipe-'));
    try {
      await new FilePlanStore(path.join(dir, 'plans')).write(planOf(1, { api: [1], www: [1] }));
      const listing = spawnDnsplane(['probe', '--list-targets', '--plans', path.join(dir, 'plans')], {
        env: { ...process.env, DNSPLANE_CONFIG: '' },
      });
      // Closed before the command (still starting) writes: its first write fails with EPIPE.
      listing.child.stdout!.destroy();
      expect(await listing.exited).toBe(0);
      expect(listing.stderr).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a command that talks to Route53', () => {
  let t: TestAuthority;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await startTestAuthority();
    await t.createZone('example.test.');
    env = {
      AWS_ACCESS_KEY_ID: t.authority.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: t.authority.credentials.secretAccessKey,
    };
  });
  afterAll(async () => t?.close());
  const status = (zone: string) =>
    runDnsplane(
      ['status', '--zone', zone, '--endpoint-url', t.authority.endpoint, '--plans', path.join(t.dataDir, 'no-plans')],
      { cwd: t.dataDir, env },
    );

  it("prints its output without the AWS SDK's Node 22 notice (on Node 20), and nothing else on stderr", async () => {
    const result = await status('example.test.');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('names the Route53 endpoint it asked when the zone cannot be found there', async () => {
    const result = await status('nosuch.test.');
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `dnsplane: looking up hosted zone nosuch.test. at ${t.authority.endpoint}: no hosted zone named nosuch.test. at this Route53 endpoint`,
    );
  });
});
