// Test fixtures for the DNS face: an in-memory ZoneSource (the store, not the network) and a raw UDP/TCP
// query client. Replies are decoded with dns2's Packet parser, an implementation independent of ours.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dns2 from 'dns2';
import type { RecordSet } from '../../src/route53/recordset.js';
import type { HostedZoneInfo, ZoneChange, ZoneHead, ZoneSnapshot, ZoneSource } from '../../src/authority/zones.js';

/**
 * Zones as the DNS tests write them: their own zone ids and whole sets of records, committed without the
 * store's validation (the face must serve, or skip and report, whatever a source holds). Each commit is
 * also kept as a change batch that replaces every set, so the face follows it as it follows a ZoneStore.
 */
export class MemoryZoneSource implements ZoneSource {
  private zones = new Map<string, ZoneSnapshot>();
  /** Per zone, every batch committed to it since it was first committed, oldest first. */
  private changes = new Map<string, ZoneChange[]>();
  private listeners = new Set<() => void>();

  /** Replaces a zone's record sets whole, as one committed batch (version + 1). */
  commit(zone: HostedZoneInfo, recordSets: RecordSet[]): number {
    const before = this.zones.get(zone.id);
    const version = (before?.version ?? 0) + 1;
    this.zones.set(zone.id, { zone, version, recordSets });
    const history = this.changes.get(zone.id) ?? [];
    history.push({ version, removed: before?.recordSets ?? [], added: recordSets });
    this.changes.set(zone.id, history);
    for (const listener of this.listeners) listener();
    return version;
  }

  snapshots(): readonly ZoneSnapshot[] {
    return [...this.zones.values()];
  }

  heads(): readonly ZoneHead[] {
    return [...this.zones.values()].map(({ zone, version }) => ({ zone, version }));
  }

  changesSince(zoneId: string, version: number): readonly ZoneChange[] | undefined {
    return this.changes.get(zoneId)?.filter((change) => change.version > version);
  }

  onCommit(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export function zoneInfo(name: string, id = `Z${name.replace(/\W/g, '').toUpperCase()}`): HostedZoneInfo {
  return { id, name, callerReference: id, nameServers: [`ns-1.${name}`] };
}

export function apexSets(apex: string, soaTtl = 900, minimum = 300): RecordSet[] {
  return [
    { name: apex, type: 'SOA', ttl: soaTtl, values: [`ns-1.${apex} hostmaster.${apex} 1 7200 900 1209600 ${minimum}`] },
    { name: apex, type: 'NS', ttl: 172800, values: [`ns-1.${apex}`, `ns-2.${apex}`] },
  ];
}

export interface QueryOptions {
  /** EDNS UDP payload size to advertise; omit for no OPT record. */
  edns?: number;
  id?: number;
}

export function encodeQuery(name: string, type: string, options: QueryOptions = {}): Buffer {
  const packet = new dns2.Packet();
  packet.header.id = options.id ?? Math.floor(Math.random() * 65536);
  packet.header.rd = 1;
  const code = { ...(dns2.Packet.TYPE as Record<string, number>), IXFR: 251, AXFR: 252 }[type];
  if (code === undefined) throw new Error(`unknown query type ${type}`);
  packet.questions.push({ name, type: code, class: 1 } as never);
  if (options.edns !== undefined) {
    packet.additionals.push({ name: '', type: 41, class: options.edns, ttl: 0, rdata: [] } as never);
  }
  return packet.toBuffer();
}

export type Reply = ReturnType<typeof dns2.Packet.parse>;

/** Sends raw bytes over UDP and resolves with the raw reply (or rejects after timeoutMs). */
export function udpExchange(port: number, request: Buffer, timeoutMs = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('udp query timed out'));
    }, timeoutMs);
    socket.once('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg);
    });
    socket.send(request, port, '127.0.0.1');
  });
}

export function tcpExchange(port: number, request: Buffer, timeoutMs = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('tcp query timed out'));
    }, timeoutMs);
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(data.subarray(2, 2 + data.readUInt16BE(0)));
      }
    });
    const frame = Buffer.alloc(2 + request.length);
    frame.writeUInt16BE(request.length, 0);
    request.copy(frame, 2);
    socket.write(frame);
  });
}

export async function query(
  port: number,
  name: string,
  type: string,
  options: QueryOptions & { tcp?: boolean } = {},
): Promise<Reply> {
  const request = encodeQuery(name, type, options);
  const raw = await (options.tcp ? tcpExchange(port, request) : udpExchange(port, request));
  return dns2.Packet.parse(raw);
}
