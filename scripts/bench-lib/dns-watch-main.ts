// Child-process entry of the convergence observer: the enactor's own process is busy building requests while
// it enacts, and an observer sharing its event loop would see answers only when the enactor pauses. Over IPC
// it takes {dnsPort, endpoints, generation, observe} and answers {seenAt}: for each endpoint, the absolute time
// (performance.timeOrigin + now, comparable across processes) of the first reply showing that generation.
// observe 'address': the endpoint's A answer (every address carries the generation, see plans.ts);
// observe 'fence': the fence TXT of the endpoint's shard (`g=G`), which the enactor writes in the same atomic batch as the
// endpoint's records, for generations whose answers don't show the generation (a weight change).
import { shardFenceName, shardOf } from '../../src/enactor/shard-fence.js';
import { dnsSweeper, type Sweeper } from './dns-watch.js';
import { BENCH_ZONE, endpointName } from './plans.js';

const SWEEP_LOST_MS = 50;
const SWEEP_PAUSE_MS = 2;
const TIMEOUT_MS = 30_000;

export type Observe = 'address' | 'fence';

interface WatchRequest {
  dnsPort: number;
  endpoints: number;
  generation: number;
  observe: Observe;
}

const now = () => performance.timeOrigin + performance.now();

process.on('message', (request: WatchRequest) => {
  void watch(request).then(
    (result) => process.send!(result),
    (error: unknown) => process.send!({ error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));

const sweepers = new Map<Observe, Sweeper>();

async function sweeperFor(dnsPort: number, endpoints: number, observe: Observe): Promise<Sweeper> {
  let sweeper = sweepers.get(observe);
  if (!sweeper) {
    const names = Array.from({ length: endpoints }, (_, i) =>
      observe === 'fence' ? shardFenceName(shardOf(endpointName(i), 'A'), BENCH_ZONE) : endpointName(i),
    );
    sweeper = await dnsSweeper(dnsPort, names, observe === 'fence' ? 'TXT' : 'A');
    sweepers.set(observe, sweeper);
  }
  return sweeper;
}

/** Whether a reply shows the endpoint at `generation`. */
function generationTest(generation: number, observe: Observe): (values: string[]) => boolean {
  if (observe === 'fence') {
    const fence = new RegExp(`\\bg=${generation}\\b`);
    return (values) => values.some((value) => fence.test(value));
  }
  const wanted = String(generation % 256);
  return (values) => values.length > 0 && values.every((value) => value.split('.')[1] === wanted);
}

async function watch({
  dnsPort,
  endpoints,
  generation,
  observe,
}: WatchRequest): Promise<{ seenAt: number[]; sweeps: number }> {
  const sweeper = await sweeperFor(dnsPort, endpoints, observe);
  const pending = new Set(Array.from({ length: endpoints }, (_, i) => i));
  const seenAt = new Array<number>(endpoints);
  const shows = generationTest(generation, observe);
  sweeper.onReply = (i, values) => {
    if (shows(values) && pending.delete(i)) seenAt[i] = now();
  };
  const deadline = now() + TIMEOUT_MS;
  let sweeps = 0;
  while (pending.size > 0) {
    if (now() > deadline)
      throw new Error(`${pending.size} endpoints still not at generation ${generation} after ${TIMEOUT_MS} ms`);
    await sweeper.sweep([...pending], SWEEP_LOST_MS);
    sweeps += 1;
    await new Promise((resolve) => setTimeout(resolve, SWEEP_PAUSE_MS));
  }
  sweeper.onReply = undefined;
  return { seenAt, sweeps };
}
