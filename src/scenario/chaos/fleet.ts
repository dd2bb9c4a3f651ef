// What the chaos deployment's planner plans for: a fleet file with one endpoint and two load balancers whose
// addresses the runner changes every couple of seconds (a new revision). Each revision's addresses belong to
// it alone, so any answer names the revision it comes from, and revisions only grow: an older revision
// answered after a newer one is stale content. The health-check target is a plain HTTP server that is always
// up (the faults are in dnsplane's processes, not in the fleet).
import { promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { listening } from '../../net/listening.js';

export const CHAOS_ZONE = 'chaos.test.';
export const CHAOS_NAME = `api.${CHAOS_ZONE}`;

/** Revision r's two addresses. */
export function addressesOf(revision: number): [string, string] {
  const base = `10.${(revision >> 8) & 255}.${revision & 255}`;
  return [`${base}.1`, `${base}.2`];
}

/** The revision an answer's values come from, if they are the runner's. */
export function revisionOf(values: readonly string[]): number | undefined {
  const match = /^10\.(\d+)\.(\d+)\.[12]$/.exec(values[0] ?? '');
  return match ? (Number(match[1]) << 8) | Number(match[2]) : undefined;
}

export interface ChaosFleet {
  file: string;
  /** The revision the file holds now. */
  revision(): number;
  /** Writes the next revision (atomically: the planner never reads half a file). */
  advance(): Promise<number>;
  close(): Promise<void>;
}

export async function createChaosFleet(dir: string): Promise<ChaosFleet> {
  const health = http.createServer((_request, response) => response.end('ok'));
  await listening(health, (done) => health.listen(0, '127.0.0.1', done));
  const healthCheckUrl = `http://127.0.0.1:${(health.address() as { port: number }).port}/health`;
  const file = path.join(dir, 'fleet.json');
  let revision = 0;
  const advance = async () => {
    revision += 1;
    const [a, b] = addressesOf(revision);
    const fleet = {
      zone: CHAOS_ZONE,
      defaults: { ttl: 5 },
      endpoints: [
        {
          name: CHAOS_NAME,
          type: 'A',
          loadBalancers: [
            { id: 'a', addresses: [a], capacity: 1, healthCheckUrl },
            { id: 'b', addresses: [b], capacity: 1, healthCheckUrl },
          ],
        },
      ],
    };
    await fs.writeFile(`${file}.tmp`, JSON.stringify(fleet, null, 2));
    await fs.rename(`${file}.tmp`, file);
    return revision;
  };
  await advance();
  return {
    file,
    revision: () => revision,
    advance,
    close: () => new Promise<void>((resolve) => health.close(() => resolve())),
  };
}
