// The seam between the authority's two faces: the Route53 API commits changes to the zone store, and the
// DNS face serves immutable snapshots of it. A query therefore sees a whole batch or none of it.
import type { RecordSet } from '../route53/recordset.js';

export interface HostedZoneInfo {
  /** Bare id, without the /hostedzone/ prefix. */
  id: string;
  /** Fully qualified, lower-case, with the trailing dot. */
  name: string;
  callerReference: string;
  comment?: string;
  nameServers: string[];
}

export interface ZoneSnapshot {
  readonly zone: HostedZoneInfo;
  /** Grows by one with every committed change batch of this zone. */
  readonly version: number;
  readonly recordSets: readonly RecordSet[];
}

export interface ZoneSource {
  /** Every hosted zone as it stands now. Snapshots are never mutated after they are handed out. */
  snapshots(): readonly ZoneSnapshot[];
  /** Called after each commit (zone created or deleted, change batch applied). Returns an unsubscribe. */
  onCommit(listener: () => void): () => void;
}
