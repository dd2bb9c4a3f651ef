// A network namespace for one enactor, so that its packets to the authority cross a real link that can be
// delayed: a veth pair (host side HOST_IP, namespace side NS_IP), and on the host side a TCP relay from
// HOST_IP:port to the authority's API on loopback (the authority listens on loopback only). The delay is
// tc netem on the host side of the veth when the kernel has it; kernels without sch_netem get the same delay
// from the relay, per chunk in each direction, so the enactor's requests and replies still arrive late.
// Packet loss is the kernel's: an nftables table inside the namespace drops a random share of the packets
// between the enactor and the host side in each direction (TCP then retransmits, as on a lossy link), with
// counters, so a run can say how many packets it dropped.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { listening } from '../../net/listening.js';

const run = promisify(execFile);

export interface DelayedLink {
  /** The namespace's name, for `ip netns exec`. */
  namespace: string;
  /** The endpoint an enactor inside the namespace uses for the authority's API. */
  endpoint: string;
  /** 'netem' or 'relay': where the delay is applied. */
  delayBy: 'netem' | 'relay';
  /** The argv prefix that runs a command inside the namespace. */
  exec(argv: string[]): string[];
  /** What crossed the link so far: connections, bytes sent by the enactor, packets seen and dropped. */
  traffic(): Promise<LinkTraffic>;
  close(): Promise<void>;
}

export interface LinkTraffic {
  connections: number;
  bytesFromEnactor: number;
  /** Packets between the enactor and the host side, both directions, counted before the drop rules. */
  packets: number;
  /** Of those, dropped by the kernel on purpose (0 when dropPercent is 0). */
  dropped: number;
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

/** Whether `ip netns` works here (iproute2 installed, and the right to create namespaces). */
export async function netnsAvailable(): Promise<boolean> {
  const probe = `dnsplane-probe-${process.pid}`;
  try {
    await ip('netns', 'add', probe);
    await ip('netns', 'del', probe);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates the namespace and link; `index` (0-255) keeps concurrent runs apart (names and 10.231.index.0/30).
 * Packets from the namespace to the authority are delayed by delayMs each way, and dropPercent of them (each
 * direction, at random) are dropped; drops need nftables (`nft`).
 */
export async function createDelayedLink(options: {
  index: number;
  apiPort: number;
  delayMs: number;
  dropPercent: number;
}): Promise<DelayedLink> {
  const { index, delayMs, dropPercent } = options;
  const tag = `${process.pid % 10000}x${index}`;
  const namespace = `dnsplane-${tag}`;
  const hostIf = `dph${tag}`.slice(0, 15);
  const nsIf = `dpn${tag}`.slice(0, 15);
  const hostIp = `10.231.${index}.1`;
  const nsIp = `10.231.${index}.2`;
  const undo: Array<() => Promise<void>> = [];
  let relay: net.Server | undefined;
  const close = async () => {
    relay?.close();
    for (const step of undo.reverse()) await step().catch(() => undefined);
  };
  try {
    await ip('netns', 'add', namespace);
    undo.push(() => ip('netns', 'del', namespace));
    await ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    undo.push(() => ip('link', 'del', hostIf));
    await ip('link', 'set', nsIf, 'netns', namespace);
    await ip('addr', 'add', `${hostIp}/30`, 'dev', hostIf);
    await ip('link', 'set', hostIf, 'up');
    await ip('netns', 'exec', namespace, 'ip', 'addr', 'add', `${nsIp}/30`, 'dev', nsIf);
    await ip('netns', 'exec', namespace, 'ip', 'link', 'set', nsIf, 'up');
    await ip('netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up');
    let delayBy: DelayedLink['delayBy'] = 'netem';
    try {
      await run('tc', ['qdisc', 'add', 'dev', hostIf, 'root', 'netem', 'delay', `${delayMs}ms`]);
      await run('ip', [
        'netns',
        'exec',
        namespace,
        'tc',
        'qdisc',
        'add',
        'dev',
        nsIf,
        'root',
        'netem',
        'delay',
        `${delayMs}ms`,
      ]);
    } catch {
      delayBy = 'relay';
    }
    await dropPackets(namespace, hostIp, dropPercent);
    const traffic = { connections: 0, bytesFromEnactor: 0 };
    relay = delayingRelay({ port: options.apiPort, host: '127.0.0.1' }, delayBy === 'relay' ? delayMs : 0, traffic);
    await listening(relay, (done) => relay!.listen(0, hostIp, done));
    const { port } = relay.address() as net.AddressInfo;
    return {
      namespace,
      endpoint: `http://${hostIp}:${port}`,
      delayBy,
      exec: (argv) => ['ip', 'netns', 'exec', namespace, ...argv],
      traffic: async () => ({ ...traffic, ...(await packetCounts(namespace)) }),
      close,
    };
  } catch (error) {
    await close();
    throw new Error(
      `cannot set up the network namespace for the delayed enactor (needs iproute2 and root): ${(error as Error).message}`,
      { cause: error },
    );
  }
}

const TABLE = ['inet', 'dnsplane_chaos'];

/**
 * In the namespace: count every packet to and from the host side, then drop dropPercent of them at random
 * (numgen random, per packet, each direction). The table goes away with the namespace.
 */
async function dropPackets(namespace: string, hostIp: string, dropPercent: number): Promise<void> {
  const nft = (...args: string[]) => ip('netns', 'exec', namespace, 'nft', ...args);
  const perMille = Math.round(dropPercent * 10);
  try {
    await nft('add', 'table', ...TABLE);
    for (const [chain, hook, match] of [
      ['out', 'output', 'daddr'],
      ['in', 'input', 'saddr'],
    ] as const) {
      await nft('add', 'chain', ...TABLE, chain, `{ type filter hook ${hook} priority 0; }`);
      await nft('add', 'rule', ...TABLE, chain, 'ip', match, hostIp, 'counter', 'comment', '"seen"');
      if (perMille > 0)
        await nft(
          'add',
          'rule',
          ...TABLE,
          chain,
          'ip',
          match,
          hostIp,
          'numgen',
          'random',
          'mod',
          '1000',
          '<',
          String(perMille),
          'counter',
          'drop',
        );
    }
  } catch (error) {
    throw new Error(
      `cannot add the packet-drop rules (needs nftables, \`apt-get install nftables\`; or run with no drops): ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Sums the namespace's nftables counters: packets seen, and packets dropped. */
async function packetCounts(namespace: string): Promise<{ packets: number; dropped: number }> {
  const { stdout } = await run('ip', ['netns', 'exec', namespace, 'nft', '-j', 'list', 'table', ...TABLE]);
  const counts = { packets: 0, dropped: 0 };
  for (const item of (JSON.parse(stdout) as { nftables: Array<{ rule?: NftRule }> }).nftables) {
    const expr = item.rule?.expr ?? [];
    const packets = expr.find((part) => part.counter)?.counter?.packets ?? 0;
    if (expr.some((part) => 'drop' in part)) counts.dropped += packets;
    else counts.packets += packets;
  }
  return counts;
}
interface NftRule {
  expr?: Array<{ counter?: { packets: number }; drop?: null }>;
}

/** A TCP relay to `target` that holds every chunk for delayMs in each direction (order kept), counting what the enactor sends. */
function delayingRelay(
  target: { host: string; port: number },
  delayMs: number,
  traffic: { connections: number; bytesFromEnactor: number },
): net.Server {
  const pipe = (from: net.Socket, to: net.Socket, counted: boolean) => {
    from.on('data', (chunk: Buffer) => {
      if (counted) traffic.bytesFromEnactor += chunk.length;
      if (delayMs === 0) to.write(chunk);
      else setTimeout(() => to.writable && to.write(chunk), delayMs);
    });
    from.on('end', () => setTimeout(() => to.end(), delayMs));
    from.on('error', () => to.destroy());
  };
  return net.createServer((client) => {
    traffic.connections += 1;
    const upstream = net.connect(target.port, target.host);
    pipe(client, upstream, true);
    pipe(upstream, client, false);
  });
}
