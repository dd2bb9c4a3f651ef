// Starts the authority in its own process exactly as a user does (`dnsplane authority`, its defaults included),
// and gives the benchmark what it needs to talk to it: the API endpoint, a signed SDK client, the DNS port,
// and the child's memory figures. A separate process keeps the authority off the benchmark's (and the
// enactor's) event loop, as in production, and lets the memory benchmark read its peak RSS and kill it like a
// crash would.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CreateHostedZoneCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { createRoute53Client } from '../../src/route53/client.js';

const dnsplane = fileURLToPath(new URL('../../bin/dnsplane.js', import.meta.url));

export interface AuthorityProcess {
  pid: number;
  endpoint: string;
  dnsPort: number;
  /** ms from spawn() to the ready line (process start, journal load, both listeners bound). */
  readyMs: number;
  recovery: { replayedEntries: number; loadMs: number };
  /** SDK retries off, so a throttled or failed call is seen as such. */
  client: Route53Client;
  createZone(name: string): Promise<string>;
  /** Peak and current resident set, in MiB, from /proc/PID/status (Linux). */
  memory(): { peakMiB: number; currentMiB: number } | undefined;
  /** CPU seconds (user + system) the authority process has used so far, from /proc/PID/stat (Linux). */
  cpuSeconds(): number | undefined;
  /** SIGTERM and wait (graceful), or SIGKILL (a crash). */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export async function startAuthorityProcess(
  dataDir: string,
  options: { rateLimit?: number; heapGrowth?: number } = {},
): Promise<AuthorityProcess> {
  const argv = [
    dnsplane,
    'authority',
    '--api-port',
    '0',
    '--dns-port',
    '0',
    '--data',
    dataDir,
    '--access-key-id',
    'test',
    '--secret-access-key',
    'test',
  ];
  if (options.rateLimit) argv.push('--rate-limit', String(options.rateLimit));
  // Unset: the command's own default, which is what the benchmarks measure.
  if (options.heapGrowth !== undefined) argv.push('--heap-growth', String(options.heapGrowth));
  const spawned = performance.now();
  // BENCH_AUTHORITY_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the authority side of a benchmark.
  const nodeArgs = process.env.BENCH_AUTHORITY_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const env = { ...process.env, DNSPLANE_LOG_LEVEL: 'info' };
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ api: string; dnsPort: number; recovery: AuthorityProcess['recovery'] }>(
    (resolve, reject) => {
      let api: string | undefined;
      let dnsPort: number | undefined;
      let recovery: AuthorityProcess['recovery'] | undefined;
      const settle = () => api && dnsPort && recovery && resolve({ api, dnsPort, recovery });
      // The ready line on stdout, the journal's recovery figures in the 'authority started' log line on stderr.
      // Anything else (node's --trace-gc, warnings, other logs) is passed on to stderr.
      lines(child.stdout!, (line) => {
        const match = /^dnsplane authority ready: api=(\S+) dns=\S+:(\d+)/.exec(line);
        if (!match) return process.stderr.write(`${line}\n`);
        [api, dnsPort] = [match[1], Number(match[2])];
        settle();
      });
      lines(child.stderr!, (line) => {
        const log = parseLogLine(line);
        if (log?.msg === 'authority started') {
          recovery = { replayedEntries: log.replayedEntries!, loadMs: log.loadMs! };
          settle();
        } else if (!log || log.level! >= 40) process.stderr.write(`${line}\n`);
      });
      child.once('exit', (code) => reject(new Error(`the authority process exited with ${code} before it was ready`)));
    },
  );
  const readyMs = performance.now() - spawned;
  const client = createRoute53Client({
    endpoint: ready.api,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  let zones = 0;
  return {
    pid: child.pid!,
    endpoint: ready.api,
    dnsPort: ready.dnsPort,
    readyMs,
    recovery: ready.recovery,
    client,
    async createZone(name) {
      zones += 1;
      const out = await client.send(
        new CreateHostedZoneCommand({ Name: name, CallerReference: `bench-${process.pid}-${Date.now()}-${zones}` }),
      );
      return out.HostedZone!.Id!.replace('/hostedzone/', '');
    },
    memory: () => readMemory(child.pid!),
    cpuSeconds: () => readCpuSeconds(child.pid!),
    async stop(signal = 'SIGTERM') {
      client.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

function parseLogLine(
  line: string,
): { msg?: string; replayedEntries?: number; loadMs?: number; level?: number } | undefined {
  try {
    return line.startsWith('{') ? JSON.parse(line) : undefined;
  } catch {
    return undefined;
  }
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let newline = buffered.indexOf('\n'); newline !== -1; newline = buffered.indexOf('\n')) {
      onLine(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
    }
  });
}

function readMemory(pid: number): { peakMiB: number; currentMiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { peakMiB: kib('VmHWM') / 1024, currentMiB: kib('VmRSS') / 1024 };
  } catch {
    return undefined;
  }
}

const CLOCK_TICKS = 100;

function readCpuSeconds(pid: number): number | undefined {
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of those.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
