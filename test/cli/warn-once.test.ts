// A warning that repeats every pass is printed when it appears or changes, not every time.
import { describe, expect, it } from 'vitest';
import { warnOnce } from '../../src/cli/warn-once.js';

describe('warnOnce', () => {
  it('prints a line once while it repeats, and again once it changes', () => {
    const printed: string[] = [];
    const warn = warnOnce((line) => printed.push(line));
    for (const line of ['store down', 'store down', 'store down', 'bucket gone', 'store down', 'store down'])
      warn(line);
    expect(printed).toEqual(['store down', 'bucket gone', 'store down']);
  });
});
