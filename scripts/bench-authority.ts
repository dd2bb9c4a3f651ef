// Benchmarks the authority's store and API: loading 100k records, restart time (journal replay and snapshot),
// memory, and ChangeResourceRecordSets latency through the SDK against a zone that already holds 100k records.
// Run: node bin/run-ts.js scripts/bench-authority.ts [records=100000]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { startAuthority } from '../src/authority/index.js';
import { Journal } from '../src/authority/store/journal.js';
import { ZoneStore } from '../src/authority/store/zone-store.js';
import { createRoute53Client } from '../src/route53/client.js';
import { createLogger } from '../src/telemetry/logger.js';
import { percentile } from './bench-lib/stats.js';

const records = Number(process.argv[2] ?? 100_000);
const perBatch = 1000;
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-bench-authority-'));
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

try {
  // 1. Load through the store + journal (validation, fsync per batch), as the API would, without HTTP.
  let started = performance.now();
  const { journal, store } = Journal.open(dataDir, (sink) => new ZoneStore(sink));
  const { zone } = store.createHostedZone({ name: 'bench.test', callerReference: 'bench' });
  for (let done = 0; done < records; done += perBatch) {
    const changes = Array.from({ length: Math.min(perBatch, records - done) }, (_, i) => {
      const n = done + i;
      return {
        action: 'CREATE',
        name: `h${n}.bench.test`,
        type: 'A',
        ttl: 60,
        values: [`10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`],
      };
    });
    store.changeResourceRecordSets(zone.id, changes);
  }
  const loadMs = performance.now() - started;
  journal.close();
  const journalBytes = (await fs.stat(path.join(dataDir, 'journal.log'))).size;
  console.log(
    `load: ${records} records in ${records / perBatch} batches of ${perBatch}: ${loadMs.toFixed(0)} ms (${((records / loadMs) * 1000).toFixed(0)} records/s); journal ${mib(journalBytes)}`,
  );

  // 2. Restart from the journal, then from a snapshot.
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  started = performance.now();
  const replayed = Journal.open(dataDir, (sink) => new ZoneStore(sink));
  replayed.store.listResourceRecordSets(zone.id, { maxItems: 1 }); // includes the one sort of the index
  console.log(
    `restart from journal: ${(performance.now() - started).toFixed(0)} ms (${replayed.stats.replayedEntries} entries)`,
  );
  global.gc?.();
  console.log(
    `store heap: ~${mib(process.memoryUsage().heapUsed - heapBefore)} for ${records} records${global.gc ? '' : ' (run node --expose-gc for a steadier number)'}`,
  );
  started = performance.now();
  replayed.journal.compact();
  console.log(
    `compaction: ${(performance.now() - started).toFixed(0)} ms, snapshot ${mib((await fs.stat(path.join(dataDir, 'snapshot.json'))).size)}`,
  );
  replayed.journal.close();
  started = performance.now();
  const fromSnapshot = Journal.open(dataDir, (sink) => new ZoneStore(sink));
  fromSnapshot.store.listResourceRecordSets(zone.id, { maxItems: 1 });
  console.log(`restart from snapshot: ${(performance.now() - started).toFixed(0)} ms`);
  fromSnapshot.journal.close();

  // 3. The API on top: single-change batches through the SDK against the full zone.
  started = performance.now();
  const authority = await startAuthority({ apiPort: 0, dnsPort: 0, dataDir, logger: createLogger('bench', 'silent') });
  console.log(
    `startAuthority with ${records} records (snapshot + DNS face index): ${(performance.now() - started).toFixed(0)} ms`,
  );
  const client = createRoute53Client({
    endpoint: authority.endpoint,
    credentials: authority.credentials,
    maxAttempts: 1,
  });
  const latencies: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zone.id,
        ChangeBatch: {
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: `api${i % 20}.bench.test`,
                Type: 'A',
                TTL: 60,
                ResourceRecords: [{ Value: '192.0.2.1' }],
              },
            },
          ],
        },
      }),
    );
    latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `ChangeResourceRecordSets (1 UPSERT, SDK over HTTP, ${records}-record zone): p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms`,
  );
  const list0 = performance.now();
  await client.send(
    new ListResourceRecordSetsCommand({ HostedZoneId: zone.id, StartRecordName: 'h5.bench.test', MaxItems: 100 }),
  );
  console.log(`ListResourceRecordSets (100 items from the middle): ${(performance.now() - list0).toFixed(1)} ms`);
  client.destroy();
  await authority.close();
} finally {
  await fs.rm(dataDir, { recursive: true, force: true });
}
