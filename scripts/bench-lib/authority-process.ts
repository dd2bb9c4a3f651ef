// Starts the authority in its own process (see authority-main.ts) and gives the benchmark what it needs to
// talk to it: the API endpoint, a signed SDK client, the DNS port, and the child's memory figures.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CreateHostedZoneCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { createRoute53Client } from '../../src/route53/client.js';

const runTs = fileURLToPath(new URL('../../bin/run-ts.js', import.meta.url));
const entry = fileURLToPath(new URL('./authority-main.ts', import.meta.url));

export interface AuthorityProcess {
  pid: number;
  endpoint: string;
  dnsPort: number;
  /** ms from spawn() to the ready line (process start, journal load, both listeners bound). */
  readyMs: number;
  /** ms the authority itself reported for startAuthority (journal load included). */
  startMs: number;
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

export async function startAuthorityProcess(dataDir: string, options: { rateLimit?: number } = {}): Promise<AuthorityProcess> {
  const argv = [runTs, entry, '--data', dataDir, ...(options.rateLimit ? ['--rate-limit', String(options.rateLimit)] : [])];
  const spawned = performance.now();
  // BENCH_AUTHORITY_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the authority side of a benchmark.
  const nodeArgs = process.env.BENCH_AUTHORITY_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ api: string; dnsPort: number; startMs: number; recovery: AuthorityProcess['recovery'] }>((resolve, reject) => {
    // Anything else on stdout (node's --trace-gc, say) is passed on to stderr.
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let newline = buffered.indexOf('\n'); newline !== -1; newline = buffered.indexOf('\n')) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.startsWith('{"api"')) resolve(JSON.parse(line));
        else process.stderr.write(`${line}\n`);
      }
    });
    child.once('exit', (code) => reject(new Error(`the authority process exited with ${code} before it was ready`)));
  });
  const readyMs = performance.now() - spawned;
  const client = createRoute53Client({ endpoint: ready.api, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  let zones = 0;
  return {
    pid: child.pid!,
    endpoint: ready.api,
    dnsPort: ready.dnsPort,
    readyMs,
    startMs: ready.startMs,
    recovery: ready.recovery,
    client,
    async createZone(name) {
      zones += 1;
      const out = await client.send(new CreateHostedZoneCommand({ Name: name, CallerReference: `bench-${process.pid}-${Date.now()}-${zones}` }));
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
