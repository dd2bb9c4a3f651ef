// A Route53Client look-alike over the authority's own ZoneStore, in process, for the randomized interleaving
// tests: thousands of cases must run in a minute, which HTTP and SigV4 would not allow. The semantics are the
// store's (the same code the API serves: transactional batches, exact-match DELETE, paging); this file only
// translates the SDK's command inputs into the store's calls and its answers back into SDK outputs.
import type { Change, ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import type { RequestedChange } from '../authority/store/validate.js';
import type { ZoneStore } from '../authority/store/zone-store.js';
import { toSdkRecordSet } from '../route53/recordset.js';

export interface StoreClientHooks {
  /** Runs before every call reaches the store: the place to schedule, delay, throttle or crash it. */
  before?(operation: string, input: unknown): Promise<void>;
  /** Runs after the store answered: throwing here loses the response of a call that took effect. */
  after?(operation: string, input: unknown): Promise<void>;
  /**
   * Serve at most this many record sets per ListResourceRecordSets page, whatever MaxItems asks (Route53 may
   * return fewer): a listing then spans several calls, and writes can land between them (torn listings).
   */
  pageSize?: number;
}

function requestedChange(change: Change): RequestedChange {
  const set: ResourceRecordSet = change.ResourceRecordSet ?? ({} as ResourceRecordSet);
  return {
    action: change.Action ?? '',
    name: set.Name ?? '',
    type: set.Type ?? '',
    ...(set.TTL !== undefined ? { ttl: set.TTL } : {}),
    ...(set.SetIdentifier !== undefined ? { setIdentifier: set.SetIdentifier } : {}),
    ...(set.Weight !== undefined ? { weight: set.Weight } : {}),
    ...(set.ResourceRecords !== undefined ? { values: set.ResourceRecords.map((record) => record.Value ?? '') } : {}),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each operation reads its own SDK input shape; the SDK typed it at the call site
type Input = Record<string, any>;

const operations: Record<string, (store: ZoneStore, input: Input, hooks: StoreClientHooks) => unknown> = {
  ChangeResourceRecordSets(store, input) {
    const change = store.changeResourceRecordSets(
      input.HostedZoneId,
      (input.ChangeBatch?.Changes ?? []).map(requestedChange),
      input.ChangeBatch?.Comment,
    );
    return { ChangeInfo: { Id: `/change/${change.id}`, Status: 'INSYNC', SubmittedAt: new Date(change.submittedAt) } };
  },
  ListResourceRecordSets(store, input, hooks) {
    const asked = input.MaxItems !== undefined ? Number(input.MaxItems) : undefined;
    const maxItems = hooks.pageSize === undefined ? asked : Math.min(asked ?? hooks.pageSize, hooks.pageSize);
    const page = store.listResourceRecordSets(input.HostedZoneId, {
      ...(input.StartRecordName !== undefined ? { name: input.StartRecordName } : {}),
      ...(input.StartRecordType !== undefined ? { type: input.StartRecordType } : {}),
      ...(input.StartRecordIdentifier !== undefined ? { identifier: input.StartRecordIdentifier } : {}),
      ...(maxItems !== undefined ? { maxItems } : {}),
    });
    return {
      ResourceRecordSets: page.sets.map(toSdkRecordSet),
      IsTruncated: page.next !== undefined,
      ...(page.next
        ? { NextRecordName: page.next.name, NextRecordType: page.next.type, NextRecordIdentifier: page.next.identifier }
        : {}),
    };
  },
};

/** A client for the SDK-level code (enactor, cleanup, paging) that talks to `store` directly. */
export function storeClient(store: ZoneStore, hooks: StoreClientHooks = {}): Route53Client {
  const send = async (command: { input: Input; constructor: { name: string } }) => {
    const operation = command.constructor.name.replace(/Command$/, '');
    const handler = operations[operation];
    if (!handler) throw new Error(`the in-process store client does not implement ${operation}`);
    await hooks.before?.(operation, command.input);
    const output = handler(store, command.input, hooks);
    await hooks.after?.(operation, command.input);
    return output;
  };
  return { send, config: {}, destroy: () => undefined } as unknown as Route53Client;
}
