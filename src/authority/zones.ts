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

/** The DNS face as the rest of the authority sees it (implemented in ./dns). */
export interface DnsFaceOptions {
  host: string;
  /** 0 picks a free port; the same port is used for UDP and TCP. */
  port: number;
  source: ZoneSource;
}

export interface DnsFace {
  readonly port: number;
  /** The zone version the DNS face answers from now; GetChange is INSYNC once this reaches the change. */
  servedVersion(zoneId: string): number;
  close(): Promise<void>;
}
