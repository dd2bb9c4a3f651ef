// DNS answer benchmark (issue 6, item 1): dnsperf against the DNS face and against NSD serving the same
// zone, same query mix, same duration, one at a time so each server has the machine to itself. The face runs
// twice: on its batched native UDP transport (the default when native/ is built) and on node:dgram. Also: the
// "before" (plain dns2 encoding), the ceiling of node:dgram itself (an echo server doing no DNS work), the
// face while its zone changes every 100 ms (sampled answers checked), and the index build time for 100k
// records across 20k names.
//   node bin/run-ts.js scripts/bench-dns.ts [--duration 10] [--outstanding 100] [--rounds 1] [--only index,face,nsd,face-dgram,echo,dns2,churn]
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import dns2 from 'dns2';
import { EMPTY_INDEX, updateIndex } from '../src/authority/dns/zone-index.js';
import type { ZoneChange, ZoneSnapshot, ZoneSource } from '../src/authority/zones.js';
import { hasCommand } from '../src/probe/unbound.js';
import type { RecordSet } from '../src/route53/recordset.js';
import {
  APEX,
  WEIGHTED,
  ZONE,
  queryLines,
  staticSets,
  weightedSets,
  wholeWeightedSet,
  zoneFile,
} from './bench-dns-zone.js';
import { nsdConf } from './bench-lib/nsd-conf.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    outstanding: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '1' },
    only: { type: 'string', default: 'index,face,nsd,face-dgram,echo,dns2,churn' },
  },
});
const duration = Number(args.duration);
const rounds = Number(args.rounds);
const only = new Set(args.only.split(','));
const runTs = fileURLToPath(new URL('../bin/run-ts.js', import.meta.url));
const serveScript = fileURLToPath(new URL('./bench-dns-serve.ts', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function indexBench(): void {
  const names = 20_000;
  const sets: RecordSet[] = [];
  for (let i = 0; i < names; i++) {
    for (let s = 0; s < 5; s++) {
      sets.push({
        name: `e${i}.${APEX}`,
        type: 'A',
        ttl: 60,
        setIdentifier: `s${s}`,
        weight: s + 1,
        values: [`10.${s}.${i >> 8}.${i & 255}`],
      });
    }
  }
  const ignore = () => undefined;
  const time = <T>(work: () => T): [T, number] => {
    const start = performance.now();
    return [work(), performance.now() - start];
  };
  // Best of three: the machine is shared, and the best run is the one least disturbed.
  const cold: number[] = [];
  const incremental: number[] = [];
  for (let round = 0; round < 3; round++) {
    const copy = sets.map((set) => ({ ...set }));
    const [first, coldMs] = time(() =>
      updateIndex(zoneAt({ zone: ZONE, version: 1, recordSets: copy }), EMPTY_INDEX, ignore),
    );
    // A 1% change batch: 1,000 sets replaced, the other 99,000 untouched.
    const removed = copy.filter((_, i) => i % 100 === 0);
    const added = removed.map((set, i) => ({ ...set, values: [`172.16.${(i >> 8) & 255}.${i & 255}`] }));
    const replaced = new Set<RecordSet>(removed);
    const changed = [...copy.filter((set) => !replaced.has(set)), ...added];
    const next = zoneAt({ zone: ZONE, version: 2, recordSets: changed }, [{ version: 2, removed, added }]);
    const [, incrementalMs] = time(() => updateIndex(next, first, ignore));
    cold.push(coldMs);
    incremental.push(incrementalMs);
  }
  console.log(
    `index: 100,000 records / 20,000 names: cold build ${Math.min(...cold).toFixed(0)} ms, ` +
      `rebuild after a 1% change ${Math.min(...incremental).toFixed(0)} ms (best of 3)`,
  );
}

/** A source holding one zone version, and the batches that led to it from the version before. */
function zoneAt(snapshot: ZoneSnapshot, changes: ZoneChange[] = []): ZoneSource {
  return {
    snapshots: () => [snapshot],
    heads: () => [snapshot],
    changesSince: (_zoneId, version) => (version === snapshot.version - changes.length ? changes : undefined),
    onCommit: () => () => undefined,
  };
}

interface Server {
  port: number;
  pid: number;
  /** The DNS face's UDP transport as the child reported it ('batched' or 'dgram'). */
  transport?: string;
  stop(): Promise<void>;
}

/**
 * CPU seconds used so far by a process and its descendants (NSD forks its server), from /proc; NaN off
 * Linux. CPU per answered query is the comparison a busy shared machine does not blur: qps depends on
 * who else holds the cores at the time, CPU per query hardly does.
 */
function treeCpuSeconds(root: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
        stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
      } catch {
        // the process ended while we looked
      }
    }
  } catch {
    return NaN;
  }
  let ticks = 0;
  const pending = [root];
  while (pending.length) {
    const pid = pending.pop()!;
    ticks += stats.get(pid)?.ticks ?? 0;
    for (const [child, stat] of stats) if (stat.ppid === pid) pending.push(child);
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

async function startChild(
  command: string,
  argv: string[],
  readyPort?: number,
  env: NodeJS.ProcessEnv = {},
): Promise<Server> {
  const child: ChildProcess = spawn(command, argv, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DNSPLANE_LOG_LEVEL: 'warn', ...env },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  const { port, transport } =
    readyPort !== undefined
      ? { port: readyPort, transport: undefined }
      : await new Promise<{ port: number; transport?: string }>((resolve, reject) => {
          child.stdout!.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString().split('\n')[0])));
          child.once('exit', (code) => reject(new Error(`${command} exited with ${code} before it was ready`)));
        });
  // Ready means answering: NSD prints nothing useful, so ask until it replies.
  for (let attempt = 0; ; attempt++) {
    if (await ask(port, `${APEX}`, 'SOA').catch(() => null)) return { port, pid: child.pid!, transport, stop };
    if (attempt > 100) {
      await stop();
      throw new Error(`${command} on port ${port} never answered`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function ask(port: number, name: string, type: string): Promise<ReturnType<typeof dns2.Packet.parse>> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const packet = new dns2.Packet();
    packet.header.id = Math.floor(Math.random() * 65536);
    packet.questions.push({ name, type: (dns2.Packet.TYPE as Record<string, number>)[type], class: 1 } as never);
    const timer = setTimeout(() => (socket.close(), reject(new Error('timeout'))), 1000);
    socket.once('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(dns2.Packet.parse(msg));
    });
    socket.send(packet.toBuffer(), port, '127.0.0.1');
  });
}

interface PerfResult {
  qps: number;
  latencyMs: number;
  lostPercent: number;
  completed: number;
  /** Server CPU (user + system) per completed query, in microseconds. */
  cpuUs: number;
}

function dnsperf(port: number, queriesFile: string): Promise<PerfResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'dnsperf',
      [
        '-s',
        '127.0.0.1',
        '-p',
        String(port),
        '-d',
        queriesFile,
        '-l',
        String(duration),
        '-c',
        '1',
        '-q',
        args.outstanding,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => {
      const qps = /Queries per second:\s+([\d.]+)/.exec(out);
      const latency = /Average Latency \(s\):\s+([\d.]+)/.exec(out);
      const lost = /Queries lost:\s+\d+ \(([\d.]+)%\)/.exec(out);
      const completed = /Queries completed:\s+(\d+)/.exec(out);
      if (code !== 0 || !qps || !latency || !completed) return reject(new Error(`dnsperf failed (${code}):\n${out}`));
      resolve({
        qps: Number(qps[1]),
        latencyMs: Number(latency[1]) * 1000,
        lostPercent: lost ? Number(lost[1]) : 0,
        completed: Number(completed[1]),
        cpuUs: NaN,
      });
    });
  });
}

/** While the zone churns: sample weighted answers every 20 ms and check each is one whole set. */
async function sampleAnswers(
  port: number,
  until: number,
): Promise<{ checked: number; wrong: number; generations: Set<string> }> {
  let checked = 0;
  let wrong = 0;
  const generations = new Set<string>();
  while (Date.now() < until) {
    const i = Math.floor(Math.random() * WEIGHTED);
    const reply = await ask(port, `w${i}.${APEX}`, 'A').catch(() => null);
    if (reply) {
      const addresses = reply.answers.map((a) => (a as { address?: string }).address ?? '');
      checked++;
      if (!wholeWeightedSet(i, addresses)) wrong++;
      generations.add(addresses[0]?.split('.')[1] ?? '');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { checked, wrong, generations };
}

async function main(): Promise<void> {
  if (only.has('index')) indexBench();
  const missing = ['dnsperf', 'nsd'].filter((tool) => !hasCommand(tool));
  if (missing.includes('dnsperf')) {
    console.log('dnsperf is not installed (Debian: apt-get install dnsperf); the qps comparison cannot run.');
    return;
  }
  if (missing.includes('nsd'))
    console.log('nsd is not installed (Debian: apt-get install nsd); no NSD baseline, so no ratio.');

  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-bench-dns-'));
  const queries = join(dir, 'queries.txt');
  await writeFile(queries, `${queryLines().join('\n')}\n`);
  const child =
    (...argv: string[]) =>
    (env?: NodeJS.ProcessEnv) =>
      startChild(process.execPath, [runTs, serveScript, ...argv], undefined, env);
  const targets: Target[] = (
    [
      { key: 'face', label: 'dnsplane DNS face', start: child('--impl', 'face'), transport: 'batched' },
      { key: 'nsd', label: 'NSD', start: () => startNsd(dir) },
      {
        key: 'face-dgram',
        label: 'DNS face, node:dgram UDP',
        start: () => child('--impl', 'face')({ DNSPLANE_UDP: 'dgram' }),
        transport: 'dgram',
      },
      { key: 'echo', label: 'node:dgram echo (ceiling)', start: child('--impl', 'echo') },
      { key: 'dns2', label: 'dns2 encoder (before)', start: child('--impl', 'dns2') },
      {
        key: 'churn',
        label: 'DNS face, zone churn 100 ms',
        start: child('--impl', 'face', '--churn', '100'),
        transport: 'batched',
        during: async (port, until) => {
          const s = await sampleAnswers(port, until);
          if (s.wrong > 0) process.exitCode = 1;
          return `sampled ${s.checked} answers: ${s.wrong} wrong, ${s.generations.size} generations seen`;
        },
      },
    ] as Target[]
  ).filter((t) => only.has(t.key) && !(t.key === 'nsd' && missing.includes('nsd')));
  if (targets.length === 0) return;
  const results = new Map<string, PerfResult[]>(targets.map((t) => [t.label, []]));
  try {
    console.log(
      `dnsperf: ${duration} s per server, 1 client, ${args.outstanding} outstanding, ${rounds} round(s) taking turns`,
    );
    console.log('mix: weighted A 40%, AAAA 20%, TXT 15%, NXDOMAIN 15%, NODATA 10%');
    for (let round = 0; round < rounds; round++) {
      for (const target of targets) {
        const server = await target.start();
        if (target.transport && server.transport !== target.transport) {
          console.warn(
            `*** ${target.label}: the face reports UDP transport '${server.transport}', not '${target.transport}' (build the addon: npm run build:native) ***`,
          );
        }
        try {
          const until = Date.now() + duration * 1000;
          const cpuBefore = treeCpuSeconds(server.pid);
          const [result, note] = await Promise.all([
            dnsperf(server.port, queries),
            target.during?.(server.port, until),
          ]);
          result.cpuUs = ((treeCpuSeconds(server.pid) - cpuBefore) * 1e6) / result.completed;
          results.get(target.label)!.push(result);
          console.log(
            `${target.label.padEnd(28)} ${result.qps.toFixed(0).padStart(8)} qps  avg ${result.latencyMs.toFixed(3)} ms  ` +
              `cpu ${result.cpuUs.toFixed(1)} µs/query  lost ${result.lostPercent}%${note ? `  ${note}` : ''}`,
          );
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const nsd = results.get('NSD');
  if (!nsd) return;
  // Each round's ratio compares runs made minutes apart at most; the median of those resists a noisy neighbour.
  for (const [label, runs] of results) {
    if (label === 'NSD') continue;
    const ratios = runs.map((r, i) => r.qps / nsd[i].qps);
    const qps = median(runs.map((r) => r.qps));
    const cpu = median(runs.map((r) => r.cpuUs));
    console.log(
      `ratio to NSD: ${label.padEnd(28)} qps ${median(ratios).toFixed(2)}x  (median of ${ratios.length}: ${qps.toFixed(0)} vs ${median(nsd.map((r) => r.qps)).toFixed(0)}), ` +
        `CPU per query ${(cpu / median(nsd.map((r) => r.cpuUs))).toFixed(2)}x NSD's (${cpu.toFixed(1)} µs)`,
    );
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface Target {
  key: string;
  label: string;
  start: () => Promise<Server>;
  /** The DNS face's UDP transport this row is meant to measure. */
  transport?: 'batched' | 'dgram';
  during?: (port: number, until: number) => Promise<string>;
}

/** NSD as FIELD-NOTES runs it: foreground, one server process, no rate limiting, loopback only. */
async function startNsd(dir: string): Promise<Server> {
  const port = await freePort();
  await writeFile(join(dir, 'bench.zone'), zoneFile([...staticSets(), ...weightedSets(0)]));
  await writeFile(join(dir, 'nsd.conf'), nsdConf({ dir, port, apex: APEX, zonefile: join(dir, 'bench.zone') }));
  return startChild('nsd', ['-d', '-c', join(dir, 'nsd.conf')], port);
}

await main();
