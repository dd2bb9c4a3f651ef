// Health checks drive the DNS face end to end: health checks created through the SDK are probed by the
// authority itself, and failover, weighted and alias answers seen by dig follow a TCP endpoint that goes
// away and comes back.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import {
  ChangeResourceRecordSetsCommand,
  CreateHealthCheckCommand,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';
import { describeWithTools } from '../helpers/tools.js';

const run = promisify(execFile);

describeWithTools(['dig'], 'health checks in DNS answers (real prober, SDK, dig)', () => {
  let t: TestAuthority;
  let endpoint: Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve) => {
      endpoint = createServer((socket) => socket.end());
      endpoint.listen(port, '127.0.0.1', () => {
        port = (endpoint!.address() as { port: number }).port;
        resolve();
      });
    });
  const stop = () => new Promise<void>((resolve) => (endpoint ? endpoint.close(() => resolve()) : resolve()));

  beforeAll(async () => {
    await listen();
    t = await startTestAuthority({ healthCheckScale: 0.01 });
  });
  afterAll(async () => {
    await stop();
    await t?.close();
  });

  const dig = async (name: string) =>
    (
      await run('dig', [
        '@127.0.0.1',
        '-p',
        String(t.authority.dnsPort),
        '+norec',
        '+short',
        '+time=5',
        '+tries=3',
        name,
        'A',
      ])
    ).stdout
      .trim()
      .split('\n')
      .filter((line) => line && !line.startsWith(';'))
      .sort()
      .join(',');
  /** Waits until `name` answers `expected` (health flips after a few probe intervals), then checks it stays. */
  const answersBecome = async (name: string, expected: string) => {
    let last = '';
    for (let i = 0; i < 300 && (last = await dig(name)) !== expected; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(last).toBe(expected);
    for (let i = 0; i < 5; i++) expect(await dig(name)).toBe(expected);
  };

  it('failover and weighted answers follow the probed endpoint; alias with EvaluateTargetHealth too', async () => {
    const zoneId = await t.createZone('hc.test.');
    const check = await t.client.send(
      new CreateHealthCheckCommand({
        CallerReference: `hc-${Date.now()}`,
        HealthCheckConfig: {
          Type: 'TCP',
          IPAddress: '127.0.0.1',
          Port: port,
          RequestInterval: 10,
          FailureThreshold: 1,
        },
      }),
    );
    const id = check.HealthCheck!.Id!;
    const a = (name: string, value: string, extra: Partial<ResourceRecordSet>): ResourceRecordSet => ({
      Name: name,
      Type: 'A',
      TTL: 5,
      ResourceRecords: [{ Value: value }],
      ...extra,
    });
    const sets: ResourceRecordSet[] = [
      a('fo.hc.test.', '192.0.2.1', { SetIdentifier: 'p', Failover: 'PRIMARY', HealthCheckId: id }),
      a('fo.hc.test.', '192.0.2.2', { SetIdentifier: 's', Failover: 'SECONDARY' }),
      a('w.hc.test.', '192.0.2.11', { SetIdentifier: 'checked', Weight: 100, HealthCheckId: id }),
      a('w.hc.test.', '192.0.2.12', { SetIdentifier: 'plain', Weight: 0 }),
      a('target.hc.test.', '192.0.2.21', { HealthCheckId: id }),
      a('other.hc.test.', '192.0.2.22', {}),
      {
        Name: 'al.hc.test.',
        Type: 'A',
        SetIdentifier: 'p',
        Failover: 'PRIMARY',
        AliasTarget: { HostedZoneId: zoneId, DNSName: 'target.hc.test.', EvaluateTargetHealth: true },
      },
      {
        Name: 'al.hc.test.',
        Type: 'A',
        SetIdentifier: 's',
        Failover: 'SECONDARY',
        AliasTarget: { HostedZoneId: zoneId, DNSName: 'other.hc.test.', EvaluateTargetHealth: false },
      },
    ];
    await t.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Changes: sets.map((ResourceRecordSet) => ({ Action: 'CREATE', ResourceRecordSet })) },
      }),
    );

    await answersBecome('fo.hc.test', '192.0.2.1');
    await answersBecome('w.hc.test', '192.0.2.11');
    await answersBecome('al.hc.test', '192.0.2.21');

    await stop(); // the endpoint goes away: the check fails, the face moves off it
    await answersBecome('fo.hc.test', '192.0.2.2');
    await answersBecome('w.hc.test', '192.0.2.12');
    await answersBecome('al.hc.test', '192.0.2.22');

    await listen(); // and comes back on the same port
    await answersBecome('fo.hc.test', '192.0.2.1');
    await answersBecome('al.hc.test', '192.0.2.21');
  }, 120_000);
});
