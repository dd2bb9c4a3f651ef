// The fault suite's checks, each shown able to fail on a history that breaks it.
import { describe, expect, it } from 'vitest';
import { checkHistory, type History } from '../../src/scenario/chaos/history.js';

function good(): History {
  return {
    seed: 1,
    design: 'safe',
    answers: [
      { at: 0, result: 'empty' }, // before the endpoint was first created: not a violation
      { at: 1, result: 'answered', revision: 1 },
      { at: 2, result: 'no-answer' }, // the authority down
      { at: 3, result: 'answered', revision: 2 },
    ],
    acks: [
      { at: 1, enactor: 'e1', generation: 1 },
      { at: 3, enactor: 'e2', generation: 2 },
    ],
    fences: [
      { at: 1, generation: 1 },
      { at: 3, generation: 2 },
    ],
    faults: [
      {
        at: 2,
        fault: 'kill authority',
        kind: 'authority',
        authorityRecoveryMs: 100,
        resolverRecoveryMs: 900,
        currentMs: 1200,
      },
      { at: 3, fault: 'kill planner', kind: 'planner', currentMs: 700 },
    ],
    final: { latestPlanned: 2, liveGeneration: 2, matchesLatest: true, fleetRevision: 2, plannedRevision: 2 },
  };
}

describe('checkHistory', () => {
  it('passes a good history and reports the resolver lag', () => {
    const verdict = checkHistory(good(), 5000);
    expect(verdict.violations).toEqual([]);
    expect(verdict.recoveries).toEqual([800]);
    expect(verdict.counts).toMatchObject({ empty: 0, authorityRestarts: 1 });
    expect(verdict.current).toEqual({ authority: [1200], planner: [700] });
  });

  it.each([
    [
      'an empty answer after the endpoint answered',
      (h: History) => h.answers.push({ at: 4, result: 'empty' }),
      /1 empty answer/,
    ],
    [
      'older content after newer',
      (h: History) => h.answers.push({ at: 4, result: 'answered', revision: 1 }),
      /stale content after newer: revision 1/,
    ],
    [
      'the fence going back',
      (h: History) => h.fences.push({ at: 4, generation: 1 }),
      /generation regression: the fence went from 2 to 1/,
    ],
    [
      'an acknowledged batch missing at the end',
      (h: History) => h.acks.push({ at: 4, enactor: 'e3', generation: 3 }),
      /acknowledged generation 3 is not present/,
    ],
    ['no convergence', (h: History) => (h.final.matchesLatest = false), /did not converge/],
    [
      'a slow resolver recovery',
      (h: History) => (h.faults[0].resolverRecoveryMs = 7000),
      /6900 ms after the authority \(bound 5000 ms\)/,
    ],
    [
      'the planner not catching up with the fleet',
      (h: History) => (h.final.fleetRevision = 3),
      /the planner did not catch up: the latest plan holds revision 2, the fleet 3/,
    ],
    [
      'current answers too late after a component is back',
      (h: History) => (h.faults[1].currentMs = 5001),
      /after "kill planner" the resolver answered current content 5001 ms after it was back/,
    ],
  ])('fails on %s', (_, breakIt, message) => {
    const history = good();
    breakIt(history);
    const verdict = checkHistory(history, 5000);
    expect(verdict.ok).toBe(false);
    expect(verdict.violations.join('\n')).toMatch(message);
  });
});
