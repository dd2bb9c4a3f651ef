// What the journal and the snapshot file hold. Entries carry their effects (the record sets written and the
// keys removed), never the request: replay applies them without validating again, so a restart reproduces
// exactly the acknowledged state and the same zone versions.
import type { RecordSet } from '../../route53/recordset.js';
import type { HostedZoneInfo } from '../zones.js';
import type { HealthCheckEntryBody, StoredHealthCheck } from './health-checks.js';
import type { Tag, TagsEntryBody } from './tags.js';

interface EntryBase {
  /** Strictly increasing; the snapshot file records the last one it contains. */
  seq: number;
  changeId: string;
}

export type JournalEntry =
  | (EntryBase & { op: 'createZone'; zone: HostedZoneInfo; createdAt: string; put: RecordSet[] })
  | (EntryBase & { op: 'deleteZone'; zoneId: string; at: string })
  | (EntryBase & { op: 'change'; zoneId: string; at: string; comment?: string; put: RecordSet[]; remove: string[] })
  | (EntryBase & { op: 'zoneInfo'; zone: HostedZoneInfo; at: string; comment?: string })
  | ({ seq: number } & TagsEntryBody)
  | ({ seq: number } & HealthCheckEntryBody);

export interface StoreState {
  seq: number;
  zones: Array<{ info: HostedZoneInfo; createdAt: string; version: number; sets: RecordSet[] }>;
  changes: Array<{ id: string; zoneId: string; version: number; submittedAt: string; comment?: string }>;
  /** Absent in snapshots written before tags existed. */
  tags?: Array<{ resource: string; tags: Tag[] }>;
  healthChecks?: StoredHealthCheck[];
}
