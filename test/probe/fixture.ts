// A real authority with a zone whose records were written through the SDK from a plan, and that plan in a file
// plan store: what the probe sees in production, on ephemeral ports.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ChangeResourceRecordSetsCommand, GetChangeCommand, type ChangeAction } from '@aws-sdk/client-route-53';
import { FilePlanStore } from '../../src/plan/file-store.js';
import type { EndpointPlan, Plan } from '../../src/plan/schema.js';
import type { DnsServerAddress } from '../../src/probe/query.js';
import { toSdkRecordSet, type RecordSet } from '../../src/route53/recordset.js';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';

export const ZONE = 'probe.test.';
export const API = 'api.probe.test.';
export const BIG = 'big.probe.test.';

export interface ProbeFixture {
  t: TestAuthority;
  zoneId: string;
  plan: Plan;
  planDir: string;
  authority: DnsServerAddress;
  /** Sends one change through the SDK and waits until the DNS face serves it (INSYNC). */
  change(action: ChangeAction, sets: RecordSet[]): Promise<void>;
  /** The endpoint's planned record sets, as Route53 record sets. */
  recordSets(name: string): RecordSet[];
  close(): Promise<void>;
}

const bigValues = Array.from({ length: 120 }, (_, i) => `10.20.${i >> 8}.${i & 255}`);

export function planFor(generation = 1): Plan {
  const endpoints: EndpointPlan[] = [
    {
      name: API,
      type: 'A',
      ttl: 5,
      sets: [
        { setIdentifier: 'lb-a', weight: 3, values: ['192.0.2.10', '192.0.2.11'] },
        { setIdentifier: 'lb-b', weight: 1, values: ['198.51.100.20'] },
      ],
    },
    { name: BIG, type: 'A', ttl: 5, sets: [{ setIdentifier: 'lb-big', weight: 1, values: bigValues }] },
  ];
  return { generation, createdAt: new Date().toISOString(), createdBy: 'probe-test', zone: ZONE, endpoints };
}

export async function startProbeFixture(): Promise<ProbeFixture> {
  const t = await startTestAuthority();
  const zoneId = await t.createZone(ZONE);
  const plan = planFor();
  const planDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-probe-plans-'));
  await new FilePlanStore(planDir).write(plan);
  const recordSets = (name: string): RecordSet[] => {
    const endpoint = plan.endpoints.find((candidate) => candidate.name === name);
    if (!endpoint) throw new Error(`no endpoint ${name} in the fixture plan`);
    return endpoint.sets.map((set) => ({
      name,
      type: endpoint.type,
      ttl: endpoint.ttl,
      setIdentifier: set.setIdentifier,
      weight: set.weight,
      values: set.values,
    }));
  };
  const change = async (action: ChangeAction, sets: RecordSet[]): Promise<void> => {
    const out = await t.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Changes: sets.map((set) => ({ Action: action, ResourceRecordSet: toSdkRecordSet(set) })) },
      }),
    );
    for (let i = 0; i < 100; i += 1) {
      const status = await t.client.send(new GetChangeCommand({ Id: out.ChangeInfo!.Id! }));
      if (status.ChangeInfo?.Status === 'INSYNC') return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('change did not reach INSYNC');
  };
  // A TXT record keeps the API name in existence when its A sets go, so emptying it gives NODATA (not NXDOMAIN),
  // as when an endpoint's name also carries other types.
  const owner: RecordSet = { name: API, type: 'TXT', ttl: 5, values: ['"owned-by=dnsplane"'] };
  await change('CREATE', [...plan.endpoints.flatMap((endpoint) => recordSets(endpoint.name)), owner]);
  return {
    t,
    zoneId,
    plan,
    planDir,
    authority: { host: t.authority.host, port: t.authority.dnsPort },
    change,
    recordSets,
    async close() {
      await t.close();
      await fs.rm(planDir, { recursive: true, force: true });
    },
  };
}
