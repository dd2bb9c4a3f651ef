// Does this Route53 keep the two promises fencing depends on? Checked at enactor start in a scratch name:
//   1. a DELETE naming stale values is rejected (that is the compare-and-swap), and
//   2. a failing batch is atomic: nothing of it is applied.
// moto (and so LocalStack community) breaks both: it accepts stale fenced batches and keeps the first half of
// a failed one, so several enactors against it could overwrite each other exactly as in October 2025.
import type { Route53Port } from '../route53/port.js';
import { randomBytes } from 'node:crypto';
import { classifyError, describeError } from '../route53/errors.js';
import { listRecordSetsNamed } from '../route53/paging.js';
import { normalizeName, type RecordSet } from '../route53/recordset.js';
import { toSdkChanges, type Change } from './changes.js';

export interface SelfCheckResult {
  ok: boolean;
  checks: Array<{ name: 'stale-delete-rejected' | 'failed-batch-atomic'; passed: boolean; detail: string }>;
}

function txt(name: string, value: string): RecordSet {
  return { name, type: 'TXT', ttl: 60, values: [`"${value}"`] };
}

export async function selfCheck(client: Route53Port, zoneId: string, zoneName: string): Promise<SelfCheckResult> {
  const zone = normalizeName(zoneName);
  const nonce = randomBytes(4).toString('hex');
  const fence = `_dnsplane-selfcheck-${nonce}.${zone}`;
  const witness = `_dnsplane-selfcheck-${nonce}-b.${zone}`;
  const change = (changes: Change[]) =>
    client.changeResourceRecordSets({
      HostedZoneId: zoneId,
      ChangeBatch: { Comment: 'dnsplane backend self-check', Changes: toSdkChanges(changes) },
    });
  const result: SelfCheckResult = { ok: false, checks: [] };
  await change([{ action: 'CREATE', set: txt(fence, 'gen=1') }]);
  try {
    // 1. Stale compare-and-swap: delete a value that is not the live one, create the successor. Route53 answers
    //    InvalidChangeBatch and leaves the fence alone; anything else (acceptance, InvalidInput) is not a fence.
    let outcome = 'accepted';
    try {
      await change([
        { action: 'DELETE', set: txt(fence, 'gen=0') },
        { action: 'CREATE', set: txt(fence, 'gen=2') },
      ]);
    } catch (error) {
      outcome = classifyError(error) === 'rejected' ? 'rejected' : `failed with ${describeError(error).slice(0, 120)}`;
    }
    const after = await listRecordSetsNamed(client, zoneId, fence);
    const untouched = after.length === 1 && after[0].values.join() === '"gen=1"';
    result.checks.push(
      outcome === 'rejected' && untouched
        ? {
            name: 'stale-delete-rejected',
            passed: true,
            detail: 'a stale DELETE was rejected with InvalidChangeBatch and changed nothing',
          }
        : {
            name: 'stale-delete-rejected',
            passed: false,
            detail: `a DELETE naming values that are not live was ${outcome}${untouched ? '' : ' and the record changed'}, so a fence cannot detect a concurrent writer`,
          },
    );

    // 2. Atomicity: a good CREATE followed by a change that must fail (a name outside the zone).
    let batchRejected = false;
    try {
      await change([
        { action: 'CREATE', set: txt(witness, 'must-not-exist') },
        { action: 'CREATE', set: txt(`_dnsplane-selfcheck-${nonce}.invalid.`, 'outside') },
      ]);
    } catch {
      batchRejected = true;
    }
    const leaked = (await listRecordSetsNamed(client, zoneId, witness)).length > 0;
    result.checks.push(
      !batchRejected
        ? { name: 'failed-batch-atomic', passed: false, detail: 'a batch with a name outside the zone was accepted' }
        : leaked
          ? {
              name: 'failed-batch-atomic',
              passed: false,
              detail: 'a rejected batch still applied its first change: batches are not atomic',
            }
          : { name: 'failed-batch-atomic', passed: true, detail: 'a rejected batch applied nothing' },
    );
  } finally {
    await removeScratch(client, zoneId, [fence, witness]);
  }
  result.ok = result.checks.every((check) => check.passed);
  return result;
}

/** Deletes whatever the scratch names hold now, with their exact live values. */
async function removeScratch(client: Route53Port, zoneId: string, names: string[]): Promise<void> {
  for (const name of names) {
    for (const set of await listRecordSetsNamed(client, zoneId, name)) {
      await client.changeResourceRecordSets({
        HostedZoneId: zoneId,
        ChangeBatch: { Changes: toSdkChanges([{ action: 'DELETE', set }]) },
      });
    }
  }
}

/** The enactor's start-up rule: a backend that fails the self-check is refused unless the operator vouches for a single writer. */
export function assertSafeBackend(result: SelfCheckResult, singleWriter: boolean): void {
  if (result.ok || singleWriter) return;
  const failed = result.checks.filter((check) => !check.passed).map((check) => `  - ${check.name}: ${check.detail}`);
  throw new Error(
    [
      'this Route53 endpoint does not keep the promises fenced enactors rely on:',
      ...failed,
      'With several enactors, a delayed one could overwrite a newer plan here (the October 2025 race), because its stale',
      'fenced batch would be accepted. moto and LocalStack community behave like this. Use a real Route53 or the dnsplane',
      'authority, or pass --single-writer if you guarantee that this is the only enactor writing to the zone.',
    ].join('\n'),
  );
}
