// The probe's query path against real sockets on loopback: dns2's own server for well-formed replies, and raw
// sockets for the misbehaving ones (silence, forged ids, a TCP server that never answers).
import dgram from 'node:dgram';
import net from 'node:net';
import DNS from 'dns2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsTimeoutError, parseServerAddress, queryDns, type DnsServerAddress } from '../../src/probe/query.js';

const { Packet } = DNS;

function answerFor(request: DNS.Packet): DNS.Packet {
  const response = Packet.createResponseFromRequest(request);
  const question = request.questions[0];
  const name = question.name.toLowerCase();
  const address = (i: number): DNS.Packet.Resource =>
    ({
      name: question.name,
      type: Packet.TYPE.A,
      class: Packet.CLASS.IN,
      ttl: 60,
      address: `10.0.${i >> 8}.${i & 255}`,
    }) as DNS.Packet.Resource;
  if (name === 'small.example.test') response.answers.push(address(1));
  if (name === 'big.example.test') for (let i = 0; i < 150; i += 1) response.answers.push(address(i));
  if (name === 'missing.example.test') response.header.rcode = Packet.RCODE.NXDOMAIN;
  return response;
}

async function bindUdp(
  onMessage: (socket: dgram.Socket, message: Buffer, sender: dgram.RemoteInfo) => void,
): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, sender) => onMessage(socket, message, sender));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

/**
 * Binds UDP on a free port, then a TCP server on the same port. Another test may hold that TCP port, so on a
 * clash both are dropped and it starts over.
 */
async function onSharedPort(
  bindUdpSide: () => Promise<{ port: number; close(): void }>,
  createTcp: () => net.Server,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const udpSide = await bindUdpSide();
    const tcpServer = createTcp();
    try {
      await new Promise<void>((resolve, reject) => {
        tcpServer.once('error', reject);
        tcpServer.listen(udpSide.port, '127.0.0.1', resolve);
      });
      return udpSide.port;
    } catch (error) {
      udpSide.close();
      if (attempt >= 20) throw error;
    }
  }
}

describe('queryDns', () => {
  let udp: DNS.UDPServer;
  let tcp: DNS.TCPServer;
  let server: DnsServerAddress;

  beforeAll(async () => {
    const port = await onSharedPort(
      async () => {
        udp = DNS.createUDPServer((request, send) => void send(answerFor(request)));
        await udp.listen(0, '127.0.0.1');
        return { port: udp.address().port, close: () => udp.close() };
      },
      () => (tcp = DNS.createTCPServer((request, send) => void send(answerFor(request)))),
    );
    server = { host: '127.0.0.1', port };
  });

  afterAll(() => {
    udp.close();
    tcp.close();
  });

  it('answers a small question over UDP', async () => {
    const reply = await queryDns({ server, name: 'small.example.test.', type: 'A', timeoutMs: 1000 });
    expect(reply).toMatchObject({ rcodeName: 'NOERROR', values: ['10.0.0.1'], transport: 'udp' });
  });

  it('retries over TCP when the UDP reply is truncated', async () => {
    const reply = await queryDns({ server, name: 'big.example.test', type: 'A', timeoutMs: 2000 });
    expect(reply.transport).toBe('tcp');
    expect(reply.values).toHaveLength(150);
  });

  it('reports NXDOMAIN and the empty answer as they came', async () => {
    expect((await queryDns({ server, name: 'missing.example.test', type: 'A', timeoutMs: 1000 })).rcodeName).toBe(
      'NXDOMAIN',
    );
    const empty = await queryDns({ server, name: 'empty.example.test', type: 'A', timeoutMs: 1000 });
    expect(empty).toMatchObject({ rcodeName: 'NOERROR', values: [] });
  });

  it('times out on a server that never answers, within its own deadline', async () => {
    const silent = await bindUdp(() => undefined);
    const started = Date.now();
    const query = queryDns({
      server: { host: '127.0.0.1', port: silent.address().port },
      name: 'small.example.test',
      type: 'A',
      timeoutMs: 150,
    });
    await expect(query).rejects.toBeInstanceOf(DnsTimeoutError);
    // Well under the 30 s a forgotten deadline would take; loose enough for a loaded CI machine.
    expect(Date.now() - started).toBeLessThan(3000);
    silent.close();
  });

  it('keeps the deadline when the TCP retry hangs', async () => {
    // UDP says "truncated", and the TCP port accepts the connection but never replies.
    let truncating!: dgram.Socket;
    let hanging!: net.Server;
    const port = await onSharedPort(
      async () => {
        truncating = await bindUdp((socket, message, sender) => {
          const response = Packet.createResponseFromRequest(Packet.parse(message));
          response.header.tc = 1;
          socket.send(response.toBuffer(), sender.port, sender.address);
        });
        return { port: truncating.address().port, close: () => truncating.close() };
      },
      () => (hanging = net.createServer(() => undefined)),
    );
    // Long enough for the UDP leg to come back on a loaded machine, so the deadline is met on the TCP leg.
    const query = queryDns({
      server: { host: '127.0.0.1', port },
      name: 'small.example.test',
      type: 'A',
      timeoutMs: 1_000,
    });
    await expect(query).rejects.toThrow(/within 1000 ms \(tcp\)/);
    truncating.close();
    hanging.close();
  });

  it('ignores replies with the wrong id or question, and takes the real one', async () => {
    const forging = await bindUdp((socket, message, sender) => {
      const request = Packet.parse(message);
      const forgedId = answerFor(request);
      forgedId.header.id = (request.header.id + 1) % 0x10000;
      forgedId.answers = [{ ...forgedId.answers[0], address: '6.6.6.6' }];
      const forgedQuestion = answerFor(request);
      forgedQuestion.questions = [{ ...request.questions[0], name: 'other.example.test' }];
      for (const packet of [forgedId, forgedQuestion, answerFor(request)])
        socket.send(packet.toBuffer(), sender.port, sender.address);
    });
    const reply = await queryDns({
      server: { host: '127.0.0.1', port: forging.address().port },
      name: 'small.example.test',
      type: 'A',
      timeoutMs: 1000,
    });
    expect(reply.values).toEqual(['10.0.0.1']);
    forging.close();
  });

  it('sends a fresh random id each time', async () => {
    const ids = new Set<number>();
    const recorder = await bindUdp((socket, message, sender) => {
      const request = Packet.parse(message);
      ids.add(request.header.id);
      socket.send(answerFor(request).toBuffer(), sender.port, sender.address);
    });
    const target = { host: '127.0.0.1', port: recorder.address().port };
    for (let i = 0; i < 20; i += 1)
      await queryDns({ server: target, name: 'small.example.test', type: 'A', timeoutMs: 1000 });
    expect(ids.size).toBeGreaterThan(15);
    recorder.close();
  });
});

describe('parseServerAddress', () => {
  it('reads IP:PORT, [IPv6]:PORT and a bare IP', () => {
    expect(parseServerAddress('127.0.0.1:8053')).toEqual({ host: '127.0.0.1', port: 8053 });
    expect(parseServerAddress('[::1]:5353')).toEqual({ host: '::1', port: 5353 });
    expect(parseServerAddress('::1')).toEqual({ host: '::1', port: 53 });
    expect(parseServerAddress('10.0.0.1')).toEqual({ host: '10.0.0.1', port: 53 });
  });

  it('refuses names and bad ports, naming the option', () => {
    expect(() => parseServerAddress('localhost:53', '--resolver')).toThrow(/--resolver "localhost:53" must be IP:PORT/);
    expect(() => parseServerAddress('127.0.0.1:99999', '--authority')).toThrow(/invalid port/);
  });
});
