// Memory and restart benchmark (issue 6, item 4): the authority (its own process) loaded with RECORDS weighted
// records through the real SDK (1,000 per ChangeResourceRecordSets, as an enactor packs them), its peak RSS
// (VmHWM from /proc/PID/status), then a crash (SIGKILL) and the time until a new process over the same data
// dir has both listeners ready and answers a DNS query with the data from before the crash.
// The authority runs as `dnsplane authority` with its defaults; --heap-growth PERCENT passes that option on
// (0 = V8's own heap growth, to compare against the default).
//   node bin/run-ts.js scripts/bench-memory.ts [--records 100000] [--sets 5] [--heap-growth PERCENT] [--quick]
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { queryDns } from '../src/probe/query.js';
import { toSdkRecordSet, type RecordSet } from '../src/route53/recordset.js';
import { startAuthorityProcess } from './bench-lib/authority-process.js';
import { fmt, startBenchRig } from './bench-lib/harness.js';
import { address, endpointName } from './bench-lib/plans.js';
import { integerOption } from './script-args.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string' },
    sets: { type: 'string', default: '5' },
    'heap-growth': { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const heapGrowth =
  args['heap-growth'] === undefined ? undefined : integerOption('bench-memory', 'heap-growth', args['heap-growth'], 1);
const records = integerOption('bench-memory', 'records', args.records ?? (args.quick ? '2000' : '100000'), 1);
const setsPerEndpoint = integerOption('bench-memory', 'sets', args.sets, 1);
const PER_REQUEST = 1_000;
const IN_FLIGHT = 2;

function recordSet(i: number): RecordSet {
  const endpoint = Math.floor(i / setsPerEndpoint);
  const set = i % setsPerEndpoint;
  return {
    name: endpointName(endpoint),
    type: 'A',
    ttl: 60,
    setIdentifier: `lb-${set}`,
    weight: set + 1,
    values: [address(1, endpoint, set)],
  };
}

async function dataFiles(dir: string): Promise<string> {
  const names = await readdir(dir);
  const sizes = await Promise.all(
    names.map(async (name) => `${name} ${fmt((await stat(join(dir, name))).size / 1024 / 1024, 1)} MiB`),
  );
  return sizes.join(', ');
}

async function answers(dnsPort: number, endpoint: number): Promise<boolean> {
  const reply = await queryDns({
    server: { host: '127.0.0.1', port: dnsPort },
    name: endpointName(endpoint),
    type: 'A',
    timeoutMs: 2_000,
  });
  return reply.values.length === 1 && reply.values[0].split('.')[1] === '1';
}

const rig = await startBenchRig('memory', heapGrowth === undefined ? {} : { heapGrowth });
const dataDir = join(rig.dir, 'authority');
try {
  const baseline = rig.authority.memory();
  const started = performance.now();
  let next = 0;
  const load = async () => {
    while (next < records) {
      const from = next;
      next = Math.min(records, next + PER_REQUEST);
      const sets = Array.from({ length: next - from }, (_, k) => recordSet(from + k));
      await rig.client.changeResourceRecordSets({
        HostedZoneId: rig.zoneId,
        ChangeBatch: { Changes: sets.map((set) => ({ Action: 'CREATE', ResourceRecordSet: toSdkRecordSet(set) })) },
      });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, load));
  const loadMs = performance.now() - started;
  const lastEndpoint = Math.floor((records - 1) / setsPerEndpoint);
  // The DNS face builds its index after commits: wait until the last record is served, so the peak includes it.
  while (!(await answers(rig.authority.dnsPort, lastEndpoint))) await new Promise((resolve) => setTimeout(resolve, 50));
  const loaded = rig.authority.memory();
  console.log(
    `loaded ${fmt(records)} records in ${fmt(loadMs / 1000, 2)} s (${fmt(Math.ceil(records / PER_REQUEST))} requests of ${fmt(PER_REQUEST)}); data dir: ${await dataFiles(dataDir)}`,
  );
  if (loaded && baseline) {
    console.log(
      `authority RSS: empty ${fmt(baseline.currentMiB)} MiB; with ${fmt(records)} records now ${fmt(loaded.currentMiB)} MiB, peak (VmHWM) ${fmt(loaded.peakMiB)} MiB (target ≤ 300)`,
    );
    // CPU seconds depend much less on the machine's load than the wall-clock load time does.
    console.log(`authority CPU for the load: ${fmt(rig.authority.cpuSeconds() ?? NaN, 1)} s`);
  } else {
    console.log('authority RSS: /proc is not available on this system; no memory figures');
  }

  // A crash, not a shutdown: nothing gets to flush or compact on the way out.
  await rig.authority.stop('SIGKILL');
  const restartStarted = performance.now();
  const restarted = await startAuthorityProcess(dataDir, heapGrowth === undefined ? {} : { heapGrowth });
  const readyMs = performance.now() - restartStarted;
  try {
    const ok = await answers(restarted.dnsPort, lastEndpoint);
    const answeredMs = performance.now() - restartStarted;
    if (!ok) throw new Error('after the restart the last record is not served as it was before the crash');
    const after = restarted.memory();
    console.log(
      `restart after SIGKILL: ${fmt(answeredMs)} ms to the first correct answer (${fmt(readyMs)} ms to both listeners ready; ` +
        `journal/snapshot load ${fmt(restarted.recovery.loadMs)} ms, ${fmt(restarted.recovery.replayedEntries)} journal entries replayed)` +
        (after ? `; peak RSS after restart ${fmt(after.peakMiB)} MiB` : ''),
    );
    console.log(
      `RESULT memory.peak_mib=${loaded ? Math.round(loaded.peakMiB) : 'n/a'} memory.restart_ms=${Math.round(answeredMs)} memory.load_s=${(loadMs / 1000).toFixed(2)}`,
    );
  } finally {
    await restarted.stop();
  }
} finally {
  await rig.close();
}
