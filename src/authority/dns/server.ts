// The authority's DNS face: UDP and TCP on one port, answering from the current FaceIndex. Sockets are
// ./udp.ts (batched native I/O, or node:dgram) and node:net directly, because the per-query path
// (./answer.ts) works on raw bytes and dns2's server would parse every packet into objects first, which was
// its bottleneck.
import { createServer, type Server as TcpServer, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { DnsFace, DnsFaceOptions } from '../zones.js';
import { createLogger } from '../../telemetry/logger.js';
import { counter } from '../../telemetry/metrics.js';
import { listening } from '../../net/listening.js';
import { ALL_HEALTHY } from '../health/view.js';
import { RCODE, headerOnly, replyDue, respond } from './answer.js';
import { openUdp, type UdpAnswer, type UdpEndpoint, type UdpTransport } from './udp.js';
import { EMPTY_INDEX, updateIndex, type FaceIndex } from './zone-index.js';

const TCP_IDLE_MS = 10_000;
const BIND_ATTEMPTS = 20;
const RCODE_NAMES = Object.fromEntries(Object.entries(RCODE).map(([name, code]) => [code, name]));

export interface DnsFaceServer extends DnsFace {
  /** How UDP is served: 'batched' (the native addon, recvmmsg/sendmmsg) or 'dgram' (the node:dgram fallback). */
  readonly udpTransport: UdpTransport;
}

export async function startDnsFace(options: DnsFaceOptions): Promise<DnsFaceServer> {
  const log = options.logger ?? createLogger('dns');
  const health = options.health ?? ALL_HEALTHY;
  const badSets = counter(
    'dnsplane_dns_unservable_sets_total',
    'Record sets the DNS face could not encode and does not serve.',
  );
  const failures = counter('dnsplane_dns_internal_errors_total', 'Queries answered FORMERR because answering threw.');
  const onError = (set: { name: string; type: string }, error: unknown) => {
    badSets.inc();
    log.error({ name: set.name, type: set.type, err: error }, 'record set not served: cannot encode it');
  };

  const onUpdateFailed = (zoneId: string, error: unknown) =>
    log.warn({ zoneId, err: error }, 'index update from change batches failed; rebuilt the zone whole');
  let index: FaceIndex = updateIndex(options.source, EMPTY_INDEX, onError, onUpdateFailed);
  // An update applies what the commits since the last one changed, in order; it costs those batches, not the
  // zone (see zone-index.ts), so it never needs deferring and runs right after the committing callback
  // (nextTick): with setImmediate, the other requests already read in the same poll phase (an enactor sends
  // several batches at once) committed first, and DNS showed batch 1 only after batch 4 (BENCHMARKS.md).
  // Commits in the same tick are folded into one update.
  let rebuildQueued = false;
  const rebuild = () => {
    rebuildQueued = false;
    try {
      index = updateIndex(options.source, index, onError, onUpdateFailed);
    } catch (error) {
      log.error({ err: error }, 'index update failed; still answering from the previous version');
    }
  };
  const unsubscribe = options.source.onCommit(() => {
    if (rebuildQueued) return;
    rebuildQueued = true;
    process.nextTick(rebuild);
  });

  // Counted locally per query and handed to prom-client once a second: a labelled inc() per query would
  // cost more than answering it.
  const responses = counter(
    'dnsplane_dns_responses_total',
    'DNS responses sent by the DNS face, by rcode and transport.',
    ['rcode', 'transport', 'truncated'],
  );
  // Slot = rcode (4 bits) · transport · truncated.
  const tally = new Float64Array(64);
  const count = (out: Buffer, udp: boolean) => tally[((out[3] & 0x0f) << 2) | (udp ? 2 : 0) | ((out[2] >> 1) & 1)]++;

  // Every query goes through here: nothing it receives may throw out of it, or stall others.
  const answer = (req: Buffer, udp: boolean): Buffer | null => {
    try {
      const out = respond(index, req, udp, health);
      if (out) count(out, udp);
      return out;
    } catch (error) {
      failures.inc();
      log.error({ err: error }, 'answering failed');
      return replyDue(req) ? headerOnly(req, RCODE.FORMERR) : null;
    }
  };

  const { udp, tcp, port } = await bindBoth(options.host, options.port, (req) => answer(req, true), log);
  const sendDropped = counter(
    'dnsplane_dns_udp_send_dropped_total',
    'UDP replies dropped because the socket could not send them (send buffer full, unroutable peer).',
  );
  let sendDroppedSeen = 0;
  const flushCounts = () => {
    tally.forEach((n, slot) => {
      if (n === 0) return;
      const rcode = slot >> 2;
      responses.inc(
        {
          rcode: RCODE_NAMES[rcode] ?? String(rcode),
          transport: slot & 2 ? 'udp' : 'tcp',
          truncated: slot & 1 ? 'yes' : 'no',
        },
        n,
      );
    });
    tally.fill(0);
    const dropped = udp.sendDropped();
    if (dropped > sendDroppedSeen) sendDropped.inc(dropped - sendDroppedSeen);
    sendDroppedSeen = dropped;
  };
  const flush = setInterval(flushCounts, 1000);
  flush.unref();
  // Open connections are kept so close() can end them: tcp.close() alone waits for idle clients.
  const connections = new Set<Socket>();
  tcp.on('connection', (socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    serveTcp(socket, (req) => answer(req, false));
  });
  tcp.on('error', (error) => log.warn({ err: error }, 'tcp server error'));

  return {
    port,
    udpTransport: udp.transport,
    servedVersion(zoneId: string): number {
      return index.byId.get(zoneId)?.version ?? 0;
    },
    async close(): Promise<void> {
      unsubscribe();
      clearInterval(flush);
      for (const socket of connections) socket.destroy();
      await Promise.all([udp.close(), new Promise<void>((resolve) => tcp.close(() => resolve()))]);
      flushCounts(); // the last second's answers count too
    },
  };
}

/**
 * RFC 1035 §4.2.2 framing: a 2-byte length before every message; pipelined queries answered in order.
 * Back-pressure: a client that pipelines queries but never reads must not make us buffer its answers without
 * bound, so when the socket's buffer is full we stop answering (and reading) until it drains.
 */
function serveTcp(socket: Socket, answer: (req: Buffer) => Buffer | null): void {
  let pending: Buffer = Buffer.alloc(0);
  let blocked = false;
  socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  const guarded = () => {
    try {
      drain();
    } catch {
      socket.destroy(); // a bug here must cost this connection only, never the process
    }
  };
  socket.on('data', (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    guarded();
  });
  socket.on('drain', () => {
    blocked = false;
    socket.resume();
    guarded();
  });
  const drain = () => {
    while (!blocked && pending.length >= 2) {
      const length = pending.readUInt16BE(0);
      if (pending.length < 2 + length) break;
      const out = answer(pending.subarray(2, 2 + length));
      pending = pending.subarray(2 + length);
      if (!out) continue;
      const frame = Buffer.allocUnsafe(2 + out.length);
      frame.writeUInt16BE(out.length, 0);
      out.copy(frame, 2);
      if (!socket.write(frame)) {
        blocked = true;
        socket.pause();
      }
    }
  };
}

/**
 * UDP and TCP on the same port. With port 0 the kernel picks a free TCP port, which may be taken for UDP:
 * then try another.
 */
async function bindBoth(
  host: string,
  wanted: number,
  answer: UdpAnswer,
  log: Logger,
): Promise<{ udp: UdpEndpoint; tcp: TcpServer; port: number }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < (wanted === 0 ? BIND_ATTEMPTS : 1); attempt++) {
    const tcp = createServer();
    try {
      await listening(tcp, (done) => tcp.listen(wanted, host, done));
    } catch (error) {
      throw new Error(`DNS port ${host}:${wanted} (tcp): ${(error as Error).message}`, { cause: error });
    }
    const port = (tcp.address() as { port: number }).port;
    try {
      return { udp: await openUdp(host, port, answer, log), tcp, port };
    } catch (error) {
      lastError = error;
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') break; // another port would not help
    }
  }
  throw new Error(`DNS port ${host}:${wanted} (udp): ${(lastError as Error).message}`);
}
