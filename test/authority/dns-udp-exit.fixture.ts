// Child of dns-udp.test.ts: starts the DNS face, asks it once over UDP, closes it, binds its port again to
// show it was freed, and then must exit by itself: a handle left open by close() would keep it running.
import { createSocket } from 'node:dgram';
import { startDnsFace } from '../../src/authority/dns/server.js';
import { MemoryZoneSource, apexSets, query, zoneInfo } from './dns-fixture.js';

const source = new MemoryZoneSource();
source.commit(zoneInfo('exit.example.'), apexSets('exit.example.'));
const face = await startDnsFace({ host: '127.0.0.1', port: 0, source });
const reply = await query(face.port, 'exit.example.', 'SOA');
if (reply.answers.length !== 1) throw new Error('no SOA answer');
await face.close();
const socket = createSocket('udp4');
await new Promise<void>((resolve, reject) => {
  socket.once('error', reject);
  socket.bind(face.port, '127.0.0.1', resolve);
});
socket.close();
console.log(`answered on ${face.udpTransport}, rebound after close`);
