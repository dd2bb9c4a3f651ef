// `dnsplane enact --dry-run` as an operator runs it, against a real authority over HTTP: the exact changes the
// enactor would send with the guard's verdicts, nothing written; the same pass then sends exactly those. And the
// plan store that is behind the zone: said once, with what to run, by the enactor and by status.
import fs from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { FilePlanStore } from '../../src/plan/file-store.js';
import { listRecordSets } from '../../src/route53/paging.js';
import { cliRig, CLI_ENV, fenceGeneration, host, liveWeights, planOf, ZONE } from '../enactor/harness.js';
import { runDnsplane, spawnDnsplane } from '../helpers/cli.js';

const CLI_TIMEOUT_MS = 180_000;
const suite = cliRig();
const { cli } = suite;

/** Every ChangeResourceRecordSets the authority receives (accepted or not), and the zone's whole content. */
function watchZone() {
  const store = suite.rig.test.authority.store;
  const changes = vi.spyOn(store, 'changeResourceRecordSets');
  return {
    calls: () => changes.mock.calls.length,
    listing: async () => JSON.stringify(await listRecordSets(suite.rig.port, suite.rig.zoneId)),
    stop: () => changes.mockRestore(),
  };
}

describe('enact --dry-run', () => {
  it(
    'prints the exact changes and verdicts, sends no change request, and the next real pass sends exactly those',
    async () => {
      await suite.rig.writePlan(1, { api: [10, 20], www: [5] });
      expect((await suite.rig.enactor('e1').runOnce()).applied).toHaveLength(2);
      await suite.rig.writePlan(2, { api: [10, 0], www: [5], new: [7] });

      const zone = watchZone();
      const before = await zone.listing();
      const text = await cli('enact', '--id', 'preview', '--dry-run', ...suite.common);
      const json = await cli('enact', '--id', 'preview', '--dry-run', '--json', ...suite.common);
      expect([zone.calls(), await zone.listing()]).toEqual([0, before]);
      zone.stop();

      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain('plan generation 2: nothing is written');
      expect(text.stdout).toMatch(
        new RegExp(`${host('api')} A\\s+DELETE\\s+lb-1\\s+20\\s+30\\s+10\\.0\\.1\\.1\\s+apply`),
      );
      expect(text.stdout).toMatch(/^\s+CREATE\s+lb-1\s+0\s+30\s+10\.0\.1\.1$/m);
      expect(text.stdout).toMatch(new RegExp(`${host('new')} A\\s+CREATE\\s+lb-0\\s+7`));
      expect(text.stdout).toMatch(new RegExp(`${host('www')} A\\s+-\\s+in sync`));
      expect(text.stdout).toContain('Summary: Creates=1, Updates=1, Deletes=0');
      expect(text.stdout).toContain(
        '64 shard fence(s) to generation 2 (64 swapped, 0 created); 1 ChangeResourceRecordSets',
      );
      expect(text.stdout).toContain('Verdict: the guard would allow every change');

      const preview = JSON.parse(json.stdout);
      expect(preview.verdict.ok).toBe(true);
      const changed = preview.endpoints.filter((e: { changes: unknown[] }) => e.changes.length > 0);
      expect(changed.map((e: { endpoint: string }) => e.endpoint)).toEqual([`${host('api')} A`, `${host('new')} A`]);

      // One way to decide: the real pass applies what the preview showed, nothing else.
      const sent = await cli('enact', '--id', 'e1', '--once', '--json', ...suite.common);
      expect(sent.code, sent.stderr).toBe(0);
      expect(
        JSON.parse(sent.stdout)
          .applied.filter((key: string) => !key.startsWith(host('www')))
          .sort(),
      ).toEqual(changed.map((e: { endpoint: string }) => e.endpoint));
      expect(liveWeights(await suite.rig.view(), 'api')).toEqual([10, 0]);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "shows the guard's refusal per endpoint and for the pass, exits 3, and writes nothing",
    async () => {
      // Generation 3 drains every set of api: the guard refuses only-weight-0 endpoints.
      await suite.rig.writePlan(3, { api: [0, 0], www: [5], new: [7] });
      const zone = watchZone();
      const before = await zone.listing();
      const result = await cli('enact', '--id', 'preview', '--dry-run', ...suite.common);
      expect([zone.calls(), await zone.listing()]).toEqual([0, before]);
      zone.stop();
      expect(result.code).toBe(3);
      expect(result.stdout).toMatch(new RegExp(`${host('api')} A\\s+-.*REFUSED all-weight-zero: .*only weight-0 sets`));
      expect(result.stdout).toContain('Verdict: 1 endpoint(s) REFUSED by the guard; the rest would be sent');
      expect(fenceGeneration(await suite.rig.view(), 'api')).toBe(2);
    },
    CLI_TIMEOUT_MS,
  );
});

describe('a plan store below the live fences', () => {
  it(
    'enact says so once with what to run (loop or --once; --once exits 1), status shows it, and nothing is written',
    async () => {
      const live = fenceGeneration(await suite.rig.view(), 'www')!;
      const fresh = path.join(suite.rig.dir, 'fresh-plans');
      await new FilePlanStore(fresh).write(planOf(1, { api: [10, 20], www: [5], new: [7] }));
      const args = ['--plans', fresh, '--endpoint-url', suite.rig.test.authority.endpoint];
      const message = `plan store is behind the zone: highest plan 1, live fences at ${live}; run \`dnsplane plan --write\` (it numbers from the live fences) or point --plans at the right store`;

      const once = await runDnsplane(['enact', '--id', 'e2', '--once', ...args], {
        cwd: suite.rig.dir,
        env: { ...CLI_ENV, DNSPLANE_LOG_LEVEL: 'warn', DNSPLANE_LOG_FORMAT: 'text' },
      });
      expect(once.code, once.stderr).toBe(1);
      expect(once.stderr.split(message).length - 1).toBe(1);
      expect(once.stdout).toMatch(/generation 1: 0 applied, .* 3 stood down/);

      const status = await cli('status', ...args);
      expect(status.stdout).toContain(`! ${message}`);
      expect(JSON.parse((await cli('status', '--json', ...args)).stdout).storeBehind).toEqual({
        highestPlan: 1,
        highestFence: live,
      });
      expect(fenceGeneration(await suite.rig.view(), 'www')).toBe(live);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'a store with no plan at all (wiped, or a new one) beside a live zone: the same news and advice, nothing written',
    async () => {
      const live = fenceGeneration(await suite.rig.view(), 'www')!;
      const args = [
        '--plans',
        path.join(suite.rig.dir, 'wiped-plans'),
        '--endpoint-url',
        suite.rig.test.authority.endpoint,
        '--zone',
        ZONE,
      ];
      const message = `plan store is behind the zone: it holds no plan, live fences at ${live}; run \`dnsplane plan --write\` (it numbers from the live fences) or point --plans at the right store`;
      const once = await runDnsplane(['enact', '--id', 'e2', '--once', ...args], {
        cwd: suite.rig.dir,
        env: { ...CLI_ENV, DNSPLANE_LOG_LEVEL: 'warn', DNSPLANE_LOG_FORMAT: 'text' },
      });
      expect([once.code, once.stdout.trim()]).toEqual([1, 'no plan stored; nothing to do']);
      expect(once.stderr.split(message).length - 1, once.stderr).toBe(1);
      expect((await cli('enact', '--id', 'e2', '--dry-run', ...args)).stdout).toContain(`! ${message}`);
      const status = await cli('status', ...args);
      expect(status.stdout).toContain(`! ${message}`);
      expect(status.stdout).not.toContain('no fence is in the zone');
      expect(JSON.parse((await cli('status', '--json', ...args)).stdout).storeBehind).toEqual({
        highestPlan: 0,
        highestFence: live,
      });
      expect(fenceGeneration(await suite.rig.view(), 'www')).toBe(live);
    },
    CLI_TIMEOUT_MS,
  );

  it('a looping enactor warns once however many passes find it', async () => {
    const fresh = new FilePlanStore(path.join(suite.rig.dir, 'fresh-loop'));
    await fresh.write(planOf(1, { api: [10, 20], www: [5], new: [7] }));
    const lines: string[] = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(String(chunk)).msg), done()) }),
    );
    const enactor = suite.rig.enactor('loop', { store: fresh, logger });
    for (let pass = 0; pass < 3; pass++) expect((await enactor.runOnce()).storeBehind?.highestPlan).toBe(1);
    expect(lines.filter((line) => line.startsWith('plan store is behind the zone'))).toHaveLength(1);
  });
});

describe('enact readiness', () => {
  it(
    '/readyz stays 503 until a pass completes (a plan store that cannot be read), then turns 200; served on --metrics-host with process metrics',
    async () => {
      // A plan that cannot be read makes every pass fail until it is removed.
      const plans = path.join(suite.rig.dir, 'not-yet');
      const broken = path.join(plans, 'plan-000000000001.json');
      await fs.mkdir(plans);
      await fs.writeFile(broken, 'not JSON');
      const enactor = spawnDnsplane(
        [
          'enact',
          '--id',
          'r1',
          '--plans',
          plans,
          '--zone',
          'dnsplane.test.',
          '--endpoint-url',
          suite.rig.test.authority.endpoint,
          '--interval',
          '100ms',
          '--metrics-port',
          '0',
          // Another loopback address than the default 127.0.0.1: the fetches below only reach it if the flag is used.
          '--metrics-host',
          '127.0.0.2',
          '--log-format',
          'json',
        ],
        { cwd: suite.rig.dir, env: { ...process.env, ...CLI_ENV, DNSPLANE_CONFIG: '' } },
      );
      try {
        const [, port] = await enactor.waitFor(/"metricsPort":(\d+).*"msg":"enactor started"/, {
          stream: 'stderr',
          timeoutMs: 60_000,
        });
        await enactor.waitFor(/"msg":"enactor pass failed/, { stream: 'stderr', timeoutMs: 60_000 });
        const starting = await fetch(`http://127.0.0.2:${port}/readyz`);
        expect(starting.status).toBe(503);
        expect((await fetch(`http://127.0.0.2:${port}/healthz`)).status).toBe(200);
        await fs.rm(broken);
        await enactor.waitFor(/"msg":"enactor ready: enactor r1: first pass done/, {
          stream: 'stderr',
          timeoutMs: 60_000,
        });
        const ready = await fetch(`http://127.0.0.2:${port}/readyz`);
        expect([ready.status, await ready.text()]).toEqual([200, 'enactor r1: first pass done (generation none)\n']);
        expect(await (await fetch(`http://127.0.0.2:${port}/metrics`)).text()).toContain(
          'dnsplane_process_cpu_user_seconds_total',
        );
      } finally {
        enactor.child.kill('SIGTERM');
        await enactor.exited;
      }
    },
    CLI_TIMEOUT_MS,
  );
});
