// What every scale benchmark does first: a temp dir, an authority process with an empty bench zone, a file
// plan store, and a Route53 port that counts the requests it sends.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Enactor } from '../../src/enactor/enactor.js';
import { type EnactorOptions } from '../../src/enactor/options.js';
import { FilePlanStore } from '../../src/plan/file-store.js';
import { sdkPort, type Route53Port } from '../../src/route53/port.js';
import { countRequests } from '../../src/route53/request-counter.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startAuthorityProcess, type AuthorityProcess } from './authority-process.js';
import { BENCH_ZONE } from './plans.js';

export interface BenchRig {
  dir: string;
  authority: AuthorityProcess;
  zoneId: string;
  store: FilePlanStore;
  /** The authority's client as a port, counting every request by operation name. */
  client: Route53Port;
  requests: Map<string, number>;
  close(): Promise<void>;
}

export async function startBenchRig(
  label: string,
  options: { rateLimit?: number; heapGrowth?: number } = {},
): Promise<BenchRig> {
  const dir = await mkdtemp(join(tmpdir(), `dnsplane-bench-${label}-`));
  const authority = await startAuthorityProcess(join(dir, 'authority'), options);
  try {
    const zoneId = await authority.createZone(BENCH_ZONE);
    const { client: counting, requests } = countRequests(sdkPort(authority.client));
    const rig: BenchRig = {
      dir,
      authority,
      zoneId,
      store: new FilePlanStore(join(dir, 'plans')),
      client: counting,
      requests,
      async close() {
        // The rig's authority now, which a benchmark may have restarted (bench-scale's direct seeding).
        await rig.authority.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
    return rig;
  } catch (error) {
    await authority.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The real enactor, pointed at the rig's store, counting client and zone, with its logs off. */
export function benchEnactor(rig: BenchRig, options: Partial<EnactorOptions> = {}): Enactor {
  return new Enactor({
    id: 'bench',
    store: rig.store,
    client: rig.client,
    zone: rig.zoneId,
    logger: createLogger('enactor', 'silent'),
    ...options,
  });
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
