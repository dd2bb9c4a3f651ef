// `dnsplane up` supervises what it started: kill -9 an enactor, the authority, the planner, the probe and
// unbound, and each is started again by the supervisor (same ports), the zone converges again, DNS answers
// correctly through the authority and the resolver, and the probe reports ok again; `dnsplane down` still stops everything, the restarted processes and the supervisor too.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { processState, type Manifest } from '../../src/deploy/processes.js';
import { restartDelayMs } from '../../src/deploy/supervisor.js';
import { openPlanStore } from '../../src/plan/open-store.js';
import { parseServerAddress } from '../../src/probe/query.js';
import { readProbeStatus } from '../../src/probe/status-file.js';
import { waitForAnswer } from '../../src/scenario/recovery.js';
import { runDnsplane } from '../helpers/cli.js';
import { describeWithTools } from '../helpers/tools.js';
import { exited, FREE_PORTS, until, useRunDir, waitConverged } from './harness.js';

const PLANNED = ['192.0.2.10', '192.0.2.11', '192.0.2.20', '192.0.2.21', '192.0.2.30'];

it('backs off exponentially from 0.5 s to at most 30 s', () => {
  expect([0, 1, 2, 3, 10].map(restartDelayMs)).toEqual([500, 1000, 2000, 4000, 30_000]);
});

describeWithTools(['unbound', 'unbound-control'], 'dnsplane up supervises its processes', () => {
  const run = useRunDir('dnsplane-supervise-');

  it('restarts a kill -9ed enactor, authority, planner, probe and unbound; answers are correct again; down stops everything', async () => {
    const runDir = run.path;
    const started = await runDnsplane(
      [
        'up',
        '--run-dir',
        runDir,
        ...FREE_PORTS,
        '--no-dashboard',
        '--planner-interval',
        '500ms',
        '--enact-interval',
        '300ms',
      ],
      { cwd: runDir },
    );
    expect(started.code, started.stderr).toBe(0);
    const readManifest = async () => JSON.parse(await fs.readFile(path.join(runDir, 'up.json'), 'utf8')) as Manifest;
    const before = await readManifest();
    const { api, dns, resolver, plans } = before.endpoints;
    expect(before.supervisor && processState(before.supervisor)).toBe('ours');
    await waitConverged(api, 'example.test.', await openPlanStore(plans), 3, 60_000);

    const victims = ['enactor-use1-az2', 'authority', 'planner', 'probe', 'unbound'].map((name) =>
      before.processes.find((p) => p.name === name)!,
    );
    const killedAt = Date.now();
    for (const victim of victims) process.kill(victim.pid, 'SIGKILL');
    // Restarted means ready again (its ready line seen), not merely spawned: an enactor started while the
    // authority is still coming back may fail its start-up check and be restarted once more.
    const supervisorLog = path.join(runDir, 'logs', 'supervisor.log');
    const notYetRestarted = async () => {
      const log = await fs.readFile(supervisorLog, 'utf8');
      return victims.filter(
        (victim) => !new RegExp(`"component":"${victim.name}".*"msg":"component restarted"`).test(log),
      );
    };
    await until('the supervisor to log every component restarted', 120_000, async () =>
      (await notYetRestarted()).length === 0 ? true : undefined,
    ).catch(async (error: Error) => {
      // Say which component did not come back, with what the supervisor and that component logged.
      const missing = await notYetRestarted();
      const tails = await Promise.all(
        missing.map(async (victim) => {
          const own = await fs.readFile(victim.log, 'utf8').catch(() => '(no log)');
          return `--- ${victim.name} (${victim.log}):\n${own.split('\n').slice(-15).join('\n')}`;
        }),
      );
      const log = await fs.readFile(supervisorLog, 'utf8');
      throw new Error(
        `${error.message}; not restarted: ${missing.map((v) => v.name).join(', ')}\n--- supervisor.log:\n${log
          .split('\n')
          .slice(-40)
          .join('\n')}\n${tails.join('\n')}`,
      );
    });
    const now = await readManifest();
    const restarted = victims.map((victim) => now.processes.find((p) => p.name === victim.name)!);
    restarted.forEach((p, i) => {
      expect(p.pid).not.toBe(victims[i].pid);
      expect(processState(p)).toBe('ours');
    });

    // Same ports: the authority answers where everything was pointed, and so does the resolver in front of it.
    const accept = (reply: { rcodeName: string; values: string[] }) =>
      reply.rcodeName === 'NOERROR' &&
      reply.values.length > 0 &&
      reply.values.every((value) => PLANNED.includes(value));
    await waitForAnswer({ server: parseServerAddress(dns), name: 'api.example.test', accept, timeoutMs: 30_000 });
    await waitForAnswer({ server: parseServerAddress(resolver), name: 'api.example.test', accept, timeoutMs: 30_000 });
    await waitConverged(api, 'example.test.', await openPlanStore(plans), 3, 60_000);
    expect(await fs.readFile(supervisorLog, 'utf8')).toMatch(/"msg":"flushed unbound after the authority restart"/);
    // The restarted probe writes its status file again, and finds both paths answering as planned.
    await until('the restarted probe to report ok', 30_000, async () => {
      const status = await readProbeStatus(path.join(runDir, 'probe-status.json'));
      return status && Date.parse(status.updatedAt) > killedAt && status.diagnosis?.diagnosis === 'ok'
        ? true
        : undefined;
    });

    const stopped = await runDnsplane(['down', '--run-dir', runDir], { cwd: runDir });
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toMatch(/^supervisor +pid \d+ +stopped/m);
    const after = [...restarted, ...before.processes.filter((p) => !victims.includes(p)), before.supervisor!];
    await until('every process, restarted ones and the supervisor included, to have exited', 10_000, async () =>
      after.every((p) => exited(p.pid)) ? true : undefined,
    );
  }, 240_000);
});
