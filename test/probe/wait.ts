// Waiting on a running probe without sleeping for fixed times.
import type { Observation } from '../../src/probe/health.js';
import type { Probe } from '../../src/probe/probe.js';

/** Resolves with the first observation, from now on, that satisfies `match`. */
export function nextObservation(probe: Probe, match: (observation: Observation) => boolean, timeoutMs = 10_000): Promise<Observation> {
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
