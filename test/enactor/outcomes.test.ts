// Every kind of outcome of an enactor pass reaches all five sinks: the pass summary, a Prometheus metric, the
// log, an event and the audit file. Each case drives the real Enactor against the real authority into one kind.
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog, readAudit, type AuditEntry } from '../../src/enactor/audit.js';
import type { EnactorOptions, RunSummary } from '../../src/enactor/options.js';
import type { EnactorEvent } from '../../src/enactor/events.js';
import { hookPort } from '../../src/route53/port.js';
import { toSdkRecordSet } from '../../src/route53/recordset.js';
import { registry } from '../../src/telemetry/metrics.js';
import { host, stallingPort, startRig, type Rig } from './harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** One pass of a fresh enactor `id` with every sink captured. */
async function observedPass(r: Rig, id: string, options: Partial<EnactorOptions> = {}, before?: () => Promise<void>) {
  const logs: Array<{ msg: string } & Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(JSON.parse(chunk.toString()) as { msg: string });
      done();
    },
  });
  const auditFile = path.join(r.dir, `audit-${id}.jsonl`);
  const enactor = r.enactor(id, { logger: pino({ level: 'info' }, sink), audit: new AuditLog(auditFile), ...options });
  const events: EnactorEvent[] = [];
  enactor.on('event', (event) => events.push(event));
  await before?.();
  const summary = await enactor.runOnce();
  const audit: AuditEntry[] = await readAudit(auditFile).catch(() => []);
  return { summary, logs, events, audit };
}

/** The metric's value for these labels (0 when never set). */
async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const values = (await registry.getSingleMetric(name)!.get()).values;
  const match = values.find((value) => Object.entries(labels).every(([k, v]) => value.labels[k] === v));
  return match?.value ?? 0;
}

const api = () => `${host('api')} A`;

async function deleteAll(r: Rig, label: string) {
  const sets = (await r.view()).endpoints.get(`${host(label)} A`)!.sets;
  await r.client.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: r.zoneId,
      ChangeBatch: { Changes: sets.map((set) => ({ Action: 'DELETE', ResourceRecordSet: toSdkRecordSet(set) })) },
    }),
  );
}

interface Expected {
  summary: (summary: RunSummary) => unknown;
  metric: [string, Record<string, string>];
  log: RegExp;
  event: (event: EnactorEvent) => boolean;
  audit: (entry: AuditEntry) => boolean;
}

async function expectAllSinks(seen: Awaited<ReturnType<typeof observedPass>>, expected: Expected) {
  expect(expected.summary(seen.summary)).toBeTruthy();
  expect(await metric(...expected.metric)).toBeGreaterThan(0);
  expect(seen.logs.map((line) => line.msg)).toContainEqual(expect.stringMatching(expected.log));
  expect(seen.events.some(expected.event)).toBe(true);
  expect(seen.audit.some(expected.audit)).toBe(true);
}

describe('each outcome kind reaches the summary, a metric, the log, an event and the audit', () => {
  it('applied', async () => {
    rig = await startRig();
    await rig.writePlan(1, { api: [10] });
    const seen = await observedPass(rig, 'o-applied');
    await expectAllSinks(seen, {
      summary: (s) => s.applied.includes(api()),
      metric: ['dnsplane_enactor_generations_applied_total', { enactor: 'o-applied', kind: 'apply' }],
      log: /applied generation to shard/,
      event: (e) => e.type === 'batch-accepted' && e.endpoints.includes(api()),
      audit: (a) => a.outcome === 'accepted' && a.endpoint === api() && a.kind === 'apply',
    });
  });

  it('repaired', async () => {
    rig = await startRig();
    await rig.writePlan(1, { api: [10, 20] });
    await rig.enactor('bootstrap').runOnce();
    await deleteAll(rig, 'api');
    const seen = await observedPass(rig, 'o-repaired');
    await expectAllSinks(seen, {
      summary: (s) => s.repaired.includes(api()),
      metric: ['dnsplane_enactor_generations_applied_total', { enactor: 'o-repaired', kind: 'repair' }],
      log: /repaired shard/,
      event: (e) => e.type === 'batch-accepted' && e.endpoints.includes(api()),
      audit: (a) => a.outcome === 'accepted' && a.endpoint === api() && a.kind === 'repair',
    });
  });

  it('applied, though the response was lost', async () => {
    rig = await startRig();
    await rig.writePlan(1, { api: [10] });
    let lost = 0;
    const lossy = hookPort(rig.port, {
      after(call) {
        if (call.method === 'changeResourceRecordSets' && lost++ === 0)
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      },
    });
    const seen = await observedPass(rig, 'o-lost', { client: lossy });
    await expectAllSinks(seen, {
      summary: (s) => s.applied.includes(api()) && s.failed.length === 0,
      metric: ['dnsplane_enactor_generations_applied_total', { enactor: 'o-lost', kind: 'apply' }],
      log: /response was lost/,
      event: (e) => e.type === 'batch-accepted' && e.batch === 'lost-response',
      audit: (a) => a.outcome === 'accepted' && a.endpoint === api() && /response was lost/.test(a.detail ?? ''),
    });
  });

  it('stood down', async () => {
    rig = await startRig();
    await rig.writePlan(1, { api: [10] });
    await rig.enactor('bootstrap').runOnce();
    await rig.writePlan(2, { api: [20] });
    const slow = stallingPort(rig.port);
    const r = rig;
    const seen = await observedPass(r, 'o-stood-down', { client: slow.client }, async () => {
      // Once the slow enactor holds its batch, a newer plan lands first.
      void slow.stalled.then(async () => {
        await r.writePlan(3, { api: [30] });
        await r.enactor('fast').runOnce();
        slow.release();
      });
    });
    await expectAllSinks(seen, {
      summary: (s) => s.stoodDown.includes(api()),
      metric: ['dnsplane_enactor_fence_conflicts_total', { enactor: 'o-stood-down' }],
      log: /standing down/,
      event: (e) => e.type === 'stood-down' && e.endpoint === api(),
      audit: (a) => a.outcome === 'stood-down' && a.endpoint === api(),
    });
  });

  it('refused', async () => {
    rig = await startRig();
    await rig.writePlan(1, { api: [0, 0] });
    const seen = await observedPass(rig, 'o-refused');
    await expectAllSinks(seen, {
      summary: (s) => s.refused.some((entry) => entry.endpoint === api() && entry.reason === 'all-weight-zero'),
      metric: ['dnsplane_enactor_guard_refusals_total', { enactor: 'o-refused', reason: 'all-weight-zero' }],
      log: /refused/,
      event: (e) => e.type === 'refused' && e.endpoint === api() && e.reason === 'all-weight-zero',
      audit: (a) => a.outcome === 'refused' && a.endpoint === api(),
    });
  });

  it('poisoned', async () => {
    rig = await startRig();
    // A CNAME where the plan wants weighted A sets: Route53 refuses every batch that creates them.
    const cname = { name: host('bad'), type: 'CNAME' as const, ttl: 60, values: ['elsewhere.example.'] };
    await rig.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: rig.zoneId,
        ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: toSdkRecordSet(cname) }] },
      }),
    );
    await rig.writePlan(1, { good: [10], bad: [10] });
    const bad = `${host('bad')} A`;
    const seen = await observedPass(rig, 'o-poisoned');
    await expectAllSinks(seen, {
      summary: (s) => s.poisoned.includes(bad),
      metric: ['dnsplane_endpoint_poisoned', { endpoint: bad }],
      log: /endpoint poisoned/,
      event: (e) => e.type === 'refused' && e.endpoint === bad && e.reason === 'poisoned',
      audit: (a) => a.outcome === 'rejected' && a.endpoint === bad && /POISONED/.test(a.detail ?? ''),
    });
  });

  it('failed', async () => {
    rig = await startRig();
    await rig.writePlan(1, { api: [10] });
    const denied = hookPort(rig.port, {
      before(call) {
        if (call.method === 'changeResourceRecordSets')
          throw Object.assign(new Error('not allowed'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      },
    });
    const seen = await observedPass(rig, 'o-failed', { client: denied });
    await expectAllSinks(seen, {
      summary: (s) => s.failed.some((entry) => entry.endpoint === api()),
      metric: ['dnsplane_enactor_endpoints_failed_total', { enactor: 'o-failed' }],
      log: /not enacted/,
      event: (e) => e.type === 'endpoint-failed' && e.endpoint === api(),
      audit: (a) => a.outcome === 'failed' && a.endpoint === api() && a.changes.length === 0,
    });
  });
});
