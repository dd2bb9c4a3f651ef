// Waiting on a running probe without sleeping for fixed times.
import type { Observation } from '../../src/probe/health.js';
import type { Probe } from '../../src/probe/probe.js';
import { API, type ProbeFixture } from './fixture.js';

/** Resolves with the first observation, from now on, that satisfies `match`. */
export function nextObservation(
  probe: Probe,
  match: (observation: Observation) => boolean,
  timeoutMs = 10_000,
): Promise<Observation> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      probe.off('observation', listener);
      reject(new Error(`no matching observation within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (observation: Observation): void => {
      if (!match(observation)) return;
      clearTimeout(timer);
      probe.off('observation', listener);
      resolve(observation);
    };
    probe.on('observation', listener);
  });
}

/**
 * With the probe running: waits for an answer, empties the API endpoint through the SDK, and returns the
 * first observation after the change was sent that no longer answers; then restores the endpoint and
 * returns the first observation after that. "First round after the change" is "within one interval".
 */
export async function emptyAndRestore(
  probe: Probe,
  f: ProbeFixture,
): Promise<{ emptied: Observation; restored: Observation }> {
  const ofApi = (observation: Observation): boolean => observation.name === API;
  probe.start();
  try {
    await nextObservation(probe, (observation) => ofApi(observation) && observation.result === 'answered');
    // The first observation that no longer answers, from a query sent after the change was. The DNS face serves
    // the change from its commit, before the API's reply reaches us: on a loaded machine a query can see the
    // empty endpoint in between, and that query is the first empty one, so the wait starts before the change.
    const changeStartedAt = Date.now();
    const emptiedSeen = nextObservation(
      probe,
      (observation) => ofApi(observation) && observation.at > changeStartedAt && observation.result !== 'answered',
    );
    await f.change('DELETE', f.recordSets(API));
    const emptied = await emptiedSeen;
    await f.change('CREATE', f.recordSets(API));
    const restoredAt = Date.now();
    const restored = await nextObservation(probe, (observation) => ofApi(observation) && observation.at > restoredAt);
    return { emptied, restored };
  } finally {
    await probe.stop();
  }
}
