// `dnsplane up` / `dnsplane down` as a user runs them: the whole deployment as separate processes on free
// ports, converging through the real SDK and answering real DNS; then nothing left running.
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { DashboardStatus } from '../../src/dashboard/model.js';
import type { Manifest } from '../../src/deploy/processes.js';
import { openPlanStore } from '../../src/plan/open-store.js';
import { parseServerAddress, queryDns } from '../../src/probe/query.js';
import { readProbeStatus } from '../../src/probe/status-file.js';
import { runDnsplane, spawnDnsplane } from '../helpers/cli.js';
import { describeWithTools } from '../helpers/tools.js';
import { exited, FREE_PORTS, until, useRunDir, waitConverged } from './harness.js';

describeWithTools(['unbound'], 'dnsplane up / down', () => {
  const run = useRunDir('dnsplane-up-');

  it('starts every component as its own process, converges, answers DNS, and down leaves nothing running', async () => {
    const runDir = run.path;
    // The user's own settings file: up reads it, and never writes it.
    const userConfig = path.join(runDir, '.dnsplane', 'config.yaml');
    const userSettings = '# mine\nstatus:\n  request-timeout: 10s\n';
    await fs.mkdir(path.dirname(userConfig), { recursive: true });
    await fs.writeFile(userConfig, userSettings);
    const started = await runDnsplane(
      ['up', '--run-dir', runDir, ...FREE_PORTS, '--planner-interval', '500ms', '--enact-interval', '300ms'],
      { cwd: runDir, env: { DNSPLANE_CONFIG: undefined } },
    );
    expect(started.stderr + started.stdout, started.stderr).toContain(
      'dnsplane up: 9 processes running, zone example.test.',
    );
    expect(started.code).toBe(0);
    const manifest = JSON.parse(await fs.readFile(path.join(runDir, 'up.json'), 'utf8')) as Manifest;
    const names = manifest.processes.map((p) => p.name).sort();
    expect(names).toEqual([
      'authority',
      'dashboard',
      'enactor-use1-az1',
      'enactor-use1-az2',
      'enactor-use1-az4',
      'fleet-sim',
      'planner',
      'probe',
      'unbound',
    ]);
    for (const p of manifest.processes) {
      expect(exited(p.pid), `${p.name} is running`).toBe(false);
      expect(Number(await fs.readFile(path.join(runDir, 'pids', `${p.name}.pid`), 'utf8'))).toBe(p.pid);
      await fs.access(p.log);
    }
    expect(new Set(manifest.processes.map((p) => p.pid)).size).toBe(9);
    const { api, dns, resolver, dashboard, plans } = manifest.endpoints;
    expect(started.stdout).toContain(`dig @127.0.0.1 -p ${resolver.split(':')[1]} api.example.test A`);

    // Converged: every endpoint of the latest plan is live at that generation, read back through the SDK.
    const rows = await waitConverged(api, 'example.test.', await openPlanStore(plans), 3);
    expect(rows.map((row) => row.endpoint)).toEqual([
      'api.example.test. A',
      'api.example.test. AAAA',
      'www.example.test. A',
    ]);
    expect(rows.every((row) => row.fenceWriter?.startsWith('use1-az'))).toBe(true);

    // Real DNS: the authority answers authoritatively, and unbound resolves through it as clients would.
    const planned = ['192.0.2.10', '192.0.2.11', '192.0.2.20', '192.0.2.21', '192.0.2.30'];
    const direct = await queryDns({
      server: parseServerAddress(dns),
      name: 'api.example.test',
      type: 'A',
      timeoutMs: 2000,
      recursionDesired: false,
    });
    expect(direct.rcodeName).toBe('NOERROR');
    expect(direct.authoritative).toBe(true);
    expect(direct.values.length).toBeGreaterThan(0);
    for (const value of direct.values) expect(planned).toContain(value);
    const viaResolver = await queryDns({
      server: parseServerAddress(resolver),
      name: 'www.example.test',
      type: 'A',
      timeoutMs: 3000,
    });
    expect(viaResolver.rcodeName).toBe('NOERROR');
    expect(viaResolver.values).toHaveLength(1);
    expect(viaResolver.values[0]).toMatch(/^198\.51\.100\.[1-4]$/);

    // The probe process writes its status file with answers on both paths; the dashboard serves its JSON.
    await until('the probe to see every endpoint answered on both paths', 10_000, async () => {
      const probe = await readProbeStatus(path.join(runDir, 'probe-status.json'));
      const answered = probe?.endpoints.filter((entry) => entry.result === 'answered') ?? [];
      return new Set(answered.map((entry) => entry.path)).size === 2 && answered.length === 6 ? true : undefined;
    });
    const page = (await (await fetch(new URL('/api/status', dashboard))).json()) as DashboardStatus;
    expect(page.errors).toEqual([]);
    expect(page.endpoints).toHaveLength(3);
    // Every enactor of the deployment is listed under its AZ name (the run manifest names them), whether or not
    // it has written an audit line; whoever applied has its activity from the shared audit log.
    expect(page.enactors.map((enactor) => enactor.id)).toEqual(['use1-az1', 'use1-az2', 'use1-az4']);
    for (const enactor of page.enactors) expect(enactor.knownFrom).toContain('run manifest');
    expect(page.enactors.some((enactor) => enactor.state === 'applied')).toBe(true);

    // up wrote .dnsplane/deployment.yaml here, not the user's config file: plain `dnsplane status` and
    // `dnsplane down` talk to this deployment.
    expect(await fs.readFile(userConfig, 'utf8')).toBe(userSettings);
    const withConfig = { cwd: runDir, env: { DNSPLANE_CONFIG: undefined } };
    const status = await runDnsplane(['status'], withConfig);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^(MATCH|BEHIND) +api\.example\.test\. A /m);
    // up wrote today's key names (endpoint-url, not the deprecated endpoint).
    expect(status.stderr).not.toContain('deprecated');
    // A plain probe asks the deployment's authority and its resolver, as the deployment's own probe does.
    const probe = await runDnsplane(['probe', '--once', '--json'], withConfig);
    expect(probe.code, probe.stderr).toBe(0);
    const paths = probe.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { path?: string })
      .flatMap((line) => (line.path ? [line.path] : []));
    expect(new Set(paths)).toEqual(new Set(['authority', 'resolver']));

    // A second up in the same directory starts from the user's settings, not from what the first one chose: its
    // plans are in its own run dir. Later commands then talk to the newest deployment.
    const second = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-up-second-'));
    try {
      const again = await runDnsplane(['up', '--run-dir', second, ...FREE_PORTS, '--no-unbound', '--no-dashboard'], {
        cwd: runDir,
        env: { DNSPLANE_CONFIG: undefined },
      });
      expect(again.code, again.stderr).toBe(0);
      const secondManifest = JSON.parse(await fs.readFile(path.join(second, 'up.json'), 'utf8')) as Manifest;
      expect(secondManifest.endpoints.plans).toBe(`file:${path.join(second, 'plans')}`);
      expect(secondManifest.endpoints.api).not.toBe(api);
      expect(await fs.readFile(userConfig, 'utf8')).toBe(userSettings);
      const stoppedSecond = await runDnsplane(['down'], withConfig);
      expect(stoppedSecond.code, stoppedSecond.stderr).toBe(0);
      expect(stoppedSecond.stdout).toMatch(/^planner +pid \d+ +stopped/m);
      await until('the second deployment to have exited', 3000, async () =>
        secondManifest.processes.every((p) => exited(p.pid)) ? true : undefined,
      );
    } finally {
      await runDnsplane(['down', '--run-dir', second, '--grace', '1s'], { cwd: second });
      await fs.rm(second, { recursive: true, force: true });
    }
    const stopped = await runDnsplane(['down', '--run-dir', runDir], withConfig);
    expect(stopped.code, stopped.stderr).toBe(0);
    // The nine components and the supervisor that restarts them.
    expect(stopped.stdout.trim().split('\n')).toHaveLength(10);
    expect(stopped.stdout).not.toMatch(/KILLED|not signalled|was not running/);
    await until('every started pid to have exited', 3000, async () =>
      manifest.processes.every((p) => exited(p.pid)) ? true : undefined,
    );
    await expect(fs.access(path.join(runDir, 'up.json'))).rejects.toThrow();
    // Logs and data stay for a post-mortem.
    await fs.access(path.join(runDir, 'logs', 'authority.log'));
  }, 180_000);

  it('fails naming the process and its log when a port is taken, and leaves nothing running', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-up-taken-'));
    try {
      const result = await runDnsplane(['up', '--run-dir', dir, ...FREE_PORTS, '--api-port', String(taken)], {
        cwd: dir,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `dnsplane: authority exited (code 1) before it was ready; see its log ${path.join(dir, 'logs', 'authority.log')}`,
      );
      expect(result.stderr).toContain(`API port ${taken} on 127.0.0.1 is already in use`);
      // The fleet simulator starts alongside the authority; up stopped it (by the pid it reports) and forgot the pids.
      const simPid = Number(/fleet-sim pid (\d+): stopped/.exec(result.stderr)?.[1]);
      expect(simPid).toBeGreaterThan(0);
      expect(exited(simPid)).toBe(true);
      await expect(fs.access(path.join(dir, 'up.json'))).rejects.toThrow();
      expect((await runDnsplane(['down', '--run-dir', dir], { cwd: dir })).stdout).toContain('nothing to stop');
    } finally {
      blocker.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('--foreground stays up until SIGTERM, then stops everything it started', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-up-fg-'));
    const up = spawnDnsplane(
      ['up', '--run-dir', dir, ...FREE_PORTS, '--no-unbound', '--no-dashboard', '--foreground'],
      { cwd: dir },
    );
    try {
      await up.waitFor(/Ctrl-C stops everything/, { timeoutMs: 30_000 });
      const manifest = JSON.parse(await fs.readFile(path.join(dir, 'up.json'), 'utf8')) as Manifest;
      expect(manifest.processes.map((p) => p.name).sort()).toEqual([
        'authority',
        'enactor-use1-az1',
        'enactor-use1-az2',
        'enactor-use1-az4',
        'fleet-sim',
        'planner',
        'probe',
      ]);
      expect(manifest.processes.some((p) => exited(p.pid))).toBe(false);
      up.child.kill('SIGTERM');
      expect(await up.exited).toBe(0);
      expect(up.stdout).toMatch(/authority +pid \d+ +stopped/);
      await until('every started pid to have exited', 3000, async () =>
        manifest.processes.every((p) => exited(p.pid)) ? true : undefined,
      );
    } finally {
      // Only if an assertion failed first: up in the foreground stops its processes on SIGTERM.
      if (up.child.exitCode === null && up.child.signalCode === null) {
        up.child.kill('SIGTERM');
        await up.exited;
      }
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('Ctrl-C while starting stops what was already started and fails', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-up-int-'));
    const up = spawnDnsplane(['up', '--run-dir', dir, ...FREE_PORTS, '--no-dashboard'], { cwd: dir });
    try {
      await up.waitFor(/starting planner/, { stream: 'stderr', timeoutMs: 30_000 });
      up.child.kill('SIGINT');
      expect(await up.exited).toBe(1);
      const { stderr } = up;
      expect(stderr).toMatch(/dnsplane: \S+ was still starting when up was interrupted; see its log/);
      const stopped = [...stderr.matchAll(/^ {2}(\S+) pid (\d+): stopped$/gm)].map((match) => ({
        name: match[1],
        pid: Number(match[2]),
      }));
      expect(stopped.map((p) => p.name)).toContain('authority');
      expect(stopped.map((p) => p.name)).toContain('planner');
      await until('every started pid to have exited', 3000, async () =>
        stopped.every((p) => exited(p.pid)) ? true : undefined,
      );
      await expect(fs.access(path.join(dir, 'up.json'))).rejects.toThrow();
    } finally {
      if (up.child.exitCode === null && up.child.signalCode === null) {
        up.child.kill('SIGTERM');
        await up.exited;
      }
      await runDnsplane(['down', '--run-dir', dir, '--grace', '1s'], { cwd: dir });
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
