// Child-process entry of the convergence observer: the enactor's own process is busy building requests while
// it enacts, and an observer sharing its event loop would see answers only when the enactor pauses. Over IPC
// it takes {dnsPort, endpoints, generation} and answers {seenAt}: for each endpoint, the absolute time
// (performance.timeOrigin + now, comparable across processes) of the first reply showing that generation.
import { dnsSweeper } from './dns-watch.js';
import { endpointName } from './plans.js';

const SWEEP_LOST_MS = 50;
const SWEEP_PAUSE_MS = 2;
const TIMEOUT_MS = 30_000;

interface WatchRequest {
  dnsPort: number;
  endpoints: number;
  generation: number;
}

const now = () => performance.timeOrigin + performance.now();

process.on('message', (request: WatchRequest) => {
  void watch(request).then(
    (result) => process.send!(result),
    (error: unknown) => process.send!({ error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));

let sweeper: Awaited<ReturnType<typeof dnsSweeper>> | undefined;

async function watch({ dnsPort, endpoints, generation }: WatchRequest): Promise<{ seenAt: number[]; sweeps: number }> {
  sweeper ??= await dnsSweeper(dnsPort, Array.from({ length: endpoints }, (_, i) => endpointName(i)));
  const pending = new Set(Array.from({ length: endpoints }, (_, i) => i));
  const seenAt = new Array<number>(endpoints);
  const wanted = String(generation % 256);
  sweeper.onReply = (i, values) => {
    if (values.length > 0 && values.every((value) => value.split('.')[1] === wanted) && pending.delete(i)) seenAt[i] = now();
  };
  const deadline = now() + TIMEOUT_MS;
  let sweeps = 0;
  while (pending.size > 0) {
    if (now() > deadline) throw new Error(`${pending.size} endpoints still not at generation ${generation} after ${TIMEOUT_MS} ms`);
    await sweeper.sweep([...pending], SWEEP_LOST_MS);
    sweeps += 1;
    await new Promise((resolve) => setTimeout(resolve, SWEEP_PAUSE_MS));
  }
  sweeper.onReply = undefined;
  return { seenAt, sweeps };
}
