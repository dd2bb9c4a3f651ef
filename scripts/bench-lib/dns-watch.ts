// A fast DNS observer for the convergence benchmark: one UDP socket, one pre-encoded A query per endpoint (its
// index is the message id), sweeps that ask every endpoint still pending, a window of queries at a time, and
// every reply counted at the moment it arrives. A fresh socket and a full client per query (as the probe does, correctly, for one endpoint at a
// time) made one sweep of 1,000 endpoints take most of a second, longer than what it was meant to resolve.
import { createSocket } from 'node:dgram';
import dns2 from 'dns2';

export interface Sweeper {
  /** Called for every reply, whenever it arrives (a late reply of an earlier sweep too). */
  onReply?: (index: number, values: string[]) => void;
  /** Asks each of `indices` once, WINDOW at a time; a query unanswered after `lostAfterMs` counts as lost. */
  sweep(indices: readonly number[], lostAfterMs: number): Promise<void>;
  close(): void;
}

/**
 * Queries in flight at once. Node reads at most 32 datagrams per socket per event-loop turn, and while the
 * authority commits a batch a turn lasts tens of ms: a sweep of 1,000 endpoints then takes many turns however
 * it is paced, which bounds how finely an observer can see 1,000 endpoints change during an enactment.
 */
const WINDOW = 256;

/** What a reply yields: an A answer's addresses, or a TXT answer's strings (each answer's joined). */
export type WatchedType = 'A' | 'TXT';

export async function dnsSweeper(port: number, names: readonly string[], type: WatchedType = 'A'): Promise<Sweeper> {
  if (names.length > 65_536) throw new Error('one message id per name: at most 65,536 names');
  const queries = names.map((name, id) => {
    const packet = new dns2.Packet();
    packet.header.id = id;
    packet.questions.push({ name, type: dns2.Packet.TYPE[type], class: dns2.Packet.CLASS.IN } as never);
    return packet.toBuffer();
  });
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    socket.setRecvBufferSize(4 * 1024 * 1024);
  } catch {
    // the default; the window still bounds what can pile up
  }
  // Sent at → index, for the queries of the current sweep still unanswered.
  const inFlight = new Map<number, number>();
  let settle = () => {};
  const sweeper: Sweeper = {
    sweep(indices, lostAfterMs) {
      // Popped from the end: ask in ascending order, the order an enactor sends endpoints in.
      const queue = [...indices].reverse();
      return new Promise<void>((resolve) => {
        const fill = () => {
          const now = performance.now();
          for (const [i, sentAt] of inFlight) if (now - sentAt > lostAfterMs) inFlight.delete(i);
          while (inFlight.size < WINDOW && queue.length > 0) {
            const i = queue.pop()!;
            inFlight.set(i, now);
            socket.send(queries[i], port, '127.0.0.1');
          }
          if (inFlight.size === 0) {
            clearInterval(reaper);
            resolve();
          }
        };
        const reaper = setInterval(fill, lostAfterMs);
        settle = fill;
        fill();
      });
    },
    close: () => socket.close(),
  };
  socket.on('message', (message, from) => {
    if (from.port !== port) return;
    const id = message.readUInt16BE(0);
    let values: string[] = [];
    try {
      values = answerValues(message, type);
    } catch {
      // A reply we cannot read shows no generation; the endpoint stays pending and is asked again.
    }
    sweeper.onReply?.(id, values);
    if (inFlight.delete(id)) settle();
  });
  return sweeper;
}

/** Where a (possibly compressed) name ends. */
function skipName(message: Buffer, at: number): number {
  for (;;) {
    const length = message[at];
    if (length === undefined) throw new RangeError('name runs past the message');
    if (length === 0) return at + 1;
    if ((length & 0xc0) === 0xc0) return at + 2;
    at += length + 1;
  }
}

/**
 * The values of a reply's answer records of `type`: dotted quads for A, the joined character-strings for TXT.
 * A lean reader instead of dns2's Packet.parse, which cost the observer most of a core while it swept 1,000
 * endpoints back to back, on a machine whose other core the enactor and the authority share.
 */
function answerValues(message: Buffer, type: WatchedType): string[] {
  const wanted = type === 'A' ? 1 : 16;
  const answers = message.readUInt16BE(6);
  let at = 12;
  for (let i = message.readUInt16BE(4); i > 0; i--) at = skipName(message, at) + 4;
  const values: string[] = [];
  for (let i = 0; i < answers; i++) {
    at = skipName(message, at);
    const rrType = message.readUInt16BE(at);
    const length = message.readUInt16BE(at + 8);
    const rdata = message.subarray(at + 10, at + 10 + length);
    at += 10 + length;
    if (rrType !== wanted) continue;
    if (type === 'A') values.push(rdata.join('.'));
    else {
      let text = '';
      for (let p = 0; p < rdata.length; p += rdata[p] + 1) text += rdata.toString('utf8', p + 1, p + 1 + rdata[p]);
      values.push(text);
    }
  }
  return values;
}
