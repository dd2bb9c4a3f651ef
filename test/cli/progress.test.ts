import { describe, expect, it } from 'vitest';
import type { EnactorEvent } from '../../src/enactor/events.js';
import { progressPrinter } from '../../src/cli/progress.js';

function progress(
  batchesDone: number,
  batchesTotal: number,
  elapsedMs: number,
  endpointsDone = batchesDone * 10,
  endpointsTotal = batchesTotal * 10,
): EnactorEvent {
  return {
    type: 'progress',
    enactor: 'e1',
    generation: 7,
    batchesDone,
    batchesTotal,
    endpointsDone,
    endpointsTotal,
    elapsedMs,
  };
}

describe('progress lines of long passes', () => {
  it('prints nothing for a pass shorter than the interval', () => {
    const lines: string[] = [];
    const print = progressPrinter(5_000, (line) => lines.push(line));
    for (let i = 1; i <= 10; i++) print(progress(i, 10, i * 400));
    expect(lines).toEqual([]);
  });

  it('prints at most one line per interval, with an estimate, and a last line when every batch is answered', () => {
    const lines: string[] = [];
    const print = progressPrinter(5_000, (line) => lines.push(line));
    for (let i = 1; i <= 100; i++) print(progress(i, 100, i * 200));
    expect(lines).toEqual([
      'generation 7: 25/100 batches, 250/1000 endpoints in 5.0 s, about 15 s left',
      'generation 7: 50/100 batches, 500/1000 endpoints in 10.0 s, about 10 s left',
      'generation 7: 75/100 batches, 750/1000 endpoints in 15.0 s, about 5 s left',
      'generation 7: 100/100 batches, 1000/1000 endpoints in 20.0 s',
    ]);
  });

  it('starts over with the next pass, and ignores other events; 0 turns it off', () => {
    const lines: string[] = [];
    const print = progressPrinter(1_000, (line) => lines.push(line));
    print(progress(1, 2, 1_500));
    print(progress(2, 2, 1_600));
    print({ type: 'retry', enactor: 'e1', operation: 'ChangeResourceRecordSets', error: 'Throttling', delayMs: 10 });
    print(progress(1, 3, 200));
    print(progress(2, 3, 1_200));
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('generation 7: 2/3 batches, 20/30 endpoints in 1.2 s, about 1 s left');
    const off: string[] = [];
    const silent = progressPrinter(0, (line) => off.push(line));
    silent(progress(1, 2, 60_000));
    expect(off).toEqual([]);
  });
});
