// `dnsplane dashboard` as a user runs it: next to an enactor's audit log and a probe's status file, on an
// ephemeral port, printing its address, serving the status, and stopping cleanly on SIGTERM.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardStatus } from '../../src/dashboard/model.js';
import { AuditLog } from '../../src/enactor/audit.js';
import { runDnsplane, spawnDnsplane } from '../helpers/cli.js';
import { host, startRig, type Rig } from '../enactor/harness.js';

const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', DNSPLANE_LOG_LEVEL: 'silent' };
let rig: Rig;

beforeAll(async () => {
  rig = await startRig();
  await rig.writePlan(1, { api: [10, 20] });
  await rig.enactor('e1', { audit: new AuditLog(path.join(rig.dir, 'audit.jsonl')) }).runOnce();
});
afterAll(async () => {
  await rig.close();
});

describe('dnsplane dashboard', () => {
  it('prints its address, serves the status of the zone and the audit log, and stops on SIGTERM', async () => {
    const dashboard = spawnDnsplane(
      [
        'dashboard',
        '--port',
        '0',
        '--plans',
        rig.store.dir,
        '--endpoint-url',
        rig.test.authority.endpoint,
        '--audit',
        'audit.jsonl',
      ],
      { cwd: rig.dir, env },
    );
    const [, url] = await dashboard.waitFor(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/);
    try {
      const status = (await (await fetch(new URL('/api/status', url))).json()) as DashboardStatus;
      expect(status.endpoints).toEqual([
        expect.objectContaining({ endpoint: `${host('api')} A`, state: 'match', liveGeneration: 1, probe: [] }),
      ]);
      expect(status.enactors).toEqual([expect.objectContaining({ id: 'e1', state: 'applied' })]);
      expect(status.source).toContain('audit audit.jsonl');
    } finally {
      dashboard.child.kill('SIGTERM');
    }
    expect(await dashboard.exited).toBe(0);
    expect(dashboard.stderr).not.toMatch(/dnsplane:/);
  });

  it('refuses a bad port and a store with no plan to take the zone from, naming the problem', async () => {
    const cwd = rig.dir;
    const port = await runDnsplane(['dashboard', '--port', '70000', '--plans', rig.store.dir], { cwd, env });
    expect(port).toMatchObject({ code: 2 });
    expect(port.stderr).toContain('dnsplane: --port must be an integer >= 0 and <= 65535, got "70000"');
    const empty = await runDnsplane(['dashboard', '--port', '0', '--plans', path.join(rig.dir, 'no-plans')], {
      cwd,
      env,
    });
    expect(empty).toMatchObject({ code: 1 });
    expect(empty.stderr).toMatch(/dnsplane: no --zone given and no plan in .*no-plans to take the zone from/);
  });
});
