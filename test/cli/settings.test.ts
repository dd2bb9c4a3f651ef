// Where a flag's value comes from: the command line, then DNSPLANE_<FLAG>, then the YAML config file, then the
// deployment file `dnsplane up` wrote, then the default; the files are strict. Runs the real binary;
// `probe --list-targets` shows which plan store it read.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FilePlanStore } from '../../src/plan/file-store.js';
import { runDnsplane } from '../helpers/cli.js';

let dir: string;
const zone = 'settings.test.';

async function storeNaming(label: string): Promise<string> {
  const store = new FilePlanStore(path.join(dir, label));
  const endpoint = {
    name: `${label}.${zone}`,
    type: 'A' as const,
    ttl: 30,
    sets: [{ setIdentifier: 'a', weight: 1, values: ['192.0.2.1'] }],
  };
  await store.write({
    generation: 1,
    createdAt: new Date().toISOString(),
    createdBy: 'test',
    zone,
    endpoints: [endpoint],
  });
  return store.dir;
}

const listTargets = (args: string[], env: NodeJS.ProcessEnv) =>
  runDnsplane(['probe', '--list-targets', ...args], { cwd: dir, env: { DNSPLANE_CONFIG: undefined, ...env } });
// Each case spawns the CLI several times (tsx loads each time): seconds apiece on two busy cores.
const CLI_TIMEOUT_MS = 120_000;
const firstName = (stdout: string) => stdout.split('\t')[0];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-settings-'));
  await fs.mkdir(path.join(dir, '.dnsplane'));
});

describe('settings: flag > environment > config file > deployment file > default', () => {
  it(
    'takes each source in turn as the ones above it are removed',
    async () => {
      const [fromFile, fromEnv, fromFlag] = await Promise.all([
        storeNaming('file'),
        storeNaming('env'),
        storeNaming('flag'),
      ]);
      await fs.writeFile(
        path.join(dir, '.dnsplane/config.yaml'),
        `# a comment\nplans: ${fromFile}\nprobe:\n  type: A\n`,
      );
      expect(firstName((await listTargets(['--plans', fromFlag], { DNSPLANE_PLANS: fromEnv })).stdout)).toBe(
        `flag.${zone}`,
      );
      expect(firstName((await listTargets([], { DNSPLANE_PLANS: fromEnv })).stdout)).toBe(`env.${zone}`);
      expect(firstName((await listTargets([], {})).stdout)).toBe(`file.${zone}`);
      // DNSPLANE_CONFIG names another file, or none at all (then the default store, which is empty here).
      const other = path.join(dir, 'other.yaml');
      await fs.writeFile(other, `plans: ${fromEnv}\n`);
      expect(firstName((await listTargets([], { DNSPLANE_CONFIG: other })).stdout)).toBe(`env.${zone}`);
      const none = await listTargets([], { DNSPLANE_CONFIG: '' });
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('no plan in file:./.dnsplane/plans');
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "reads the deployment file `up` wrote below the user's config file, and neither when DNSPLANE_CONFIG is empty",
    async () => {
      const deployed = path.join(dir, 'deployed');
      await fs.mkdir(path.join(deployed, '.dnsplane'), { recursive: true });
      const [fromDeployment, fromConfig] = await Promise.all([storeNaming('deployment'), storeNaming('config')]);
      const inDeployed = (env: NodeJS.ProcessEnv) =>
        runDnsplane(['probe', '--list-targets'], { cwd: deployed, env: { DNSPLANE_CONFIG: undefined, ...env } });
      await fs.writeFile(path.join(deployed, '.dnsplane/deployment.yaml'), `plans: ${fromDeployment}\n`);
      expect(firstName((await inDeployed({})).stdout)).toBe(`deployment.${zone}`);
      await fs.writeFile(path.join(deployed, '.dnsplane/config.yaml'), `plans: ${fromConfig}\n`);
      expect(firstName((await inDeployed({})).stdout)).toBe(`config.${zone}`);
      expect((await inDeployed({ DNSPLANE_CONFIG: '' })).stderr).toContain('no plan in file:./.dnsplane/plans');
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'reads a boolean flag from its variable by value: DNSPLANE_X=false is off, a word that is neither is refused',
    async () => {
      const store = await storeNaming('bool');
      const probe = (env: NodeJS.ProcessEnv, ...args: string[]) =>
        runDnsplane(['probe', '--plans', store, ...args], { cwd: dir, env: { DNSPLANE_CONFIG: '', ...env } });
      expect(firstName((await probe({ DNSPLANE_LIST_TARGETS: 'yes' })).stdout)).toBe(`bool.${zone}`);
      // Off: one probe round against nothing instead of the list (commander alone took any value for on).
      const off = await probe(
        { DNSPLANE_LIST_TARGETS: 'false' },
        '--once',
        '--authority',
        '127.0.0.1:9',
        '--timeout',
        '50ms',
        '--no-status-file',
      );
      expect(off.stdout).not.toContain(`bool.${zone}\tA`);
      expect(off.stdout).toMatch(/TIMEOUT/);
      const neither = await probe({ DNSPLANE_LIST_TARGETS: 'maybe' });
      expect([neither.code, neither.stderr.trim()]).toEqual([
        2,
        'dnsplane: DNSPLANE_LIST_TARGETS="maybe" is not true or false (1/0, yes/no and on/off work too)',
      ]);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'shows the environment variable of every flag in --help',
    async () => {
      const help = await runDnsplane(['status', '--help'], { cwd: dir });
      for (const name of ['PLANS', 'ZONE', 'ENDPOINT_URL', 'REQUEST_TIMEOUT', 'JSON', 'PROBE_STATUS'])
        expect(help.stdout.replace(/\s+/g, ' ')).toContain(`env: DNSPLANE_${name}`);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'refuses a config file with an unknown key (top level or in a command section) or a bare-number duration, naming it (exit 2)',
    async () => {
      const config = path.join(dir, 'bad.yaml');
      await fs.writeFile(config, 'plns: file:x\n');
      const typo = await listTargets([], { DNSPLANE_CONFIG: config });
      expect(typo.code).toBe(2);
      expect(typo.stderr).toContain(`dnsplane: config file ${config} is not valid`);
      expect(typo.stderr).toMatch(/unknown key "plns" \(did you mean "plans"\?\)/);

      await fs.writeFile(config, `plans: ${path.join(dir, 'file')}\nprobe:\n  intervall: 1s\n`);
      const section = await listTargets([], { DNSPLANE_CONFIG: config });
      expect(section.code).toBe(2);
      expect(section.stderr).toContain(
        `config file ${config}, section probe: unknown key "intervall" (did you mean "interval"?)`,
      );

      await fs.writeFile(config, `plans: ${path.join(dir, 'file')}\nprobe:\n  interval: 60\n  count: 1\n`);
      const bare = await runDnsplane(['probe', '--authority', '127.0.0.1:9'], {
        cwd: dir,
        env: { DNSPLANE_CONFIG: config },
      });
      expect(bare.code).toBe(2);
      expect(bare.stderr).toContain(
        `dnsplane: --interval "60" has no unit: write 60ms or 60s (a bare number is refused; 0 needs none) (--interval was set in the config file ${config})`,
      );

      await fs.writeFile(config, 'plans: [unclosed\n');
      const notYaml = await listTargets([], { DNSPLANE_CONFIG: config });
      expect(notYaml.code).toBe(2);
      expect(notYaml.stderr).toContain(`config file ${config} is not YAML`);
    },
    CLI_TIMEOUT_MS,
  );
});
