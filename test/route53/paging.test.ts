// Bounded paging over real endpoints: on the dnsplane authority it lists every set exactly once at any page
// size; on moto_server, which ignores StartRecordIdentifier, it fails fast instead of hanging or returning
// weighted sets twice.
import { CreateHostedZoneCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoute53Client } from '../../src/route53/client.js';
import { sdkPort } from '../../src/route53/port.js';
import { changeBatch, create, weighted } from '../../src/route53/conformance/expect.js';
import { listRecordSets, listRecordSetsNamed, PagingLoopError } from '../../src/route53/paging.js';
import { recordSetKey } from '../../src/route53/recordset.js';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';
import { useMoto } from '../helpers/moto.js';
import { describeWithTools } from '../helpers/tools.js';

const NAMES = ['a', 'b', 'c', 'd'];
const GROUP = 100;

/** Four weighted groups of 100 sets: 402 sets with the apex SOA and NS, more than one default page (300). */
async function zoneWithWeightedGroups(client: Route53Client): Promise<string> {
  const zone = await client.send(
    new CreateHostedZoneCommand({ Name: 'paging.test.', CallerReference: `paging-${Date.now()}` }),
  );
  const zoneId = zone.HostedZone!.Id!;
  for (const name of NAMES) {
    await changeBatch(
      client,
      zoneId,
      Array.from({ length: GROUP }, (_, i) => create(weighted(`${name}.paging.test.`, `lb-${i}`, 1, [`10.0.${i}.1`]))),
    );
  }
  return zoneId;
}

describe('bounded paging against the dnsplane authority', () => {
  let target: TestAuthority;
  let zoneId: string;
  beforeAll(async () => {
    target = await startTestAuthority();
    zoneId = await zoneWithWeightedGroups(target.client);
  });
  afterAll(async () => {
    await target?.close();
  });

  it('lists every set exactly once with the default page size and with small pages', async () => {
    for (const maxItems of [undefined, 7]) {
      const sets = await listRecordSets(target.port, zoneId, { maxItems });
      expect(sets).toHaveLength(NAMES.length * GROUP + 2);
      expect(new Set(sets.map(recordSetKey)).size).toBe(sets.length);
    }
  });

  it('reads one weighted group set by set with MaxItems=1', async () => {
    const group = await listRecordSetsNamed(target.port, zoneId, 'c.paging.test', 1);
    expect(group.map((set) => set.setIdentifier).sort()).toEqual(
      Array.from({ length: GROUP }, (_, i) => `lb-${i}`).sort(),
    );
  });
});

describeWithTools(['moto_server'], 'bounded paging against moto_server', () => {
  const moto = useMoto();

  it('fails with PagingLoopError instead of hanging or double-counting', async () => {
    const client = createRoute53Client({ endpoint: moto.current.endpoint, maxAttempts: 1 });
    const zoneId = await zoneWithWeightedGroups(client);
    // Default pages: moto restarts the group at the page boundary, so sets would come back twice.
    await expect(listRecordSets(sdkPort(client), zoneId)).rejects.toThrow(/record set .* came back/);
    // MaxItems=1 inside a group: the same cursor comes back forever.
    await expect(listRecordSetsNamed(sdkPort(client), zoneId, 'c.paging.test', 1)).rejects.toBeInstanceOf(
      PagingLoopError,
    );
  });
});
