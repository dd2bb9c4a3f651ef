// DNS face index rebuild benchmark (issue 6, §3): what one commit costs the DNS face, at several zone sizes.
// A ZoneStore (in memory, no journal) holds SETS weighted A sets per endpoint plus a fence TXT per endpoint;
// each measured commit is one 1,000-change batch as the planner's everyday generation sends it: for 250
// endpoints, DELETE the old fence TXT and CREATE the new one, DELETE one weighted set and CREATE it with a new
// weight. After each commit the face's index is brought up to date exactly as the DNS face does it
// (updateIndex from the store), and that call alone is timed. A from-scratch build of the same zone is timed
// too, for comparison.
//   node bin/run-ts.js scripts/bench-index.ts [--sizes 7000,100000] [--batches 100]
import { parseArgs } from 'node:util';
import { EMPTY_INDEX, updateIndex, type FaceIndex } from '../src/authority/dns/zone-index.js';
import { ZoneStore } from '../src/authority/store/zone-store.js';
import type { RequestedChange } from '../src/authority/store/validate.js';
import { fmt } from './bench-lib/harness.js';
import { BENCH_ZONE, address, endpointName } from './bench-lib/plans.js';
import { percentile } from './bench-lib/stats.js';

const { values: args } = parseArgs({
  options: { sizes: { type: 'string', default: '7000,100000' }, batches: { type: 'string', default: '100' } },
});
const sizes = args.sizes.split(',').map(Number);
const batches = Number(args.batches);
if (sizes.some((n) => !Number.isInteger(n) || n < 12) || !Number.isInteger(batches) || batches < 1) {
  throw new Error('--sizes must be integers ≥ 12 (record sets per zone), --batches an integer ≥ 1');
}
const SETS = 5;
const ENDPOINTS_PER_BATCH = 250; // × (fence DELETE + CREATE, set DELETE + CREATE) = 1,000 changes
const ignore = () => undefined;

const fence = (e: number, generation: number): RequestedChange => ({
  action: 'CREATE',
  name: endpointName(e),
  type: 'TXT',
  ttl: 60,
  values: [`"gen=${generation}"`],
});
const weighted = (e: number, s: number, weight: number): RequestedChange => ({
  action: 'CREATE',
  name: endpointName(e),
  type: 'A',
  ttl: 60,
  setIdentifier: `lb-${s}`,
  weight,
  values: [address(1, e, s)],
});

function time<T>(run: () => T): [T, number] {
  const started = performance.now();
  const out = run();
  return [out, performance.now() - started];
}

for (const size of sizes) {
  const endpoints = Math.floor(size / (SETS + 1));
  const store = new ZoneStore();
  const { zone } = store.createHostedZone({ name: BENCH_ZONE, callerReference: `bench-${size}` });
  const generationOf = new Array<number>(endpoints).fill(1);
  for (let from = 0; from < endpoints; from += 160) {
    const changes: RequestedChange[] = [];
    for (let e = from; e < Math.min(endpoints, from + 160); e++) {
      changes.push(fence(e, 1));
      for (let s = 0; s < SETS; s++) changes.push(weighted(e, s, s + 1));
    }
    store.changeResourceRecordSets(zone.id, changes);
  }
  let index: FaceIndex = updateIndex(store, EMPTY_INDEX, ignore);
  const [, scratchMs] = time(() => updateIndex(store, EMPTY_INDEX, ignore));
  const samples: number[] = [];
  let next = 0;
  for (let b = 0; b < batches + 3; b++) {
    const changes: RequestedChange[] = [];
    for (let i = 0; i < ENDPOINTS_PER_BATCH; i++, next = (next + 1) % endpoints) {
      const e = next;
      const g = generationOf[e]++;
      const s = g % SETS;
      changes.push({ ...fence(e, g), action: 'DELETE' }, fence(e, g + 1));
      changes.push({ ...weighted(e, s, s + 1), action: 'DELETE' }, weighted(e, s, 0));
    }
    store.changeResourceRecordSets(zone.id, changes);
    const [built, ms] = time(() => updateIndex(store, index, ignore));
    index = built;
    if (b >= 3) samples.push(ms); // the first few compile the paths
    // Put the drained set's weight back, unmeasured, so the next rounds find what they expect.
    store.changeResourceRecordSets(
      zone.id,
      changes
        .filter((c) => c.type === 'A')
        .reverse()
        .map((c) => ({ ...c, action: c.action === 'CREATE' ? 'DELETE' : 'CREATE' })),
    );
    index = updateIndex(store, index, ignore);
  }
  samples.sort((a, b) => a - b);
  console.log(
    `${size.toLocaleString('en')} sets (${endpoints} endpoints): rebuild after a 1,000-change batch: ` +
      `median ${fmt(percentile(samples, 0.5), 2)} ms, p90 ${fmt(percentile(samples, 0.9), 2)} ms over ${samples.length}; ` +
      `from-scratch build ${fmt(scratchMs, 1)} ms`,
  );
}
