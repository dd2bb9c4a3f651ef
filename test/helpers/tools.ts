// Tests that need an external program (dig, unbound, moto_server, nsd, chromium) use describeWithTools.
// Under CI=true a missing program is a failure, never a silent skip; locally the skip is announced loudly.
import { describe, it } from 'vitest';
import { hasCommand } from '../../src/probe/unbound.js';

export const hasTool = hasCommand;

/**
 * `requirements` are other things a test needs that are not programs on PATH (a provider mirror, a data
 * set): each names itself and says whether it is there. A missing one counts like a missing tool.
 */
export function describeWithTools(
  tools: string[],
  title: string,
  body: () => void,
  requirements: Array<{ name: string; present: boolean }> = [],
): void {
  const missing = [
    ...tools.filter((tool) => !hasTool(tool)),
    ...requirements.filter((requirement) => !requirement.present).map((requirement) => requirement.name),
  ];
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(title, () => {
      it(`has ${missing.join(', ')} installed`, () => {
        throw new Error(
          `${missing.join(', ')} not found; .ci/run or the machine image must provide it (CI=true never skips)`,
        );
      });
    });
    return;
  }
  console.warn(`\n*** SKIPPING "${title}": ${missing.join(', ')} not installed (this would fail under CI=true) ***\n`);
  describe.skipIf(true)(title, body);
}
