// A Route53Port over the authority's own ZoneStore, in process, for the randomized interleaving
// tests: thousands of cases must run in a minute, which HTTP and SigV4 would not allow. The semantics are the
// store's (the same code the API serves: transactional batches, exact-match DELETE, paging); this file only
// translates the SDK's inputs into the store's calls and its answers back into SDK outputs.
import type { Change, ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { RequestedChange } from '../authority/store/validate.js';
import type { ZoneStore } from '../authority/store/zone-store.js';
import { hookPort, type PortHooks, type Route53Port } from '../route53/port.js';
import { toSdkRecordSet } from '../route53/recordset.js';

export interface StorePortOptions extends PortHooks {
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

/** A port for the SDK-level code (enactor, cleanup, paging) that talks to `store` directly, in process. */
export function storePort(store: ZoneStore, options: StorePortOptions = {}): Route53Port {
  const missing = (operation: string) => () =>
    Promise.reject(new Error(`the in-process store port does not implement ${operation}`));
  const direct: Route53Port = {
    async changeResourceRecordSets(input, call) {
      call?.onLaunched?.();
      const change = store.changeResourceRecordSets(
        input.HostedZoneId ?? '',
        (input.ChangeBatch?.Changes ?? []).map(requestedChange),
        input.ChangeBatch?.Comment,
      );
      return {
        $metadata: {},
        ChangeInfo: { Id: `/change/${change.id}`, Status: 'INSYNC', SubmittedAt: new Date(change.submittedAt) },
      };
    },
    async listResourceRecordSets(input) {
      const asked = input.MaxItems !== undefined ? Number(input.MaxItems) : undefined;
      const pageSize = options.pageSize;
      const maxItems = pageSize === undefined ? asked : Math.min(asked ?? pageSize, pageSize);
      const page = store.listResourceRecordSets(input.HostedZoneId ?? '', {
        ...(input.StartRecordName !== undefined ? { name: input.StartRecordName } : {}),
        ...(input.StartRecordType !== undefined ? { type: input.StartRecordType } : {}),
        ...(input.StartRecordIdentifier !== undefined ? { identifier: input.StartRecordIdentifier } : {}),
        ...(maxItems !== undefined ? { maxItems } : {}),
      });
      return {
        $metadata: {},
        ResourceRecordSets: page.sets.map(toSdkRecordSet),
        MaxItems: maxItems ?? 300,
        IsTruncated: page.next !== undefined,
        ...(page.next
          ? {
              NextRecordName: page.next.name,
              NextRecordType: page.next.type,
              NextRecordIdentifier: page.next.identifier,
            }
          : {}),
      };
    },
    listHostedZonesByName: missing('ListHostedZonesByName'),
    getHostedZone: missing('GetHostedZone'),
  };
  return hookPort(direct, options);
}
