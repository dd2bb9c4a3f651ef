// freeLoopbackPort: a port a restarted process can bind again, one the kernel does not hand to other sockets.
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../../src/net/free-port.js';
import { listening } from '../../src/net/listening.js';

describe('freeLoopbackPort', () => {
  it('gives ports below the kernel ephemeral range that TCP and UDP can both bind', async () => {
    const ports = await Promise.all(Array.from({ length: 5 }, () => freeLoopbackPort()));
    const range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(range[0]);
      const server = net.createServer();
      const socket = dgram.createSocket('udp4');
      await listening(server, (done) => server.listen(port, '127.0.0.1', done));
      await listening(socket, (done) => socket.bind(port, '127.0.0.1', done));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    }
  });
});
