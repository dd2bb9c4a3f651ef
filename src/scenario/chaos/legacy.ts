// `npm run chaos -- --legacy`: the same history checks against the legacy design. The legacy enactors have
// no fence, so the schedule's essential fault, one enactor's writes arriving late while the others move on
// and the cleanup deletes its plan, is run as the race scenario runs it (real authority and SDK, the delayed
// enactor's writes held), and its probe record becomes the history. It must report the empty record.
import { runRace } from '../race.js';
import type { History } from './history.js';

export async function runLegacyChaos(seed: number): Promise<History> {
  const started = Date.now();
  const { summary } = await runRace({ mode: 'legacy', resolver: 'none' });
  const at = started + (summary.firstEmptyAt ?? 0);
  return {
    seed,
    design: 'legacy',
    // The probe's observations of the empty record, at the time of the first one (the race counts them).
    answers: [
      { at: started, result: 'answered' as const },
      ...Array.from({ length: summary.emptyObservations }, () => ({ at, result: 'empty' as const })),
    ],
    acks: [],
    // The stale write landing is the fence (the legacy marker) going back to the delayed enactor's generation.
    fences: summary.staleWriteLanded
      ? [
          { at: started, generation: summary.latestGeneration },
          { at, generation: summary.staleGeneration },
        ]
      : [],
    faults: [{ at: started, fault: 'delay one enactor (race timing)' }],
    final: {
      latestPlanned: summary.latestGeneration,
      liveGeneration: summary.liveGeneration,
      matchesLatest: summary.converged,
    },
  };
}
