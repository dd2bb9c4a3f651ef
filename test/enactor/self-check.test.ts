// The backend self-check: the dnsplane authority keeps Route53's promises, moto does not.
import { CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSafeBackend, selfCheck } from '../../src/enactor/self-check.js';
import { createRoute53Client } from '../../src/route53/client.js';
import { sdkPort } from '../../src/route53/port.js';
import { listRecordSets } from '../../src/route53/paging.js';
import { describeWithTools } from '../helpers/tools.js';
import { useMoto } from '../helpers/moto.js';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';

describe('self-check against the dnsplane authority', () => {
  let test: TestAuthority;
  beforeAll(async () => {
    test = await startTestAuthority();
  });
  afterAll(async () => {
    await test.close();
  });

  it('passes both checks and leaves no scratch record behind', async () => {
    const zoneId = await test.createZone('check.test.');
    const before = await listRecordSets(test.port, zoneId);
    const result = await selfCheck(test.port, zoneId, 'check.test.');
    expect(result.checks.map((check) => [check.name, check.passed])).toEqual([
      ['stale-delete-rejected', true],
      ['failed-batch-atomic', true],
    ]);
    expect(result.ok).toBe(true);
    expect(() => assertSafeBackend(result, false)).not.toThrow();
    expect(await listRecordSets(test.port, zoneId)).toEqual(before);
  });
});

describeWithTools(['moto_server'], 'self-check against moto_server', () => {
  const moto = useMoto();

  it('fails, and the enactor refuses to run unless --single-writer', async () => {
    const client = createRoute53Client({
      endpoint: moto.current.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const zone = await client.send(
      new CreateHostedZoneCommand({ Name: 'check.test.', CallerReference: `selfcheck-${Date.now()}` }),
    );
    const zoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
    const result = await selfCheck(sdkPort(client), zoneId, 'check.test.');
    expect(result.ok).toBe(false);
    expect(result.checks.find((check) => check.name === 'stale-delete-rejected')?.passed).toBe(false);
    expect(() => assertSafeBackend(result, false)).toThrow(/--single-writer/);
    expect(() => assertSafeBackend(result, true)).not.toThrow();
    client.destroy();
  });
});
