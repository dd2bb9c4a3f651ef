// Waiting for DNS to answer again after a fault, and timing it: the chaos suite, the recovery benchmark and
// the tests that bound recovery all poll the same way (one query every pollMs, each with a short deadline).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { startAuthority, type Authority } from '../authority/index.js';
import { queryDns, type DnsReply, type DnsServerAddress } from '../probe/query.js';
import { startUnbound } from '../probe/unbound.js';
import { createRoute53Client } from '../route53/client.js';
import { createLogger } from '../telemetry/logger.js';
import { freeLoopbackPort } from '../net/free-port.js';

export interface AnswerWait {
  server: DnsServerAddress;
  name: string;
  type?: string;
  /** What counts as answered; default: NOERROR with at least one value. */
  accept?: (reply: DnsReply) => boolean;
  timeoutMs: number;
  pollMs?: number;
  /** Each query's own deadline. */
  queryTimeoutMs?: number;
  /** Gives up (rejects) when aborted. */
  signal?: AbortSignal;
}

export const answered = (reply: DnsReply): boolean => reply.rcodeName === 'NOERROR' && reply.values.length > 0;

/**
 * Resolves with the milliseconds from the call until the first accepted reply, and that reply; rejects
 * naming the last reply (or timeout) when none came within timeoutMs.
 */
export async function waitForAnswer(wait: AnswerWait): Promise<{ ms: number; reply: DnsReply }> {
  const started = performance.now();
  const accept = wait.accept ?? answered;
  let last = 'no query yet';
  while (performance.now() - started < wait.timeoutMs) {
    if (wait.signal?.aborted) throw new Error(`stopped waiting for ${wait.name}: interrupted`);
    try {
      const reply = await queryDns({
        server: wait.server,
        name: wait.name,
        type: wait.type ?? 'A',
        timeoutMs: wait.queryTimeoutMs ?? 1000,
      });
      if (accept(reply)) return { ms: performance.now() - started, reply };
      last = `${reply.rcodeName} [${reply.values.join(' ')}]`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(wait.pollMs ?? 50);
  }
  throw new Error(
    `${wait.name} ${wait.type ?? 'A'} at ${wait.server.host}:${wait.server.port} not answered within ${wait.timeoutMs} ms (last: ${last})`,
  );
}

export interface RestartRecovery {
  /** From the restarted authority's start until it answers the name itself. */
  authorityMs: number;
  /** From the same moment until the resolver answers it correctly again. */
  resolverMs: number;
  /** How much later than the authority the resolver recovered: the number the recovery bound is about. */
  lagMs: number;
}

export interface RestartRig {
  /** The resolver clients ask. */
  resolver: DnsServerAddress;
  /** The authority's DNS face, asked directly. */
  authority: DnsServerAddress;
  name: string;
  /** Stops the authority (its DNS port stops answering). */
  stopAuthority(): Promise<void>;
  /** Starts it again on the same ports and data. */
  startAuthority(): Promise<void>;
}

/**
 * One outage: the authority goes away for downMs while a client keeps asking the resolver (as the probe
 * does, so the resolver marks the authority down), then comes back; both recoveries are timed from its start.
 */
export async function timeRestartRecovery(
  rig: RestartRig,
  downMs: number,
  timeoutMs: number,
): Promise<RestartRecovery> {
  await waitForAnswer({ server: rig.resolver, name: rig.name, timeoutMs });
  await rig.stopAuthority();
  const downSince = performance.now();
  while (performance.now() - downSince < downMs) {
    await queryDns({ server: rig.resolver, name: rig.name, type: 'A', timeoutMs: 500 }).catch(() => undefined);
    await sleep(100);
  }
  await rig.startAuthority();
  const [authority, resolver] = await Promise.all([
    waitForAnswer({ server: rig.authority, name: rig.name, timeoutMs, pollMs: 10 }),
    waitForAnswer({ server: rig.resolver, name: rig.name, timeoutMs, pollMs: 10 }),
  ]);
  return { authorityMs: authority.ms, resolverMs: resolver.ms, lagMs: Math.max(0, resolver.ms - authority.ms) };
}

/**
 * The smallest deployment the resolver-recovery bound is about: an authority (in this process, restartable
 * on the same ports and data) serving one A record, and unbound with dnsplane's resolver settings in front.
 */
export async function startRestartRig(
  options: { infraHostTtl?: number } = {},
): Promise<RestartRig & { flushResolver(): Promise<void>; close(): Promise<void> }> {
  const zone = 'recovery.test.';
  const name = `www.${zone}`;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-recovery-'));
  const logger = createLogger('authority', 'silent');
  // Ports the kernel will not hand to some other socket while the authority is down (src/net/free-port.ts).
  const [apiPort, dnsPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
  let authority: Authority | undefined = await startAuthority({ apiPort, dnsPort, dataDir, logger });
  const { host } = authority;
  const client = createRoute53Client({
    endpoint: authority.endpoint,
    credentials: authority.credentials,
    maxAttempts: 1,
  });
  try {
    const created = await client.send(
      new CreateHostedZoneCommand({ Name: zone, CallerReference: `recovery-${Date.now()}` }),
    );
    await client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: created.HostedZone!.Id!,
        ChangeBatch: {
          Changes: [
            {
              Action: 'CREATE',
              ResourceRecordSet: { Name: name, Type: 'A', TTL: 5, ResourceRecords: [{ Value: '192.0.2.1' }] },
            },
          ],
        },
      }),
    );
  } finally {
    client.destroy();
  }
  const unbound = await startUnbound({ zones: [zone], authority: { host, port: dnsPort }, noCache: true, ...options });
  return {
    resolver: unbound.address,
    authority: { host, port: dnsPort },
    name,
    async stopAuthority() {
      await authority?.close();
      authority = undefined;
    },
    async startAuthority() {
      authority = await startAuthority({ host, apiPort, dnsPort, dataDir, logger });
    },
    flushResolver: () => unbound.flush(),
    async close() {
      await unbound.stop();
      await authority?.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
