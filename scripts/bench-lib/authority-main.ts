// Child-process entry for the benchmarks: one authority on free loopback ports over the given data dir,
// announced as one JSON line on stdout ({"api":..., "dns":...}) once both listeners are up. A separate process
// keeps the authority off the benchmark's (and the enactor's) event loop, as in production, and lets the
// memory benchmark read the authority's own peak RSS and kill it like a crash would.
//   node bin/run-ts.js scripts/bench-lib/authority-main.ts --data DIR [--rate-limit N]
import { parseArgs } from 'node:util';
import { startAuthority } from '../../src/authority/index.js';
import { createLogger } from '../../src/telemetry/logger.js';

const { values } = parseArgs({ options: { data: { type: 'string' }, 'rate-limit': { type: 'string' } } });
if (!values.data) throw new Error('--data DIR is required');
const started = performance.now();
const authority = await startAuthority({
  apiPort: 0,
  dnsPort: 0,
  dataDir: values.data,
  logger: createLogger('authority', 'warn'),
  ...(values['rate-limit'] ? { rateLimit: Number(values['rate-limit']) } : {}),
});
const ready = { api: authority.endpoint, dnsPort: authority.dnsPort, startMs: Math.round(performance.now() - started), recovery: authority.recovery };
process.stdout.write(`${JSON.stringify(ready)}\n`);
const stop = () => void authority.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
