// A network namespace for one enactor, so that its packets to the authority cross a real link that can be
// delayed: a veth pair (host side HOST_IP, namespace side NS_IP), and on the host side a TCP relay from
// HOST_IP:port to the authority's API on loopback (the authority listens on loopback only). The delay is
// tc netem on the host side of the veth when the kernel has it; kernels without sch_netem get the same delay
// from the relay, per chunk in each direction, so the enactor's requests and replies still arrive late.
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
  /** What crossed the link so far: connections opened and bytes sent by the enactor (the delayed requests). */
  traffic(): LinkTraffic;
  close(): Promise<void>;
}

export interface LinkTraffic {
  connections: number;
  bytesFromEnactor: number;
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
 * Packets from the namespace to the authority are delayed by delayMs each way.
 */
export async function createDelayedLink(options: {
  index: number;
  apiPort: number;
  delayMs: number;
}): Promise<DelayedLink> {
  const { index, delayMs } = options;
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
    const traffic: LinkTraffic = { connections: 0, bytesFromEnactor: 0 };
    relay = delayingRelay({ port: options.apiPort, host: '127.0.0.1' }, delayBy === 'relay' ? delayMs : 0, traffic);
    await listening(relay, (done) => relay!.listen(0, hostIp, done));
    const { port } = relay.address() as net.AddressInfo;
    return {
      namespace,
      endpoint: `http://${hostIp}:${port}`,
      delayBy,
      exec: (argv) => ['ip', 'netns', 'exec', namespace, ...argv],
      traffic: () => ({ ...traffic }),
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

/** A TCP relay to `target` that holds every chunk for delayMs in each direction (order kept), counting what the enactor sends. */
function delayingRelay(target: { host: string; port: number }, delayMs: number, traffic: LinkTraffic): net.Server {
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
