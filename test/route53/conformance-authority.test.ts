// The dnsplane authority must behave as Route53 does in every case of the suite, over real HTTP through
// the real SDK. A failure names the case and the reason, so the table is the bug report.
import { afterAll, beforeAll, expect, it, describe } from 'vitest';
import { formatMarkdownTable, runConformance } from '../../src/route53/conformance.js';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';

describe('Route53 conformance against the dnsplane authority', () => {
  let target: TestAuthority;
  beforeAll(async () => {
    target = await startTestAuthority();
  });
  afterAll(async () => {
    await target?.close();
  });

  it('passes every case and removes its scratch zone afterwards', async () => {
    const report = await runConformance(target.client);
    const failures = report.results.filter((result) => !result.passed);
    expect(failures, formatMarkdownTable(report)).toEqual([]);
    expect(report.results.length).toBeGreaterThanOrEqual(20);
    expect(report.cleanupError).toBeUndefined();
  });
});
