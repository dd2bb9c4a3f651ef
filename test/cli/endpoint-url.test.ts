// --endpoint-url names the Route53 API URL (an "endpoint" in dnsplane is a DNS name and type). The old name
// keeps working everywhere a setting can come from (flag, DNSPLANE_ENDPOINT, `endpoint:` in the config file),
// hidden from --help, with a one-line notice on stderr, once; the new name wins where both are given.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDnsplane } from '../helpers/cli.js';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';

const COMMANDS_WITH_THE_FLAG = ['enact', 'cleanup', 'status', 'dashboard', 'plan', 'planner', 'rollback'];
// Nothing listens on port 9 (discard): a URL that must not be the one used.
const NOWHERE = 'http://127.0.0.1:9';
const CLI_TIMEOUT_MS = 120_000;

describe('--endpoint-url', () => {
  it(
    'is what every command that talks to Route53 shows in --help, with its variable; --endpoint is not shown',
    async () => {
      const helps = await Promise.all(
        COMMANDS_WITH_THE_FLAG.map((name) => runDnsplane([name, '--help'], { cwd: os.tmpdir() })),
      );
      for (const [index, help] of helps.entries()) {
        const name = COMMANDS_WITH_THE_FLAG[index];
        expect(help.code, name).toBe(0);
        expect(help.stdout, name).toMatch(/^ {2}--endpoint-url <url> /m);
        expect(help.stdout.replace(/\s+/g, ' '), name).toContain('env: DNSPLANE_ENDPOINT_URL');
        expect(help.stdout, name).not.toMatch(/--endpoint[ =<]/);
      }
    },
    CLI_TIMEOUT_MS,
  );

  describe('and the deprecated --endpoint', () => {
    let t: TestAuthority;
    let env: NodeJS.ProcessEnv;
    beforeAll(async () => {
      t = await startTestAuthority();
      await t.createZone('example.test.');
      env = {
        AWS_ACCESS_KEY_ID: t.authority.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: t.authority.credentials.secretAccessKey,
        AWS_ENDPOINT_URL: undefined,
        AWS_ENDPOINT_URL_ROUTE_53: undefined,
      };
    });
    afterAll(async () => t?.close());
    // Exit 0 only if the zone was found, i.e. the command asked the authority and not NOWHERE.
    const status = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
      runDnsplane(['status', '--zone', 'example.test.', '--plans', path.join(t.dataDir, 'no-plans'), ...args], {
        cwd: t.dataDir,
        env: { ...env, ...extraEnv },
      });
    const notices = (stderr: string) => stderr.split('\n').filter((line) => line.includes('deprecated'));

    it(
      'still works on the command line, in the environment and in the config file, saying so once on stderr',
      async () => {
        const config = path.join(t.dataDir, 'old-key.yaml');
        await writeFile(config, `endpoint: ${t.authority.endpoint}\n`);
        const [flag, twice, variable, file, current] = await Promise.all([
          status(['--endpoint', t.authority.endpoint]),
          status([`--endpoint=${t.authority.endpoint}`, '--endpoint', t.authority.endpoint]),
          status([], { DNSPLANE_ENDPOINT: t.authority.endpoint }),
          status([], { DNSPLANE_CONFIG: config }),
          status(['--endpoint-url', t.authority.endpoint]),
        ]);
        expect(flag.code).toBe(0);
        expect(flag.stderr).toBe(
          'dnsplane: --endpoint is deprecated: use --endpoint-url (the Route53 API URL; an endpoint is a DNS name and type)\n',
        );
        expect(twice.code).toBe(0);
        expect(notices(twice.stderr)).toHaveLength(1);
        expect(variable.code).toBe(0);
        expect(notices(variable.stderr)).toEqual([
          'dnsplane: DNSPLANE_ENDPOINT is deprecated: set DNSPLANE_ENDPOINT_URL (the Route53 API URL; an endpoint is a DNS name and type)',
        ]);
        expect(file.code).toBe(0);
        expect(notices(file.stderr)).toEqual([
          'dnsplane: the config file key "endpoint" is deprecated: write "endpoint-url" (the Route53 API URL; an endpoint is a DNS name and type)',
        ]);
        expect(current).toMatchObject({ code: 0, stderr: '' });
      },
      CLI_TIMEOUT_MS,
    );

    it(
      'keeps the usual order (command line > environment > config file), and --endpoint-url wins a tie',
      async () => {
        const config = path.join(t.dataDir, 'new-key.yaml');
        await writeFile(config, `endpoint-url: ${NOWHERE}\n`);
        const results = await Promise.all([
          status(['--endpoint', t.authority.endpoint], { DNSPLANE_ENDPOINT_URL: NOWHERE }),
          status(['--endpoint', NOWHERE, '--endpoint-url', t.authority.endpoint]),
          status(['--endpoint-url', t.authority.endpoint], { DNSPLANE_ENDPOINT: NOWHERE }),
          status([], { DNSPLANE_ENDPOINT: t.authority.endpoint, DNSPLANE_CONFIG: config }),
        ]);
        for (const result of results) expect(result.code, result.stderr).toBe(0);
      },
      CLI_TIMEOUT_MS,
    );
  });
});
