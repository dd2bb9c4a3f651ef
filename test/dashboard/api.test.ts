// The dashboard's JSON over what separately started processes leave behind, as `dnsplane dashboard` reads it:
// a real authority written by a real enactor (with its audit log), a real probe's status file, and the HTTP
// API read back over a real socket.
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSource } from '../../src/dashboard/file-source.js';
import type { Activity, DashboardStatus, Timeline } from '../../src/dashboard/model.js';
import { startDashboard, type DashboardServer } from '../../src/dashboard/server.js';
import { AuditLog } from '../../src/enactor/audit.js';
import { Probe } from '../../src/probe/probe.js';
import { probeStatus, writeProbeStatus } from '../../src/probe/status-file.js';
import { latestPlanTargets } from '../../src/probe/targets.js';
import { toSdkRecordSet } from '../../src/route53/recordset.js';
import { MemoryPlanStore } from '../../src/scenario/memory-plan-store.js';
import { host, planOf, startRig, type Rig } from '../enactor/harness.js';

const API = `${host('api')} A`;
let rig: Rig;
let probe: Probe;
let source: FileSource;
let dashboard: DashboardServer;
let statusFile: string;
let auditFile: string;

const get = async <T>(route: string): Promise<T> => {
  const response = await fetch(new URL(route, dashboard.url));
  expect(response.status, `GET ${route}`).toBe(200);
  return (await response.json()) as T;
};

/** One probe round, its status file written, and the dashboard's poll of the files: what a running set does. */
async function probeAndPoll(): Promise<void> {
  const round = await probe.runRound();
  await writeProbeStatus(statusFile, probeStatus(probe, round.generation));
  await source.poll();
}

beforeAll(async () => {
  rig = await startRig();
  statusFile = path.join(rig.dir, 'probe-status.json');
  auditFile = path.join(rig.dir, 'audit.jsonl');
  probe = new Probe({
    targets: latestPlanTargets(rig.store),
    authority: { host: rig.test.authority.host, port: rig.test.authority.dnsPort },
    timeoutMs: 1000,
  });
  // Polled by hand in the tests (poll()), so that each step is read exactly once.
  source = new FileSource({
    store: rig.store,
    client: rig.port,
    zoneId: rig.zoneId,
    probeStatusFile: statusFile,
    auditFile,
    pollMs: 3_600_000,
  });
  dashboard = await startDashboard({ source, port: 0 });
});

afterAll(async () => {
  await dashboard?.close();
  await source?.close();
  await rig?.close();
});

describe('dashboard JSON over plan store, Route53, probe status file and audit log', () => {
  it('shows an applied endpoint as match, with the probe answer, the enactor and its audit lines', async () => {
    await rig.writePlan(1, { api: [10, 20] });
    const audit = new AuditLog(auditFile);
    await rig.enactor('e1', { audit }).runOnce();
    await probeAndPoll();

    const status = await get<DashboardStatus>('/api/status');
    expect(status.plannedGeneration).toBe(1);
    expect(status.errors).toEqual([]);
    expect(status.endpoints).toEqual([
      expect.objectContaining({
        endpoint: API,
        state: 'match',
        plannedGeneration: 1,
        liveGeneration: 1,
        fenceWriter: 'e1',
        liveMatchesLatest: true,
        recordSets: 2,
      }),
    ]);
    // The header names the zone (from the plan), not only its id; no freeze yet, then the store's marker as it is.
    expect([status.zone, status.zoneId, status.freeze]).toEqual(['dnsplane.test.', rig.zoneId, null]);
    expect(status.storeBehind).toBeNull();
    const freeze = { reason: 'incident 42', author: 'ops@host', at: new Date().toISOString() };
    await rig.store.writeFreeze(freeze);
    await source.poll();
    expect((await get<DashboardStatus>('/api/status')).freeze).toEqual(freeze);
    await rig.store.clearFreeze();
    await source.poll();
    const [cell] = status.endpoints[0].probe;
    expect(cell).toMatchObject({ path: 'authority', result: 'answered' });
    expect(cell.latencyMs).toBeGreaterThan(0);
    expect(status.enactors).toEqual([
      expect.objectContaining({
        id: 'e1',
        state: 'applied',
        lastApply: expect.objectContaining({ generation: 1, endpoints: [API] }),
      }),
    ]);

    const { entries } = await get<{ entries: Activity[] }>('/api/audit?limit=10');
    expect(entries.map((entry) => [entry.enactor, entry.kind, entry.generation, entry.endpoints])).toEqual([
      ['e1', 'applied', 1, [API]],
    ]);
  });

  it('shows a guard refusal, the endpoint behind its newer plan, and marks both on the timeline', async () => {
    // Every set at weight 0: the guard refuses it (Route53 would spread traffic over drained targets).
    await rig.writePlan(2, { api: [0, 0] });
    await rig.enactor('e1', { audit: new AuditLog(auditFile) }).runOnce();
    await probeAndPoll();

    const status = await get<DashboardStatus>('/api/status');
    // The rest of api's shard moved to 2 without it: api is excluded (x=), on older content.
    expect(status.endpoints[0]).toMatchObject({
      state: 'behind',
      reason: expect.stringMatching(/x= in the fence/),
      liveGeneration: null,
      plannedGeneration: 2,
      liveMatchesFence: null,
      liveMatchesLatest: false,
    });
    expect(status.enactors[0]).toMatchObject({ state: 'guard-refused', lastApply: { generation: 1 } });
    const timeline = await get<Timeline>('/api/timeline');
    const marks = timeline.marks.map((mark) => `${mark.kind}:${mark.generation}`);
    expect(marks).toEqual(expect.arrayContaining(['plan:1', 'plan:2', 'applied:1', 'guard-refused:2']));
  });

  it("turns the endpoint EMPTY when its records are deleted behind the enactors' backs, and the timeline shows nxdomain", async () => {
    const live = (await rig.view()).endpoints.get(API)!;
    await rig.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: rig.zoneId,
        ChangeBatch: {
          Changes: live.sets.map((set) => ({ Action: 'DELETE', ResourceRecordSet: toSdkRecordSet(set) })),
        },
      }),
    );
    await probeAndPoll();

    const status = await get<DashboardStatus>('/api/status');
    expect(status.endpoints[0]).toMatchObject({ endpoint: API, state: 'empty', recordSets: 0 });
    // Nothing is left at the name (fences live under _dnsplane, not below the endpoint): NXDOMAIN.
    expect(status.endpoints[0].probe[0].result).toBe('nxdomain');
    const timeline = await get<Timeline>('/api/timeline');
    expect(timeline.endpoints).toEqual([API]);
    expect(timeline.observations.map((observation) => observation.result)).toEqual([
      'answered',
      'answered',
      'nxdomain',
    ]);
    // since= gives only what is newer: the page asks for the tail.
    const last = timeline.observations[1].at;
    const tail = await get<Timeline>(`/api/timeline?since=${last}`);
    expect(tail.observations.map((observation) => observation.result)).toEqual(['nxdomain']);
  });

  it('with a read interval, reuses its last Route53 reading instead of listing the zone for every page', async () => {
    const thrifty = new FileSource({
      store: rig.store,
      client: rig.port,
      zoneId: rig.zoneId,
      pollMs: 3_600_000,
      readIntervalMs: 60_000,
    });
    try {
      expect((await thrifty.status()).endpoints[0]).toMatchObject({ endpoint: API, recordSets: 0 });
      await rig.writePlan(3, { api: [10, 20] });
      await rig.enactor('e2').runOnce();
      expect((await thrifty.status()).endpoints[0]).toMatchObject({ recordSets: 0 }); // the reading of a moment ago
      expect((await source.status()).endpoints[0]).toMatchObject({ recordSets: 2, liveGeneration: 3 }); // no interval: read afresh
    } finally {
      await thrifty.close();
    }
  });

  it('says so when the probe status file stopped being written (a dead probe must not look like a green one)', async () => {
    const oldFile = path.join(rig.dir, 'old-probe-status.json');
    const status = probeStatus(probe);
    await writeProbeStatus(oldFile, { ...status, updatedAt: new Date(Date.now() - 600_000).toISOString() });
    const reader = new FileSource({
      store: rig.store,
      client: rig.port,
      zoneId: rig.zoneId,
      probeStatusFile: oldFile,
      pollMs: 3_600_000,
    });
    try {
      const { errors } = await reader.status();
      expect(errors).toEqual([
        expect.stringMatching(
          /^probe status file: .*old-probe-status\.json was last written 6\d\d s ago .*is `dnsplane probe` still running/,
        ),
      ]);
    } finally {
      await reader.close();
    }
  });

  it('serves the page, its scripts, SSE and Prometheus, and rejects bad queries with the parameter named', async () => {
    const page = await fetch(dashboard.url);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<table id="endpoints">');
    for (const file of ['app.js', 'chart.js', 'style.css'])
      expect((await fetch(new URL(file, dashboard.url))).status).toBe(200);

    await source.poll(); // what the running dashboard does every --poll: it sees plan 3 and drops its cached status
    const metrics = await fetch(new URL('/metrics', dashboard.url));
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/dnsplane_enactor_batches_accepted_total\{enactor="e1"\} [1-9]/);
    expect(text).toMatch(/dnsplane_enactor_guard_refusals_total\{enactor="e1",reason="all-weight-zero"\} 1/);
    expect(text).toContain('dnsplane_probe_observations_total');
    // The page's verdict as a gauge one can alert on. The probe's last word (nodata, before plan 3 was applied)
    // still says empty: the probe status file was not written since.
    expect(text).toContain(`dnsplane_dashboard_endpoint_state{endpoint="${API}",state="empty"} 1`);
    expect(text).toContain(`dnsplane_dashboard_endpoint_state{endpoint="${API}",state="match"} 0`);
    expect(text).toContain('dnsplane_dashboard_planned_generation 3');
    expect(text).toContain(`dnsplane_dashboard_live_generation{endpoint="${API}"} 3`);

    const events = await fetch(new URL('/events', dashboard.url));
    expect(events.headers.get('content-type')).toBe('text/event-stream');
    const reader = events.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('event: change');
    await reader.cancel();

    const bad = await fetch(new URL('/api/timeline?since=yesterday', dashboard.url));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: 'query parameter since must be an integer from 0 to 9007199254740991, got "yesterday"',
    });
    expect((await fetch(new URL('/api/audit?limit=0', dashboard.url))).status).toBe(400);
    expect((await fetch(new URL('/nope', dashboard.url))).status).toBe(404);
    expect((await fetch(dashboard.url, { method: 'POST' })).status).toBe(405);
  });

  it('says when the plan store is behind the zone (every enactor stands down on it), and what to run', async () => {
    const next = Math.max(2, ((await rig.store.latest())?.generation ?? 0) + 1);
    await rig.writePlan(next, { api: [10, 20] });
    await rig.enactor('e1').runOnce();
    // A new store whose only plan is generation 1, below the fences the deployment's own store moved to.
    const fresh = new MemoryPlanStore();
    await fresh.write(planOf(1, { api: [10, 20] }));
    const behindSource = new FileSource({ store: fresh, client: rig.port, zoneId: rig.zoneId, pollMs: 3_600_000 });
    try {
      const status = await behindSource.status();
      expect(status.storeBehind).toEqual({
        highestPlan: 1,
        highestFence: next,
        message: `plan store is behind the zone: highest plan 1, live fences at ${next}; run \`dnsplane plan --write\` (it numbers from the live fences) or point --plans at the right store`,
      });
    } finally {
      await behindSource.close();
    }
    expect((await get<DashboardStatus>('/api/status')).storeBehind).toBeNull();
  });
});
