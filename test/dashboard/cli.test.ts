// `dnsplane dashboard` as a user runs it: next to an enactor's audit log and a probe's status file, on an
// ephemeral port, printing its address, serving the status, and stopping cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardStatus } from '../../src/dashboard/model.js';
import { AuditLog } from '../../src/enactor/audit.js';
import { runDnsplane } from '../helpers/cli.js';
import { host, startRig, type Rig } from '../enactor/harness.js';

const bin = path.resolve(import.meta.dirname, '../../bin/dnsplane.js');
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
    const child = spawn(process.execPath, [bin, 'dashboard', '--port', '0', '--plans', rig.store.dir, '--endpoint', rig.test.authority.endpoint, '--audit', 'audit.jsonl'], { cwd: rig.dir, env });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const match = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
        if (match) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before printing its address: ${stderr}`)));
    });
    try {
      const status = (await (await fetch(new URL('/api/status', url))).json()) as DashboardStatus;
      expect(status.endpoints).toEqual([expect.objectContaining({ endpoint: `${host('api')} A`, state: 'match', liveGeneration: 1, probe: [] })]);
      expect(status.enactors).toEqual([expect.objectContaining({ id: 'e1', state: 'applied' })]);
      expect(status.source).toContain('audit audit.jsonl');
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/dnsplane:/);
  });

  it('refuses a bad port and a store with no plan to take the zone from, naming the problem', async () => {
    const cwd = rig.dir;
    const port = await runDnsplane(['dashboard', '--port', '70000', '--plans', rig.store.dir], { cwd, env });
    expect(port).toMatchObject({ code: 1 });
    expect(port.stderr).toContain('dnsplane: --port must be an integer >= 0 and <= 65535, got "70000"');
    const empty = await runDnsplane(['dashboard', '--port', '0', '--plans', path.join(rig.dir, 'no-plans')], { cwd, env });
    expect(empty).toMatchObject({ code: 1 });
    expect(empty.stderr).toMatch(/dnsplane: no --zone given and no plan in .*no-plans to take the zone from/);
  });
});
