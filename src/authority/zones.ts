// The seam between the authority's two faces: the Route53 API commits changes to the zone store, and the
// DNS face serves immutable snapshots of it. A query therefore sees a whole batch or none of it.
import type { Logger } from 'pino';
import type { RecordSet } from '../route53/recordset.js';
import type { HealthView } from './health/view.js';

export interface HostedZoneInfo {
  /** Bare id, without the /hostedzone/ prefix. */
  id: string;
  /** Fully qualified, lower-case, with the trailing dot. */
  name: string;
  callerReference: string;
  comment?: string;
  nameServers: string[];
  /** Present (possibly empty only transiently) exactly when the zone is private: the VPCs it is associated with. */
  vpcs?: Vpc[];
}

export interface Vpc {
  region: string;
  id: string;
}

/** A zone's identity and version, without its record sets: cheap enough to take after every commit. */
export interface ZoneHead {
  readonly zone: HostedZoneInfo;
  /** Grows by one with every committed change batch of this zone. */
  readonly version: number;
}

export interface ZoneSnapshot extends ZoneHead {
  readonly recordSets: readonly RecordSet[];
}

/** What one committed change batch did to a zone. */
export interface ZoneChange {
  /** The zone version this batch made (the one before it is version - 1). */
  readonly version: number;
  /** The record sets as they were before the batch, of every set it deleted or replaced. */
  readonly removed: readonly RecordSet[];
  /** The record sets it created or replaced them with. Apply `removed` first, then `added`. */
  readonly added: readonly RecordSet[];
}

export interface ZoneSource {
  /** Every hosted zone as it stands now. Snapshots are never mutated after they are handed out. */
  snapshots(): readonly ZoneSnapshot[];
  /** Called after each commit (zone created or deleted, change batch applied). Returns an unsubscribe. */
  onCommit(listener: () => void): () => void;
  /**
   * Every zone's head, in snapshots() order. With `changesSince`, a reader that follows every commit (the DNS
   * face) applies what changed instead of reading whole snapshots, whose cost grows with the zone.
   */
  heads(): readonly ZoneHead[];
  /**
   * The batches committed to a zone after `version`, up to its head, oldest first ([] when `version` is the
   * head); undefined when the zone is gone or not all of them are kept any more (a source keeps only recent
   * ones): the reader then reads a snapshot.
   */
  changesSince(zoneId: string, version: number): readonly ZoneChange[] | undefined;
}

/** The DNS face as the rest of the authority sees it (implemented in ./dns). */
export interface DnsFaceOptions {
  host: string;
  /** 0 picks a free port; the same port is used for UDP and TCP. */
  port: number;
  source: ZoneSource;
  /** Where the face logs; its own 'dns' logger when omitted. The authority passes a child of the logger it was given. */
  logger?: Logger;
  /** Health of the sets' HealthCheckIds, asked per query; every set counts as healthy without it. */
  health?: HealthView;
}

export interface DnsFace {
  readonly port: number;
  /** The zone version the DNS face answers from now; GetChange is INSYNC once this reaches the change. */
  servedVersion(zoneId: string): number;
  close(): Promise<void>;
}
