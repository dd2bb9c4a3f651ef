// Tests that need an external program (dig, unbound, moto_server, nsd, chromium) use describeWithTools.
// Under CI=true a missing program is a failure, never a silent skip; locally the skip is announced loudly.
import { describe, it } from 'vitest';
import { hasCommand } from '../../src/probe/unbound.js';

export const hasTool = hasCommand;

export function describeWithTools(tools: string[], title: string, body: () => void): void {
  const missing = tools.filter((tool) => !hasTool(tool));
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(title, () => {
      it(`has ${missing.join(', ')} installed`, () => {
        throw new Error(`${missing.join(', ')} not found on PATH; .ci/run must install it (CI=true never skips)`);
      });
    });
    return;
  }
  console.warn(`\n*** SKIPPING "${title}": ${missing.join(', ')} not installed (this would fail under CI=true) ***\n`);
  describe.skipIf(true)(title, body);
}
