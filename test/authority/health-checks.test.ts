// Health checks through the stock SDK: the API's CRUD with Route53's defaults and errors, and the prober
// probing real loopback targets (an HTTP server and a TCP listener) that go down and come back, at 1/100 of
// Route53's timing. Status changes are waited for, never timed.
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  CreateHealthCheckCommand,
  DeleteHealthCheckCommand,
  GetHealthCheckCommand,
  GetHealthCheckCountCommand,
  GetHealthCheckLastFailureReasonCommand,
  GetHealthCheckStatusCommand,
  ListHealthChecksCommand,
  ListTagsForResourceCommand,
  UpdateHealthCheckCommand,
  type HealthCheckConfig,
} from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeAllowList } from '../../src/authority/health/prober.js';
import { Journal } from '../../src/authority/store/journal.js';
import { ZoneStore } from '../../src/authority/store/zone-store.js';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';

let t: TestAuthority;
beforeAll(async () => {
  t = await startTestAuthority({ healthCheckScale: 0.01 });
});
afterAll(async () => t?.close());

let references = 0;
async function createCheck(config: HealthCheckConfig): Promise<string> {
  references += 1;
  const out = await t.client.send(
    new CreateHealthCheckCommand({ CallerReference: `hc-${references}-${Date.now()}`, HealthCheckConfig: config }),
  );
  return out.HealthCheck!.Id!;
}

/** An HTTP target whose answer the test switches: 200 with a body, 503, or no listener at all. */
async function httpTarget() {
  let mode: 'up' | 'error' = 'up';
  const server = http.createServer((request, response) => {
    if (mode === 'up') response.writeHead(200, { 'content-type': 'text/plain' }).end(`ok from ${request.url}`);
    else response.writeHead(503).end('down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    set(next: 'up' | 'error') {
      mode = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const healthy = (id: string) => t.authority.health.isHealthy(id);
const waitFor = (id: string, expected: boolean | undefined) =>
  expect.poll(() => healthy(id), { timeout: 20_000, interval: 50 }).toBe(expected);

describe('health check API', () => {
  it("creates with Route53's defaults, gets, lists, counts, updates with the version lock, tags and deletes", async () => {
    const created = await t.client.send(
      new CreateHealthCheckCommand({
        CallerReference: 'crud-1',
        HealthCheckConfig: { Type: 'HTTP', IPAddress: '127.0.0.1', ResourcePath: '/health' },
      }),
    );
    expect(created.Location).toBe(`https://route53.amazonaws.com/2013-04-01/healthcheck/${created.HealthCheck!.Id}`);
    expect(created.HealthCheck).toMatchObject({
      CallerReference: 'crud-1',
      HealthCheckVersion: 1,
      HealthCheckConfig: {
        Type: 'HTTP',
        IPAddress: '127.0.0.1',
        Port: 80,
        ResourcePath: '/health',
        RequestInterval: 30,
        FailureThreshold: 3,
        Inverted: false,
        Disabled: false,
        MeasureLatency: false,
      },
    });
    const id = created.HealthCheck!.Id!;
    // The same request again is the same health check; the same reference with another config is refused.
    const repeated = await t.client.send(
      new CreateHealthCheckCommand({
        CallerReference: 'crud-1',
        HealthCheckConfig: { Type: 'HTTP', IPAddress: '127.0.0.1', ResourcePath: '/health' },
      }),
    );
    expect(repeated.HealthCheck?.Id).toBe(id);
    await expect(
      t.client.send(
        new CreateHealthCheckCommand({
          CallerReference: 'crud-1',
          HealthCheckConfig: { Type: 'TCP', IPAddress: '127.0.0.1', Port: 1 },
        }),
      ),
    ).rejects.toMatchObject({ name: 'HealthCheckAlreadyExists' });

    expect((await t.client.send(new GetHealthCheckCommand({ HealthCheckId: id }))).HealthCheck?.Id).toBe(id);
    const listed = await t.client.send(new ListHealthChecksCommand({}));
    expect(listed.HealthChecks?.map((check) => check.Id)).toContain(id);
    expect((await t.client.send(new GetHealthCheckCountCommand({}))).HealthCheckCount).toBe(
      listed.HealthChecks?.length,
    );

    const updated = await t.client.send(
      new UpdateHealthCheckCommand({
        HealthCheckId: id,
        HealthCheckVersion: 1,
        FailureThreshold: 5,
        ResetElements: ['ResourcePath'],
      }),
    );
    expect(updated.HealthCheck).toMatchObject({ HealthCheckVersion: 2, HealthCheckConfig: { FailureThreshold: 5 } });
    expect(updated.HealthCheck?.HealthCheckConfig?.ResourcePath).toBeUndefined();
    await expect(
      t.client.send(new UpdateHealthCheckCommand({ HealthCheckId: id, HealthCheckVersion: 1, Inverted: true })),
    ).rejects.toMatchObject({ name: 'HealthCheckVersionMismatch' });

    await t.client.send(
      new ChangeTagsForResourceCommand({
        ResourceType: 'healthcheck',
        ResourceId: id,
        AddTags: [{ Key: 'Name', Value: 'web' }],
      }),
    );
    expect(
      (await t.client.send(new ListTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: id })))
        .ResourceTagSet?.Tags,
    ).toEqual([{ Key: 'Name', Value: 'web' }]);

    await t.client.send(new DeleteHealthCheckCommand({ HealthCheckId: id }));
    await expect(t.client.send(new GetHealthCheckCommand({ HealthCheckId: id }))).rejects.toMatchObject({
      name: 'NoSuchHealthCheck',
    });
    await expect(
      t.client.send(new ListTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: id })),
    ).rejects.toMatchObject({ name: 'NoSuchHealthCheck' });
  });

  it('refuses bad configurations naming the field, and children that do not exist', async () => {
    const bad = (config: HealthCheckConfig) =>
      t.client.send(
        new CreateHealthCheckCommand({ CallerReference: `bad-${Math.random()}`, HealthCheckConfig: config }),
      );
    await expect(bad({ Type: 'TCP', IPAddress: '127.0.0.1' })).rejects.toThrow(/Port/);
    await expect(bad({ Type: 'HTTP' })).rejects.toThrow(/IPAddress or FullyQualifiedDomainName/);
    await expect(bad({ Type: 'HTTP', IPAddress: 'not-an-ip' })).rejects.toThrow(/IPAddress/);
    await expect(bad({ Type: 'HTTP', IPAddress: '127.0.0.1', RequestInterval: 20 })).rejects.toThrow(/RequestInterval/);
    await expect(bad({ Type: 'HTTP_STR_MATCH', IPAddress: '127.0.0.1' })).rejects.toThrow(/SearchString/);
    await expect(bad({ Type: 'CLOUDWATCH_METRIC' })).rejects.toMatchObject({ name: 'InvalidInput' });
    await expect(bad({ Type: 'CALCULATED', HealthThreshold: 1, ChildHealthChecks: ['no-such-child'] })).rejects.toThrow(
      /no-such-child/,
    );
    await expect(
      t.client.send(new GetHealthCheckStatusCommand({ HealthCheckId: 'no-such-check' })),
    ).rejects.toMatchObject({ name: 'NoSuchHealthCheck' });
  });
});

describe('the prober', () => {
  it('follows an HTTP target down (after FailureThreshold failures) and up again, with status and last failure reason', async () => {
    const target = await httpTarget();
    try {
      const id = await createCheck({
        Type: 'HTTP',
        IPAddress: '127.0.0.1',
        Port: target.port,
        ResourcePath: '/health',
        RequestInterval: 10,
        FailureThreshold: 2,
      });
      await waitFor(id, true);
      const status = await t.client.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }));
      expect(status.HealthCheckObservations?.[0]?.StatusReport?.Status).toMatch(/^Success: HTTP Status Code 200/);

      target.set('error');
      await waitFor(id, false);
      const reason = await t.client.send(new GetHealthCheckLastFailureReasonCommand({ HealthCheckId: id }));
      expect(reason.HealthCheckObservations?.[0]?.StatusReport?.Status).toMatch(/^Failure: HTTP Status Code 503/);

      target.set('up');
      await waitFor(id, true);
    } finally {
      await target.close();
    }
  });

  it('matches a search string, inverts, and treats a disabled check as healthy', async () => {
    const target = await httpTarget();
    try {
      const found = await createCheck({
        Type: 'HTTP_STR_MATCH',
        IPAddress: '127.0.0.1',
        Port: target.port,
        ResourcePath: '/ready',
        SearchString: 'ok from /ready',
        RequestInterval: 10,
        FailureThreshold: 1,
      });
      const missing = await createCheck({
        Type: 'HTTP_STR_MATCH',
        IPAddress: '127.0.0.1',
        Port: target.port,
        SearchString: 'never there',
        RequestInterval: 10,
        FailureThreshold: 1,
      });
      const inverted = await createCheck({
        Type: 'HTTP',
        IPAddress: '127.0.0.1',
        Port: target.port,
        Inverted: true,
        RequestInterval: 10,
        FailureThreshold: 1,
      });
      await waitFor(found, true);
      await waitFor(missing, false);
      await waitFor(inverted, false);
      await t.client.send(new UpdateHealthCheckCommand({ HealthCheckId: missing, Disabled: true }));
      expect(healthy(missing)).toBe(true);
    } finally {
      await target.close();
    }
  });

  it('probes TCP, and a CALCULATED check follows its children against its threshold', async () => {
    const listener = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as AddressInfo).port;
    const tcp = await createCheck({
      Type: 'TCP',
      IPAddress: '127.0.0.1',
      Port: port,
      RequestInterval: 10,
      FailureThreshold: 1,
    });
    // A second check of the same listener: both go down together when it closes.
    const other = await createCheck({
      Type: 'TCP',
      IPAddress: '127.0.0.1',
      Port: port,
      RequestInterval: 10,
      FailureThreshold: 1,
    });
    const both = await createCheck({ Type: 'CALCULATED', HealthThreshold: 2, ChildHealthChecks: [tcp, other] });
    const either = await createCheck({ Type: 'CALCULATED', HealthThreshold: 1, ChildHealthChecks: [tcp, other] });
    await waitFor(tcp, true);
    await waitFor(other, true);
    expect(healthy(both)).toBe(true);
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    await waitFor(tcp, false);
    await waitFor(other, false);
    expect(healthy(both)).toBe(false);
    expect(healthy(either)).toBe(false);
    const reason = await t.client.send(new GetHealthCheckLastFailureReasonCommand({ HealthCheckId: tcp }));
    expect(reason.HealthCheckObservations?.[0]?.StatusReport?.Status).toMatch(/ECONN(REFUSED|RESET)/);
    // A child of a calculated check cannot be deleted from under it.
    await expect(t.client.send(new DeleteHealthCheckCommand({ HealthCheckId: tcp }))).rejects.toMatchObject({
      name: 'HealthCheckInUse',
    });
  });

  it('never contacts an address outside loopback and --health-check-allow: the check fails saying so', async () => {
    const id = await createCheck({
      Type: 'TCP',
      IPAddress: '192.0.2.1',
      Port: 80,
      RequestInterval: 10,
      FailureThreshold: 1,
    });
    await waitFor(id, false);
    const status = await t.client.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }));
    expect(status.HealthCheckObservations?.[0]?.StatusReport?.Status).toMatch(/does not probe 192\.0\.2\.1/);
    const allowed = probeAllowList(['192.0.2.0/24', 'fd00::/8']);
    expect([
      allowed.check('192.0.2.1', 'ipv4'),
      allowed.check('127.0.0.5', 'ipv4'),
      allowed.check('fd00::1', 'ipv6'),
      allowed.check('10.0.0.1', 'ipv4'),
    ]).toEqual([true, true, true, false]);
    expect(() => probeAllowList(['10.0.0.0/33'])).toThrow(/10\.0\.0\.0\/33/);
  });
});

describe('health check durability', () => {
  it('replays health checks from the journal and keeps them through compaction', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-hc-'));
    try {
      const first = Journal.open(dataDir, (sink) => new ZoneStore(sink));
      const { check } = first.store.healthChecks.create('durable', { Type: 'TCP', IPAddress: '127.0.0.1', Port: 9 });
      first.store.healthChecks.update(check.id, { FailureThreshold: 7 });
      first.journal.close();
      const replayed = Journal.open(dataDir, (sink) => new ZoneStore(sink));
      expect(replayed.stats.replayedEntries).toBe(2);
      expect(replayed.store.healthChecks.get(check.id)).toMatchObject({ version: 2, config: { FailureThreshold: 7 } });
      replayed.journal.compact();
      replayed.journal.close();
      const compacted = Journal.open(dataDir, (sink) => new ZoneStore(sink));
      expect(compacted.stats.replayedEntries).toBe(0);
      expect(compacted.store.healthChecks.get(check.id)).toEqual(replayed.store.healthChecks.get(check.id));
      compacted.journal.close();
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a health check in use', () => {
  it('cannot be deleted while a record set names it (HealthCheckInUse), and can once the set is gone', async () => {
    const id = await createCheck({ Type: 'TCP', IPAddress: '127.0.0.1', Port: 9 });
    const zoneId = await t.createZone('in-use.test.');
    const set = {
      Name: 'a.in-use.test',
      Type: 'A' as const,
      TTL: 60,
      SetIdentifier: 'one',
      Weight: 1,
      HealthCheckId: id,
      ResourceRecords: [{ Value: '192.0.2.1' }],
    };
    await t.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: set }] },
      }),
    );
    await expect(t.client.send(new DeleteHealthCheckCommand({ HealthCheckId: id }))).rejects.toMatchObject({
      name: 'HealthCheckInUse',
    });
    await t.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: set }] },
      }),
    );
    await t.client.send(new DeleteHealthCheckCommand({ HealthCheckId: id }));
  });
});
