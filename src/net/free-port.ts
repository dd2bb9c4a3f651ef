// A free loopback port for a process that will be restarted on the same port (the supervisor of `dnsplane up`,
// the fault suite, the recovery rig). A port the kernel hands out for port 0 lies in its ephemeral range, the
// same range it draws from for the local end of every outbound connection and UDP query: on a busy machine one
// of those took a restarted authority's port in the seconds it was down (EADDRINUSE on restart). So the port is
// drawn below that range, where the kernel never picks on its own, and checked free for both TCP and UDP.
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { listening } from './listening.js';

const HOST = '127.0.0.1';
/** Lowest port drawn: above the registered services most machines run. */
const LOWEST = 10_000;
const ATTEMPTS = 50;

/** A port on 127.0.0.1 that is free for TCP and UDP now and that the kernel does not hand out by itself. */
export async function freeLoopbackPort(): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  if (ephemeralLow - LOWEST >= 1_000) {
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const port = LOWEST + Math.floor(Math.random() * (ephemeralLow - LOWEST));
      if (await freeForBoth(port)) return port;
    }
  }
  // No room below the ephemeral range (or all tried were taken): any free port, as port 0 gives.
  return kernelChosenPort();
}

function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return [low, high];
  } catch {
    // Not Linux: IANA's dynamic range, which BSD, macOS and Windows use.
  }
  return [49_152, 65_535];
}

async function freeForBoth(port: number): Promise<boolean> {
  const server = net.createServer();
  const socket = dgram.createSocket('udp4');
  try {
    await listening(server, (done) => server.listen(port, HOST, done));
    await listening(socket, (done) => socket.bind(port, HOST, done));
    return true;
  } catch {
    return false;
  } finally {
    await Promise.all([
      new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => {
        try {
          socket.close(() => resolve());
        } catch {
          resolve(); // never bound
        }
      }),
    ]);
  }
}

async function kernelChosenPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await listening(socket, (done) => socket.bind(0, HOST, done));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
