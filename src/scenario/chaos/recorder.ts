// The chaos run's recorder: what the authority itself answers (every 100 ms), the fence's generation (every
// second), and the probe's diagnosis as its status file says it (each new round, read twice a second), into the run's History;
// and the final wait for convergence once the faults are over.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Route53Port } from '../../route53/port.js';
import { collectStatus } from '../../status/endpoint-status.js';
import type { FilePlanStore } from '../../plan/file-store.js';
import { queryDns } from '../../probe/query.js';
import { readProbeStatus } from '../../probe/status-file.js';
import { answered } from '../recovery.js';
import { CHAOS_NAME, revisionOf } from './fleet.js';
import type { History } from './history.js';

interface RecorderOptions {
  history: History;
  dnsPort: number;
  client: Route53Port;
  zoneId: string;
  planStore: FilePlanStore;
  statusFile: string;
}

const ROW = `${CHAOS_NAME} A`;

export function startRecorder(options: RecorderOptions): {
  loops: Array<Promise<void>>;
  stopped: () => boolean;
  stop: () => Promise<void>;
} {
  const { history } = options;
  let stopping = false;
  const loops = [
    (async () => {
      while (!stopping) {
        const at = Date.now();
        try {
          const reply = await queryDns({
            server: { host: '127.0.0.1', port: options.dnsPort },
            name: CHAOS_NAME,
            type: 'A',
            timeoutMs: 500,
            recursionDesired: false,
          });
          const empty = reply.rcodeName === 'NXDOMAIN' || (reply.rcodeName === 'NOERROR' && reply.values.length === 0);
          const result = empty ? 'empty' : answered(reply) ? 'answered' : 'no-answer';
          const revision = result === 'answered' ? revisionOf(reply.values) : undefined;
          history.answers.push({ at, result, ...(revision !== undefined ? { revision } : {}) });
        } catch {
          history.answers.push({ at, result: 'no-answer' });
        }
        await sleep(100);
      }
    })(),
    (async () => {
      while (!stopping) {
        const status = await collectStatus({
          store: options.planStore,
          client: options.client,
          zoneId: options.zoneId,
        }).catch(() => undefined);
        const live = status?.find((row) => row.endpoint === ROW)?.liveGeneration;
        if (live !== null && live !== undefined) history.fences.push({ at: Date.now(), generation: live });
        await sleep(1000);
      }
    })(),
    (async () => {
      const seen: Record<string, number> = (history.probeDiagnoses = {});
      let lastWritten: string | undefined;
      while (!stopping) {
        // Only what the probe wrote since the last look: a dead probe's last word is not counted again.
        const status = await readProbeStatus(options.statusFile).catch(() => undefined);
        const diagnosis = status?.diagnosis?.diagnosis;
        if (diagnosis && status.updatedAt !== lastWritten) seen[diagnosis] = (seen[diagnosis] ?? 0) + 1;
        lastWritten = status?.updatedAt;
        await sleep(500);
      }
    })(),
  ];
  return {
    loops,
    stopped: () => stopping,
    stop: async () => {
      stopping = true;
      await Promise.allSettled(loops);
    },
  };
}

/**
 * Waits (up to timeoutMs) until the latest plan holds the fleet's last revision and the live zone matches it,
 * recording what it last saw in history.final either way.
 */
export async function convergence(options: {
  history: History;
  planStore: FilePlanStore;
  client: Route53Port;
  zoneId: string;
  fleetRevision: number;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}): Promise<void> {
  const { history, planStore } = options;
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const [status, latest] = await Promise.all([
      collectStatus({ store: planStore, client: options.client, zoneId: options.zoneId }).catch(() => undefined),
      planStore.latest().catch(() => undefined),
    ]);
    const row = status?.find((entry) => entry.endpoint === ROW);
    const plannedRevision = revisionOf(latest?.endpoints[0]?.sets.flatMap((set) => set.values) ?? []);
    history.final = {
      latestPlanned: latest?.generation ?? 0,
      liveGeneration: row?.liveGeneration ?? null,
      matchesLatest: row?.liveMatchesLatest === true,
      fleetRevision: options.fleetRevision,
      ...(plannedRevision !== undefined ? { plannedRevision } : {}),
    };
    const { final } = history;
    const converged =
      final.plannedRevision === final.fleetRevision &&
      final.liveGeneration === final.latestPlanned &&
      final.matchesLatest;
    if (converged || Date.now() > deadline || options.signal?.aborted) return;
    await sleep(500);
  }
}
