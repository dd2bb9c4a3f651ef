// The Route53 semantics suite: the behaviours dnsplane's safety rests on (atomic batches, exact-match DELETE,
// weighted-group rules, bounded paging, the API's error codes), checked through the SDK against any
// endpoint. It is how we know the dnsplane authority behaves like Route53, and how we show where moto and
// LocalStack do not.
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  DeleteHostedZoneCommand,
  ListResourceRecordSetsCommand,
  type Change,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { randomBytes } from 'node:crypto';
import { apiCases } from './conformance/api-cases.js';
import { batchCases } from './conformance/batch-cases.js';
import type { ConformanceCase } from './conformance/case.js';
import { describeError, remove } from './conformance/expect.js';
import { resourceCases } from './conformance/resource-cases.js';
import { routingCases } from './conformance/routing-cases.js';
import { weightedCases } from './conformance/weighted-cases.js';
import { fromSdkRecordSet, normalizeName } from './recordset.js';

export type { ConformanceCase } from './conformance/case.js';

export const conformanceCases: readonly ConformanceCase[] = [
  ...batchCases,
  ...weightedCases,
  ...routingCases,
  ...apiCases,
  ...resourceCases,
];

export interface CaseResult {
  name: string;
  description: string;
  passed: boolean;
  /** Why the case failed, in Route53's terms; absent when it passed. */
  reason?: string;
  durationMs: number;
}

export interface ConformanceReport {
  results: CaseResult[];
  passed: number;
  failed: number;
  /** Set when the scratch zone could not be removed afterwards (the results still stand). */
  cleanupError?: string;
}

export async function runCase(
  testCase: ConformanceCase,
  client: Route53Client,
  zoneId: string,
  zoneName: string,
): Promise<CaseResult> {
  const started = performance.now();
  try {
    await testCase.run(client, zoneId, zoneName);
    return {
      name: testCase.name,
      description: testCase.description,
      passed: true,
      durationMs: performance.now() - started,
    };
  } catch (error) {
    // A paging loop is one of the behaviours measured (moto ignores StartRecordIdentifier), not an accident.
    const expected =
      error instanceof Error && (error.name === 'ConformanceFailure' || error.name === 'PagingLoopError');
    const reason = expected ? error.message : `unexpected ${describeError(error).text}`;
    // The scratch zone's name differs on every run; the table should not.
    const stable = reason.replaceAll(normalizeName(zoneName), '<zone>');
    return {
      name: testCase.name,
      description: testCase.description,
      passed: false,
      reason: stable,
      durationMs: performance.now() - started,
    };
  }
}

export interface RunOptions {
  /** Run only these cases (by name); all of them by default. */
  only?: readonly string[];
  /** Called as each case finishes, for progress output. */
  onResult?: (result: CaseResult) => void;
}

/**
 * Creates a scratch hosted zone, runs the cases one after another in it (each under its own names), and
 * deletes the zone again. Cases run sequentially so that a failure's reason is never another case's doing.
 */
export async function runConformance(client: Route53Client, options: RunOptions = {}): Promise<ConformanceReport> {
  const cases = selectCases(options.only);
  const zoneName = normalizeName(`conformance-${randomBytes(4).toString('hex')}.dnsplane.test`);
  const created = await client.send(
    new CreateHostedZoneCommand({
      Name: zoneName,
      CallerReference: `dnsplane-conformance-${Date.now()}-${randomBytes(4).toString('hex')}`,
    }),
  );
  const zoneId = created.HostedZone?.Id;
  if (!zoneId) throw new Error('CreateHostedZone answered without a hosted zone id');
  const results: CaseResult[] = [];
  let cleanupError: string | undefined;
  try {
    for (const testCase of cases) {
      const result = await runCase(testCase, client, zoneId, zoneName);
      results.push(result);
      options.onResult?.(result);
    }
  } finally {
    cleanupError = await deleteScratchZone(client, zoneId);
  }
  const passed = results.filter((result) => result.passed).length;
  return { results, passed, failed: results.length - passed, ...(cleanupError ? { cleanupError } : {}) };
}

function selectCases(only?: readonly string[]): readonly ConformanceCase[] {
  if (!only?.length) return conformanceCases;
  const unknown = only.filter((name) => !conformanceCases.some((testCase) => testCase.name === name));
  if (unknown.length)
    throw new Error(
      `unknown conformance case(s): ${unknown.join(', ')}; known: ${conformanceCases.map((c) => c.name).join(', ')}`,
    );
  return conformanceCases.filter((testCase) => only.includes(testCase.name));
}

const CLEANUP_ROUNDS = 20;

/**
 * Route53 refuses to delete a zone that still holds records, so delete them first. The zone is emptied by
 * re-reading its first page until only the apex is left, never by paging: on moto a case may have left the
 * same set twice, which paging rightly refuses, and a weighted DELETE there also removes other names' sets,
 * so a later DELETE may find nothing (which is fine here).
 */
async function deleteScratchZone(client: Route53Client, zoneId: string): Promise<string | undefined> {
  try {
    for (let round = 0; round < CLEANUP_ROUNDS; round++) {
      const page = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
      const listed = page.ResourceRecordSets ?? [];
      const sets = listed.map(fromSdkRecordSet);
      const apex = sets.find((set) => set.type === 'SOA')?.name;
      const removable = sets.flatMap((set, i) =>
        set.name === apex && (set.type === 'SOA' || set.type === 'NS') ? [] : [i],
      );
      if (removable.length === 0) break;
      const drop = (changes: Change[]) =>
        client
          .send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }))
          .then(
            () => true,
            () => false,
          );
      // As listed first: a server that accepted a set Route53 would refuse (an alias with a TTL, on moto) may
      // only delete it in the same shape.
      for (const i of removable)
        if (!(await drop([{ Action: 'DELETE', ResourceRecordSet: listed[i] }]))) await drop([remove(sets[i])]);
    }
    await client.send(new DeleteHostedZoneCommand({ Id: zoneId }));
    return undefined;
  } catch (error) {
    return `could not delete scratch zone ${zoneId}: ${describeError(error).text}`;
  }
}

/** The results as a Markdown table, the form docs/moto-localstack.md shows. */
export function formatMarkdownTable(report: ConformanceReport): string {
  const escape = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
  const rows = report.results.map(
    (result) =>
      `| ${result.name} | ${result.passed ? 'pass' : '**FAIL**'} | ${escape(result.passed ? result.description : (result.reason ?? ''))} |`,
  );
  return [
    '| case | result | what Route53 does / why it failed |',
    '| --- | --- | --- |',
    ...rows,
    '',
    `${report.passed} of ${report.results.length} cases behave as Route53 does.`,
  ].join('\n');
}
