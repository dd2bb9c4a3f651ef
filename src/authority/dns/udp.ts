// The DNS face's UDP socket, in one of two transports with the same contract (one query in, at most one reply
// out to its sender):
//   'batched'  native/udp_batch.c: recvmmsg/sendmmsg, one call into JS per batch of up to 64 datagrams. Built
//              by `npm ci` (scripts/build-native.mjs) on Linux.
//   'dgram'    node:dgram: one syscall each way and one JS callback per datagram, about half the qps.
// The batched transport is used when its addon loads; DNSPLANE_UDP=dgram forces the fallback, and
// DNSPLANE_UDP=batched makes a missing addon an error instead of a fallback.
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { listening } from '../../net/listening.js';

export type UdpTransport = 'batched' | 'dgram';
/** Answers one query (the datagram's bytes, valid only during the call); null sends nothing. Never throws. */
export type UdpAnswer = (req: Buffer) => Buffer | null;

export interface UdpEndpoint {
  readonly transport: UdpTransport;
  /** Replies dropped because the socket could not send them (full send buffer, unroutable peer), so far. */
  sendDropped(): number;
  close(): Promise<void>;
}

interface Addon {
  open(
    address: string,
    port: number,
    ipv6: boolean,
    input: Buffer,
    lengths: Int32Array,
    output: Buffer,
    counters: Float64Array,
    onBatch: (count: number) => void,
  ): object;
  close(handle: object): void;
  constants: { batch: number; inStride: number; outSlot: number; outStride: number };
}

const ADDON_PATH = '../../../native/build/Release/udp_batch.node';
const RCVBUF_BYTES = 4 * 1024 * 1024;
const COUNTER_SEND_DROPPED = 1;

let loaded: { addon: Addon } | { reason: string } | undefined;

/** The addon, or why it cannot be loaded (not built, or built for another Node). Loaded once per process. */
function loadAddon(): { addon: Addon } | { reason: string } {
  if (loaded) return loaded;
  try {
    loaded = { addon: createRequire(import.meta.url)(ADDON_PATH) as Addon };
  } catch (error) {
    const message =
      (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND'
        ? 'native/ not built (npm run build:native)'
        : (error as Error).message;
    loaded = { reason: message };
  }
  return loaded;
}

/** Why the batched transport cannot be used in this process (whatever DNSPLANE_UDP says), or undefined. */
export function batchedUdpProblem(): string | undefined {
  const choice = loadAddon();
  return 'reason' in choice ? choice.reason : undefined;
}

const announced = new Set<string>();

/**
 * Binds UDP on host:port (a port already chosen: the face's TCP listener picked it). Rejects with the
 * socket error (err.code EADDRINUSE when the port is taken for UDP), so the caller can try another port.
 */
export async function openUdp(host: string, port: number, answer: UdpAnswer, log: Logger): Promise<UdpEndpoint> {
  // The switch is read at every bind, so one process (a test, a benchmark) can serve both ways.
  const wanted = process.env.DNSPLANE_UDP ?? '';
  if (!['', 'dgram', 'batched'].includes(wanted))
    throw new Error(`DNSPLANE_UDP must be 'dgram' or 'batched' (or unset), not '${wanted}'`);
  const choice = wanted === 'dgram' ? { reason: 'DNSPLANE_UDP=dgram' } : loadAddon();
  if ('addon' in choice) return openBatched(choice.addon, host, port, answer, log);
  if (wanted === 'batched')
    throw new Error(`DNSPLANE_UDP=batched but the native UDP addon cannot be used: ${choice.reason}`);
  if (!announced.has(choice.reason)) {
    announced.add(choice.reason);
    const level = choice.reason === 'DNSPLANE_UDP=dgram' ? 'info' : 'warn';
    log[level]({ reason: choice.reason }, 'DNS face UDP on node:dgram (the batched native transport is not in use)');
  }
  return openDgram(host, port, answer, log);
}

async function openBatched(
  addon: Addon,
  host: string,
  port: number,
  answer: UdpAnswer,
  log: Logger,
): Promise<UdpEndpoint> {
  const { batch, inStride, outSlot, outStride } = addon.constants;
  const address = isIP(host) ? host : (await lookup(host, { family: 4 })).address;
  const input = Buffer.alloc(batch * inStride);
  const lengths = new Int32Array(2 * batch); // query lengths (-1: truncated), then reply lengths
  const output = Buffer.alloc(batch * outStride);
  const counters = new Float64Array(3);
  let oversized = 0;
  // One call per batch. Replies are copied into the output slots: answers are at most 1,232 octets over UDP
  // (answer.ts caps them), so the copy is small; anything larger would be a bug, and is dropped, not sent.
  const onBatch = (count: number) => {
    for (let i = 0; i < count; i++) {
      const length = lengths[i];
      if (length < 0) continue; // truncated by the kernel: cannot happen with 64 KiB slots, never judged
      const start = i * inStride;
      try {
        const out = answer(input.subarray(start, start + length));
        if (!out) continue;
        if (out.length > outSlot) {
          oversized++;
          continue;
        }
        output.set(out, i * outStride);
        lengths[batch + i] = out.length;
      } catch (error) {
        // answer() is not meant to throw (the face's own catches per query): a throw costs this reply only.
        log.error({ err: error }, 'udp query failed');
      }
    }
  };
  const handle = addon.open(address, port, isIP(address) === 6, input, lengths, output, counters, onBatch);
  let closed = false;
  return {
    transport: 'batched',
    sendDropped: () => counters[COUNTER_SEND_DROPPED] + oversized,
    async close() {
      if (closed) return;
      closed = true;
      addon.close(handle);
    },
  };
}

async function openDgram(host: string, port: number, answer: UdpAnswer, log: Logger): Promise<UdpEndpoint> {
  const udp = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
  try {
    await listening(udp, (done) => udp.bind(port, host, done));
  } catch (error) {
    udp.close();
    throw error;
  }
  try {
    // Room for bursts while the event loop is busy (the kernel caps it at net.core.rmem_max).
    udp.setRecvBufferSize(RCVBUF_BYTES);
  } catch {
    // keep the default
  }
  let dropped = 0;
  const sent = (error: Error | null) => {
    if (error) dropped++;
  };
  udp.on('message', (msg, rinfo) => {
    try {
      const out = answer(msg);
      if (out) udp.send(out, rinfo.port, rinfo.address, sent);
    } catch (error) {
      log.error({ err: error }, 'udp query failed'); // as the batched path: this reply only, never the process
    }
  });
  udp.on('error', (error) => log.warn({ err: error }, 'udp socket error'));
  return {
    transport: 'dgram',
    sendDropped: () => dropped,
    close: () => new Promise<void>((resolve) => udp.close(() => resolve())),
  };
}
