// What the `dnsplane up` tests share: polling with a deadline, "has this pid exited", and convergence read
// back through the SDK the way `dnsplane status` reads it.
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { collectStatus, type EndpointStatus } from '../../src/status/endpoint-status.js';
import type { PlanStore } from '../../src/plan/store.js';
import { createRoute53Client } from '../../src/route53/client.js';
import { sdkPort } from '../../src/route53/port.js';
import { resolveHostedZoneId } from '../../src/route53/listing.js';
import { runDnsplane } from '../helpers/cli.js';

export const FREE_PORTS = ['--api-port', '0', '--dns-port', '0', '--resolver-port', '0', '--dashboard-port', '0'];

export async function until<T>(what: string, timeoutMs: number, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(100);
  }
  throw new Error(`${what} not within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
}

/** A pid no longer runs anything (gone, or exited and waiting for its new parent to reap it). */
export function exited(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

/** Waits until every endpoint of the latest plan is live at that generation, with the planned records. */
export async function waitConverged(
  api: string,
  zone: string,
  store: PlanStore,
  endpoints: number,
  timeoutMs = 20_000,
): Promise<EndpointStatus[]> {
  const sdk = createRoute53Client({ endpoint: api });
  const client = sdkPort(sdk);
  try {
    const zoneId = await resolveHostedZoneId(client, zone);
    return await until('every endpoint live at the latest generation', timeoutMs, async () => {
      const status = await collectStatus({ store, client, zoneId });
      const converged =
        status.length === endpoints &&
        status.every(
          (row) =>
            row.plannedGeneration !== null &&
            row.liveGeneration === row.plannedGeneration &&
            row.liveMatchesLatest === true,
        );
      return converged ? status : undefined;
    });
  } finally {
    sdk.destroy();
  }
}

/**
 * A temp run directory for the enclosing describe block. Afterwards `down` runs on it whatever happened, so a
 * failed assertion never leaves the deployment's processes behind.
 */
export function useRunDir(prefix: string): { readonly path: string } {
  const holder = { path: '' };
  beforeAll(async () => {
    holder.path = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  });
  afterAll(async () => {
    await runDnsplane(['down', '--run-dir', holder.path, '--grace', '1s'], { cwd: holder.path });
    await fs.rm(holder.path, { recursive: true, force: true });
  });
  return holder;
}
