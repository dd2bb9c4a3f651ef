// The two faces together: a change acknowledged by the Route53 API and reported INSYNC by GetChange is what
// dig gets from the DNS face, authoritatively; a rejected stale batch changes no answer.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ChangeResourceRecordSetsCommand, GetChangeCommand, type Change } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';
import { describeWithTools } from '../helpers/tools.js';

const run = promisify(execFile);

describeWithTools(['dig'], 'authority: API changes as dig sees them', () => {
  let t: TestAuthority;
  let zoneId: string;
  beforeAll(async () => {
    t = await startTestAuthority();
    zoneId = await t.createZone('both.test.');
  });
  afterAll(async () => t?.close());

  const dig = async (name: string) => {
    const { stdout } = await run('dig', [
      '@127.0.0.1',
      '-p',
      String(t.authority.dnsPort),
      name,
      'A',
      '+norec',
      '+tries=1',
      '+time=2',
    ]);
    return {
      flags: /flags: ([a-z ]+);/.exec(stdout)?.[1].split(' ') ?? [],
      answers: stdout
        .split('\n')
        .filter((line) => /\tIN\tA\t/.test(line))
        .map((line) => line.split('\t').pop()),
    };
  };

  async function changeAndWait(changes: Change[]): Promise<void> {
    const out = await t.client.send(
      new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }),
    );
    for (let status = out.ChangeInfo?.Status; status !== 'INSYNC';) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      status = (await t.client.send(new GetChangeCommand({ Id: out.ChangeInfo!.Id! }))).ChangeInfo?.Status;
    }
  }

  it('serves an INSYNC change with the aa flag, and keeps serving it when a stale batch is refused', async () => {
    const www = (value: string): Change['ResourceRecordSet'] => ({
      Name: 'www.both.test',
      Type: 'A',
      TTL: 60,
      ResourceRecords: [{ Value: value }],
    });
    await changeAndWait([{ Action: 'CREATE', ResourceRecordSet: www('192.0.2.10') }]);
    let seen = await dig('www.both.test');
    expect(seen.flags).toContain('aa');
    expect(seen.answers).toEqual(['192.0.2.10']);

    await changeAndWait([
      { Action: 'DELETE', ResourceRecordSet: www('192.0.2.10') },
      { Action: 'CREATE', ResourceRecordSet: www('192.0.2.11') },
    ]);
    const stale = t.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            { Action: 'DELETE', ResourceRecordSet: www('192.0.2.10') },
            { Action: 'CREATE', ResourceRecordSet: www('192.0.2.99') },
          ],
        },
      }),
    );
    await expect(stale).rejects.toMatchObject({ name: 'InvalidChangeBatch' });
    seen = await dig('www.both.test');
    expect(seen.answers).toEqual(['192.0.2.11']);
  });

  it('answers one whole weighted set per query, both sets over repeated queries', async () => {
    const set = (id: string, weight: number, values: string[]): Change => ({
      Action: 'CREATE',
      ResourceRecordSet: {
        Name: 'api.both.test',
        Type: 'A',
        TTL: 60,
        SetIdentifier: id,
        Weight: weight,
        ResourceRecords: values.map((Value) => ({ Value })),
      },
    });
    await changeAndWait([set('blue', 1, ['192.0.2.1', '192.0.2.2']), set('green', 1, ['198.51.100.1'])]);
    const seen = new Set<string>();
    for (let i = 0; i < 30 && seen.size < 2; i++) seen.add((await dig('api.both.test')).answers.sort().join(','));
    expect([...seen].sort()).toEqual(['192.0.2.1,192.0.2.2', '198.51.100.1']);
  });
});
