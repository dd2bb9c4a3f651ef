// Ownership, as an operator meets it with the real CLI against a real authority over HTTP: record sets made by
// hand at a managed name are refused (exit 3, named, with the way to take them over), not deleted; --adopt takes
// them over, audited; the drift sweep refuses them too; two owner ids in one zone never touch each other's
// sets; upsert-only never deletes. Each refusal has its counterexample beside it (--adopt deletes the same sets).
import fs from 'node:fs/promises';
import path from 'node:path';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { describe, expect, it } from 'vitest';
import { FilePlanStore } from '../../src/plan/file-store.js';
import { listRecordSets } from '../../src/route53/paging.js';
import { cliRig, host, liveWeights, planOf } from '../enactor/harness.js';

const CLI_TIMEOUT_MS = 240_000;
const suite = cliRig();
const { cli } = suite;

/** Creates weighted sets by hand (as the aws CLI would): identifier -> [weight, address]. */
async function byHand(label: string, sets: Record<string, [number, string]>): Promise<void> {
  await suite.rig.client.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: suite.rig.zoneId,
      ChangeBatch: {
        Changes: Object.entries(sets).map(([id, [weight, address]]) => ({
          Action: 'CREATE',
          ResourceRecordSet: {
            Name: host(label),
            Type: 'A',
            TTL: 60,
            SetIdentifier: id,
            Weight: weight,
            ResourceRecords: [{ Value: address }],
          },
        })),
      },
    }),
  );
}

/** Set identifiers live at a name. */
async function identifiers(label: string): Promise<string[]> {
  const sets = await listRecordSets(suite.rig.port, suite.rig.zoneId);
  return sets
    .filter((set) => set.name === host(label) && set.type === 'A')
    .map((set) => set.setIdentifier ?? 'simple')
    .sort();
}

describe('ownership', () => {
  it(
    "the issue's reproduction: sets made by hand, then plan --write and enact --once: refused (exit 3), not deleted",
    async () => {
      const zone = 'repro.test.';
      const zoneId = await suite.rig.test.createZone(zone);
      await suite.rig.client.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: {
            Changes: ['blue', 'green'].map((id, i) => ({
              Action: 'CREATE',
              ResourceRecordSet: {
                Name: `api.${zone}`,
                Type: 'A',
                TTL: 60,
                SetIdentifier: id,
                Weight: 1,
                ResourceRecords: [{ Value: `192.0.2.${i + 1}` }],
              },
            })),
          },
        }),
      );
      const fleet = path.join(suite.rig.dir, 'repro-fleet.json');
      const health = 'http://127.0.0.1:9/health'; // nothing listens: one pass fails open and plans every target
      await fs.writeFile(
        fleet,
        JSON.stringify({
          zone,
          endpoints: [
            {
              name: `api.${zone}`,
              type: 'A',
              loadBalancers: [{ id: 'lb-a', addresses: ['198.51.100.1'], capacity: 1, healthCheckUrl: health }],
            },
          ],
        }),
      );
      const target = [
        '--plans',
        path.join(suite.rig.dir, 'repro-plans'),
        '--endpoint-url',
        suite.rig.test.authority.endpoint,
      ];
      const plan = await cli('plan', '--write', '--fleet', fleet, ...target);
      expect(plan.code, plan.stderr).toBe(0);
      const enact = await cli('enact', '--id', 'e1', '--once', ...target);
      expect(enact.code, enact.stdout + enact.stderr).toBe(3);
      expect(enact.stdout).toContain(`api.${zone} A holds record set(s) dnsplane did not write: "blue"`);
      const live = await listRecordSets(suite.rig.port, zoneId);
      expect(live.filter((set) => set.type === 'A').map((set) => set.setIdentifier)).toEqual(['blue', 'green']);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'refuses a managed name holding sets dnsplane did not write (exit 3, named, with --adopt); --adopt takes them over, audited',
    async () => {
      await byHand('api', { blue: [50, '192.0.2.10'], green: [50, '192.0.2.20'] });
      await suite.rig.writePlan(1, { api: [10, 20], www: [5] });

      const refused = await cli('enact', '--id', 'e1', '--once', ...suite.common);
      expect(refused.code, refused.stderr).toBe(3);
      expect(refused.stdout).toContain(
        `REFUSED   ${host('api')} A: ${host('api')} A holds record set(s) dnsplane did not write: "blue" (A weight 50 ttl 60 192.0.2.10), "green" (A weight 50 ttl 60 192.0.2.20)`,
      );
      expect(refused.stdout).toContain('run `dnsplane enact --once --adopt` (audited)');
      expect(refused.stdout).toMatch(/applied {3}www\.dnsplane\.test\. A/);
      expect(await identifiers('api')).toEqual(['blue', 'green']);

      // The preview shows what adopting would do; looping with --adopt is refused as a usage error.
      const preview = await cli('enact', '--id', 'e1', '--dry-run', '--adopt', ...suite.common);
      expect(preview.code, preview.stderr).toBe(0);
      expect(preview.stdout).toMatch(
        /api\.dnsplane\.test\. A\s+DELETE\s+blue\s+50\s+60\s+192\.0\.2\.10\s+repair \(adopts blue, green\)/,
      );
      const loop = await cli('enact', '--id', 'e1', '--adopt', ...suite.common);
      expect([loop.code, loop.stderr]).toEqual([
        2,
        expect.stringContaining('dnsplane: --adopt takes over what is there now'),
      ]);

      // The counterexample: with --adopt the same sets are deleted, which is what the refusal prevented.
      const audit = path.join(suite.rig.dir, 'audit.jsonl');
      const adopted = await cli('enact', '--id', 'e1', '--once', '--adopt', '--audit', audit, ...suite.common);
      expect(adopted.code, adopted.stdout + adopted.stderr).toBe(0);
      expect(await identifiers('api')).toEqual(['lb-0', 'lb-1']);
      const lines = (await fs.readFile(audit, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines.find((line) => line.endpoint === `${host('api')} A`)).toMatchObject({
        outcome: 'accepted',
        detail: 'adopt: record sets dnsplane did not write, taken over by --adopt: blue, green',
      });
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'the drift sweep refuses a set added by hand to a managed name instead of deleting it; its own drifted set is repaired',
    async () => {
      await byHand('api', { canary: [5, '192.0.2.30'] });
      const sweep = await cli('enact', '--id', 'e1', '--once', '--verify-every', '0', ...suite.common);
      expect(sweep.code, sweep.stderr).toBe(3);
      expect(sweep.stdout).toContain('holds record set(s) dnsplane did not write: "canary"');
      expect(await identifiers('api')).toEqual(['canary', 'lb-0', 'lb-1']);
      // Without a sweep nothing reads the records: the fences vouch for them (the sweep is what finds drift).
      const adopted = await cli('enact', '--id', 'e1', '--once', '--verify-every', '0', '--adopt', ...suite.common);
      expect(adopted.code, adopted.stdout).toBe(0);
      expect(await identifiers('api')).toEqual(['lb-0', 'lb-1']);
      expect(liveWeights(await suite.rig.view(), 'api')).toEqual([10, 20]);
      // A set dnsplane wrote, edited by hand, is its own: the sweep repairs it without --adopt.
      await suite.rig.client.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: suite.rig.zoneId,
          ChangeBatch: {
            Changes: [
              {
                Action: 'UPSERT',
                ResourceRecordSet: {
                  Name: host('api'),
                  Type: 'A',
                  TTL: 30,
                  SetIdentifier: 'lb-0',
                  Weight: 12,
                  ResourceRecords: [{ Value: '10.0.0.1' }],
                },
              },
            ],
          },
        }),
      );
      // A pass that does not sweep trusts the fences and finds nothing to do: --once sweeps unless told not to.
      const unswept = await cli('enact', '--id', 'e1', '--once', '--verify-every', '1h', ...suite.common);
      expect([unswept.code, unswept.stdout]).toEqual([0, expect.stringMatching(/0 applied, 0 repaired/)]);
      expect(liveWeights(await suite.rig.view(), 'api')).toEqual([12, 20]);
      const repaired = await cli('enact', '--id', 'e1', '--once', ...suite.common);
      expect([repaired.code, repaired.stdout]).toEqual([0, expect.stringContaining(`repaired  ${host('api')} A`)]);
      expect(liveWeights(await suite.rig.view(), 'api')).toEqual([10, 20]);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "two owner ids in one zone keep their own fences and never change each other's sets",
    async () => {
      const fencesBefore = (await listRecordSets(suite.rig.port, suite.rig.zoneId)).filter((set) =>
        /^s\d{3}\._dnsplane\./.test(set.name),
      );
      const other = path.join(suite.rig.dir, 'green-plans');
      await new FilePlanStore(other).write(planOf(1, { api: [1, 1], shop: [3] }));
      const green = ['--plans', other, '--endpoint-url', suite.rig.test.authority.endpoint, '--owner-id', 'green'];

      const result = await cli('enact', '--id', 'g1', '--once', ...green);
      expect(result.code, result.stderr).toBe(3);
      expect(result.stdout).toContain(
        `REFUSED   ${host('api')} A: ${host('api')} A holds record set(s) dnsplane did not write: "lb-0"`,
      );
      expect(await identifiers('shop')).toEqual(['lb-0']);
      expect(liveWeights(await suite.rig.view(), 'api')).toEqual([10, 20]);

      const after = await listRecordSets(suite.rig.port, suite.rig.zoneId);
      expect(after.filter((set) => /^s\d{3}\._dnsplane\./.test(set.name))).toEqual(fencesBefore);
      expect(after.filter((set) => /^s\d{3}\.green\._dnsplane\./.test(set.name))).toHaveLength(64);

      // The default deployment is still in sync and does not see shop; green's status sees its own.
      const mine = await cli('enact', '--id', 'e1', '--once', '--verify-every', '0', ...suite.common);
      expect(mine.code, mine.stdout).toBe(0);
      expect(mine.stdout).toMatch(/generation 1: 0 applied, 0 repaired, 2 in sync/);
      const status = JSON.parse((await cli('status', '--json', ...green)).stdout);
      expect(
        status.endpoints.map((e: { endpoint: string; liveGeneration: number | null }) => [
          e.endpoint,
          e.liveGeneration,
        ]),
      ).toEqual([
        [`${host('api')} A`, null],
        [`${host('shop')} A`, 1],
      ]);
      expect((await cli('status', '--owner-id', 'Not_A_Label', ...suite.common)).code).toBe(2);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "a second owner whose plan matches the first one's set at first does not take it over: its next change is refused",
    async () => {
      const before = liveWeights(await suite.rig.view(), 'www');
      const other = path.join(suite.rig.dir, 'teal-plans');
      const store = new FilePlanStore(other);
      // www exactly as the default deployment wrote it (identifier, weight, TTL, address).
      await store.write(planOf(1, { www: [5] }, () => ['10.1.0.1']));
      const teal = ['--plans', other, '--endpoint-url', suite.rig.test.authority.endpoint, '--owner-id', 'teal'];
      const first = await cli('enact', '--id', 't1', '--once', ...teal);
      expect(first.code, first.stdout + first.stderr).toBe(0);
      await store.write(planOf(2, { www: [7] }, () => ['10.1.0.1']));
      const second = await cli('enact', '--id', 't1', '--once', ...teal);
      expect(second.code, second.stdout + second.stderr).toBe(3);
      expect(second.stdout).toContain(`${host('www')} A holds record set(s) dnsplane did not write: "lb-0"`);
      expect(liveWeights(await suite.rig.view(), 'www')).toEqual(before);
      // The default deployment finds its set as it wrote it: nothing to repair, no fight.
      const mine = await cli('enact', '--id', 'e1', '--once', '--verify-every', '0', ...suite.common);
      expect([mine.code, mine.stdout]).toEqual([0, expect.stringMatching(/0 applied, 0 repaired/)]);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'upsert-only creates and updates but never deletes a set or an endpoint; sync would delete what the plan drops',
    async () => {
      await suite.rig.writePlan(2, { api: [30] }); // drops api's lb-1 and the endpoint www
      // The counterexample, from the same decision: under sync this step deletes lb-1 and www.
      const sync = await cli('enact', '--id', 'e1', '--dry-run', ...suite.common);
      expect(sync.stdout).toContain('Summary: Creates=0, Updates=1, Deletes=2');
      const upsertPreview = await cli('enact', '--id', 'e1', '--dry-run', '--policy', 'upsert-only', ...suite.common);
      expect(upsertPreview.stdout).toContain('Summary: Creates=0, Updates=1, Deletes=0');

      const upsert = await cli('enact', '--id', 'e1', '--once', '--policy', 'upsert-only', ...suite.common);
      expect(upsert.code, upsert.stdout).toBe(0);
      expect(liveWeights(await suite.rig.view(), 'api')).toEqual([30, 20]);
      expect(await identifiers('www')).toEqual(['lb-0']);
      // A later sweep under upsert-only does not count the kept set as drift: nothing to do.
      const again = await cli(
        'enact',
        '--id',
        'e1',
        '--once',
        '--policy',
        'upsert-only',
        '--verify-every',
        '0',
        ...suite.common,
      );
      expect([again.code, again.stdout]).toEqual([0, expect.stringMatching(/0 applied, 0 repaired, .* 0 refused/)]);
      // Kept sets are no longer named by the fence's plan: under sync they are not dnsplane's until adopted.
      const syncSweep = await cli('enact', '--id', 'e1', '--once', '--verify-every', '0', ...suite.common);
      expect(syncSweep.code).toBe(3);
      expect(syncSweep.stdout).toContain('did not write: "lb-1"');
      expect(liveWeights(await suite.rig.view(), 'api')).toEqual([30, 20]);
    },
    CLI_TIMEOUT_MS,
  );
});
