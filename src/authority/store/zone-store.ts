// The authority's zone store: hosted zones, their record sets and the changes made to them. It is the
// ZoneSource the DNS face reads. Every mutation is (1) validated whole, (2) written to the journal and
// fsync'ed, (3) applied in memory synchronously, so a reader never sees half a batch and nothing is
// acknowledged before it is on disk. The DNS face follows commits through heads() and changesSince() (what
// each batch removed and added); whole snapshots are built lazily, once per zone version, for other readers
// and for the face's first build.
import { randomBytes } from 'node:crypto';
import { normalizeName, type RecordSet } from '../../route53/recordset.js';
import type { HostedZoneInfo, Vpc, ZoneChange, ZoneHead, ZoneSnapshot, ZoneSource } from '../zones.js';
import { Route53Error, invalidInput, noSuchChange, noSuchHostedZone } from './errors.js';
import { RECORD_SET_PAGE } from './limits.js';
import { SortedKeys, groupPrefix, sortKey } from './order.js';
import { HealthCheckStore, noSuchHealthCheck } from './health-checks.js';
import { TagStore, type TaggableType } from './tags.js';
import { existingVpc, isAssociated, withVpc, withoutVpc } from './vpcs.js';
import { validateBatch, unsupportedCharacterProblem, type RequestedChange, type ZoneLookup } from './validate.js';
import { isDomainName } from './values.js';
import type { JournalEntry, StoreState } from './journal-format.js';

export interface ChangeRecord {
  /** Bare id, without /change/. */
  id: string;
  zoneId: string;
  /** The zone version that includes this change; INSYNC once the DNS face serves it. */
  version: number;
  submittedAt: string;
  comment?: string;
}

export interface ListPage {
  sets: RecordSet[];
  next?: { name: string; type: RecordSet['type']; identifier?: string };
}

/** Where committed entries go before they are applied (the journal); tests may leave it out. */
export interface EntrySink {
  append(entry: JournalEntry): void;
}

interface StoredZone {
  info: HostedZoneInfo;
  createdAt: string;
  version: number;
  sets: Map<string, RecordSet>;
  index: SortedKeys;
  snapshot?: ZoneSnapshot;
  /** The latest change batches, oldest first, for changesSince; `logSets` counts the record sets they hold. */
  log: ZoneChange[];
  logSets: number;
}

const MAX_REMEMBERED_CHANGES = 100_000;
/**
 * How many record sets the kept change batches of a zone may hold (at least the newest batch is kept). The
 * DNS face reads them within a turn of the event loop, so a few batches would do; this lets it fall several
 * 1,000-change batches behind before it must read a whole snapshot, and bounds what removed sets they keep
 * alive to a few MiB.
 */
const KEPT_CHANGE_SETS = 16_384;

export interface ZoneStoreOptions {
  /** How many record sets a zone's kept change batches may hold (default 16,384); tests make it small. */
  keptChangeSets?: number;
}

/** Route53-style ids: a letter and upper-case base-32 characters. */
function newId(prefix: 'Z' | 'C'): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return prefix + Array.from(randomBytes(16), (byte) => alphabet[byte % 32]).join('');
}

/** Four name servers in Route53's style: `ns-N.awsdns-NN.tld.`, the second number zero-padded to two digits. */
function nameServersFor(id: string): string[] {
  const n = parseInt(id.slice(1, 5), 36) % 2048;
  return ['com', 'net', 'org', 'co.uk'].map((tld, i) => {
    const server = (n + 512 * i) % 2048;
    return `ns-${server}.awsdns-${String(server % 64).padStart(2, '0')}.${tld}.`;
  });
}

export class ZoneStore implements ZoneSource {
  private readonly zones = new Map<string, StoredZone>();
  private readonly changes = new Map<string, ChangeRecord>();
  private readonly listeners = new Set<() => void>();
  private seq = 0;

  private readonly keptChangeSets: number;
  /** Tags of hosted zones and health checks, journalled through this store's commit. */
  readonly tags = new TagStore(
    (body) => this.commit({ seq: this.seq + 1, ...body }),
    (type, id) => this.mustExist(type, id),
  );
  /** Health checks' configuration (their status is the prober's), journalled through this store's commit. */
  readonly healthChecks = new HealthCheckStore(
    (body) => this.commit({ seq: this.seq + 1, ...body }),
    (id) => {
      for (const zone of this.zones.values()) {
        for (const set of zone.sets.values())
          if (set.healthCheckId === id)
            return `${set.name} ${set.type}${set.setIdentifier !== undefined ? ` (${set.setIdentifier})` : ''}`;
      }
      return undefined;
    },
  );

  constructor(
    private readonly sink?: EntrySink,
    options: ZoneStoreOptions = {},
  ) {
    this.keptChangeSets = options.keptChangeSets ?? KEPT_CHANGE_SETS;
  }

  // ---- ZoneSource ----

  snapshots(): readonly ZoneSnapshot[] {
    return [...this.zones.values()].map((zone) => {
      zone.snapshot ??= Object.freeze({
        zone: zone.info,
        version: zone.version,
        recordSets: Object.freeze([...zone.sets.values()]),
      });
      return zone.snapshot;
    });
  }

  heads(): readonly ZoneHead[] {
    return [...this.zones.values()].map((zone) => ({ zone: zone.info, version: zone.version }));
  }

  changesSince(zoneId: string, version: number): readonly ZoneChange[] | undefined {
    const zone = this.zones.get(zoneId);
    if (!zone || version > zone.version) return undefined;
    if (version === zone.version) return [];
    const first = zone.log.findIndex((change) => change.version === version + 1);
    return first < 0 ? undefined : zone.log.slice(first);
  }

  onCommit(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- hosted zones ----

  /** With `vpc`, a private zone associated with that VPC. */
  createHostedZone(input: { name: string; callerReference: string; comment?: string; vpc?: Partial<Vpc> }): {
    zone: HostedZoneInfo;
    change: ChangeRecord;
  } {
    const name = normalizeName(input.name);
    if (!isDomainName(name)) throw new Route53Error('InvalidDomainName', `${input.name} is not a valid domain name`);
    if (!input.callerReference) throw invalidInput('Invalid request: CallerReference is required');
    const vpc = input.vpc === undefined ? undefined : existingVpc(input.vpc);
    if (vpc) {
      const clash = [...this.zones.values()].find((zone) => zone.info.name === name && isAssociated(zone.info, vpc));
      if (clash)
        throw new Route53Error(
          'ConflictingDomainExists',
          `The VPC ${vpc.id} is already associated with another private hosted zone named ${name} (${clash.info.id})`,
        );
    }
    for (const zone of this.zones.values()) {
      if (zone.info.callerReference === input.callerReference) {
        throw new Route53Error(
          'HostedZoneAlreadyExists',
          `A hosted zone has already been created with the specified caller reference: ${input.callerReference}`,
          409,
        );
      }
    }
    const id = newId('Z');
    const nameServers = nameServersFor(id);
    const info: HostedZoneInfo = {
      id,
      name,
      callerReference: input.callerReference,
      nameServers,
      ...(input.comment ? { comment: input.comment } : {}),
      ...(vpc ? { vpcs: [vpc] } : {}),
    };
    const apexSets: RecordSet[] = [
      { name, type: 'NS', ttl: 172800, values: nameServers },
      {
        name,
        type: 'SOA',
        ttl: 900,
        values: [`${nameServers[0]} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400`],
      },
    ];
    const change = this.newChange(id, 1);
    this.commit({
      seq: this.seq + 1,
      op: 'createZone',
      zone: info,
      createdAt: change.submittedAt,
      changeId: change.id,
      put: apexSets,
    });
    return { zone: info, change };
  }

  getHostedZone(id: string): { info: HostedZoneInfo; recordSetCount: number } {
    const zone = this.zone(id);
    return { info: zone.info, recordSetCount: zone.sets.size };
  }

  /** Every zone in creation order. */
  listHostedZones(): Array<{ info: HostedZoneInfo; recordSetCount: number }> {
    return [...this.zones.values()].map((zone) => ({ info: zone.info, recordSetCount: zone.sets.size }));
  }

  deleteHostedZone(id: string): ChangeRecord {
    const zone = this.zone(id);
    for (const set of zone.sets.values()) {
      if (!(set.name === zone.info.name && (set.type === 'SOA' || set.type === 'NS'))) {
        throw new Route53Error(
          'HostedZoneNotEmpty',
          'The specified hosted zone contains non-required resource record sets and so cannot be deleted.',
        );
      }
    }
    const change = this.newChange(id, zone.version + 1);
    this.commit({ seq: this.seq + 1, op: 'deleteZone', zoneId: id, changeId: change.id, at: change.submittedAt });
    return change;
  }

  /** UpdateHostedZoneComment: a missing comment removes the zone's comment, as Route53 does. */
  updateHostedZoneComment(id: string, comment?: string): HostedZoneInfo {
    const { comment: _old, ...rest } = this.zone(id).info;
    const info = { ...rest, ...(comment ? { comment } : {}) };
    this.replaceZoneInfo(info);
    return info;
  }

  associateVpc(id: string, vpc: Partial<Vpc>, comment?: string): ChangeRecord {
    const zone = this.zone(id);
    const others = [...this.zones.values()].filter((other) => other !== zone).map((other) => other.info);
    return this.replaceZoneInfo(withVpc(zone.info, existingVpc(vpc), others), comment);
  }

  disassociateVpc(id: string, vpc: Partial<Vpc>, comment?: string): ChangeRecord {
    return this.replaceZoneInfo(withoutVpc(this.zone(id).info, existingVpc(vpc)), comment);
  }

  /** The private zones associated with `vpc`, in creation order. */
  hostedZonesByVpc(vpc: Partial<Vpc>): HostedZoneInfo[] {
    const wanted = existingVpc(vpc);
    return [...this.zones.values()].filter((zone) => isAssociated(zone.info, wanted)).map((zone) => zone.info);
  }

  /**
   * Journals and applies a zone's new identity data (comment, VPCs); its record sets and version stay. The
   * change it returns is already in sync: the DNS face serves no zone identity.
   */
  private replaceZoneInfo(info: HostedZoneInfo, comment?: string): ChangeRecord {
    const change = this.newChange(info.id, this.zone(info.id).version, comment);
    this.commit({
      seq: this.seq + 1,
      op: 'zoneInfo',
      zone: info,
      changeId: change.id,
      at: change.submittedAt,
      ...(comment ? { comment } : {}),
    });
    return change;
  }

  // ---- record sets ----

  changeResourceRecordSets(zoneId: string, changes: RequestedChange[], comment?: string): ChangeRecord {
    const zone = this.zone(zoneId);
    const effects = validateBatch(this.viewOf(zone), changes);
    // Route53 refuses a set that names a health check it does not have (NoSuchHealthCheck, not InvalidChangeBatch).
    for (const requested of changes) {
      if (
        requested.action !== 'DELETE' &&
        requested.healthCheckId !== undefined &&
        !this.healthChecks.has(requested.healthCheckId)
      )
        throw noSuchHealthCheck(requested.healthCheckId);
    }
    const change = this.newChange(zoneId, zone.version + 1, comment);
    // The comment is journalled with the change: GetChange returns it later, as Route53's does.
    this.commit({
      seq: this.seq + 1,
      op: 'change',
      zoneId,
      changeId: change.id,
      at: change.submittedAt,
      ...(comment ? { comment } : {}),
      put: effects.put,
      remove: effects.remove,
    });
    return change;
  }

  listResourceRecordSets(
    zoneId: string,
    start: { name?: string; type?: string; identifier?: string; maxItems?: number } = {},
  ): ListPage {
    const zone = this.zone(zoneId);
    // Route53's message says no more than this (StartRecordType needs StartRecordName, and an identifier a type).
    const unsupported = start.name === undefined ? undefined : unsupportedCharacterProblem(start.name.trim());
    if (unsupported) throw invalidInput(unsupported);
    if (start.type !== undefined && start.name === undefined) throw invalidInput('The input is not valid');
    if (start.identifier !== undefined && start.type === undefined) throw invalidInput('The input is not valid');
    const maxItems = Math.min(start.maxItems ?? RECORD_SET_PAGE.default, RECORD_SET_PAGE.max);
    if (!Number.isInteger(maxItems) || maxItems < 1)
      throw invalidInput(`The input is not valid: MaxItems must be a positive integer`);
    const from = start.name === undefined ? '' : sortKey(normalizeName(start.name), start.type, start.identifier);
    const sets: RecordSet[] = [];
    let next: ListPage['next'];
    zone.index.scan(from, (key) => {
      const set = zone.sets.get(key)!;
      if (sets.length < maxItems) {
        sets.push(set);
        return true;
      }
      next = {
        name: set.name,
        type: set.type,
        ...(set.setIdentifier !== undefined ? { identifier: set.setIdentifier } : {}),
      };
      return false;
    });
    return { sets, ...(next ? { next } : {}) };
  }

  getChange(id: string): ChangeRecord {
    const change = this.changes.get(id);
    if (!change) throw noSuchChange(id);
    return change;
  }

  /** Whether a zone still exists (a deleted zone's changes count as in sync). */
  hasZone(id: string): boolean {
    return this.zones.has(id);
  }

  // ---- journal replay and compaction ----

  /** Applies an entry read back from the journal; entries already in the loaded state are skipped. */
  replay(entry: JournalEntry): void {
    if (entry.seq <= this.seq) return;
    this.apply(entry);
  }

  exportState(): StoreState {
    return {
      seq: this.seq,
      zones: [...this.zones.values()].map((zone) => ({
        info: zone.info,
        createdAt: zone.createdAt,
        version: zone.version,
        sets: [...zone.sets.values()],
      })),
      changes: [...this.changes.values()],
      tags: this.tags.exportState(),
      healthChecks: this.healthChecks.exportState(),
    };
  }

  importState(state: StoreState): void {
    this.seq = state.seq;
    for (const saved of state.zones) this.addZone(saved.info, saved.createdAt, saved.version, saved.sets);
    for (const change of state.changes) this.changes.set(change.id, change);
    this.tags.importState(state.tags);
    this.healthChecks.importState(state.healthChecks);
  }

  // ---- internals ----

  private zone(id: string): StoredZone {
    const zone = this.zones.get(id);
    if (!zone) throw noSuchHostedZone(id);
    return zone;
  }

  private mustExist(type: TaggableType, id: string): void {
    if (type === 'hostedzone') this.zone(id);
    else if (!this.healthChecks.has(id)) throw noSuchHealthCheck(id);
  }

  private viewOf(zone: StoredZone): ZoneLookup {
    const keysWithPrefix = (of: StoredZone, prefix: string) => {
      const keys: string[] = [];
      of.index.scan(prefix, (key) => key.startsWith(prefix) && keys.push(key) > 0);
      return keys;
    };
    return {
      apex: zone.info.name,
      id: zone.info.id,
      get: (key) => zone.sets.get(key),
      keysWithPrefix: (prefix) => keysWithPrefix(zone, prefix),
      otherZone: (id) => {
        const other = this.zones.get(id);
        return (
          other && {
            apex: other.info.name,
            has: (name: string, type: string) => keysWithPrefix(other, groupPrefix(name, type)).length > 0,
          }
        );
      },
    };
  }

  private newChange(zoneId: string, version: number, comment?: string): ChangeRecord {
    return { id: newId('C'), zoneId, version, submittedAt: new Date().toISOString(), ...(comment ? { comment } : {}) };
  }

  /** Durable first, then visible: the sink fsyncs before the in-memory state changes. */
  private commit(entry: JournalEntry): void {
    this.sink?.append(entry);
    this.apply(entry);
    // Listeners follow the zones (the DNS face); tags and health checks change no zone.
    if (entry.op !== 'tags' && entry.op !== 'putHealthCheck' && entry.op !== 'deleteHealthCheck')
      for (const listener of this.listeners) listener();
  }

  private apply(entry: JournalEntry): void {
    this.seq = entry.seq;
    if (entry.op === 'tags') {
      this.tags.apply(entry);
      return;
    }
    if (entry.op === 'putHealthCheck' || entry.op === 'deleteHealthCheck') {
      this.healthChecks.apply(entry);
      if (entry.op === 'deleteHealthCheck') this.tags.drop('healthcheck', entry.id);
      return;
    }
    if (entry.op === 'createZone') {
      this.addZone(entry.zone, entry.createdAt, 1, entry.put);
      this.remember({ id: entry.changeId, zoneId: entry.zone.id, version: 1, submittedAt: entry.createdAt });
      return;
    }
    if (entry.op === 'zoneInfo') {
      const zone = this.zone(entry.zone.id);
      zone.info = entry.zone;
      zone.snapshot = undefined;
      // (Entries journalled before zone-identity changes carried a change id have none to remember.)
      if (entry.changeId)
        this.remember({
          id: entry.changeId,
          zoneId: entry.zone.id,
          version: zone.version,
          submittedAt: entry.at,
          ...(entry.comment ? { comment: entry.comment } : {}),
        });
      return;
    }
    const zone = this.zone(entry.zoneId);
    if (entry.op === 'deleteZone') {
      this.zones.delete(entry.zoneId);
      this.tags.drop('hostedzone', entry.zoneId);
      this.remember({ id: entry.changeId, zoneId: entry.zoneId, version: zone.version + 1, submittedAt: entry.at });
      return;
    }
    const removed: RecordSet[] = [];
    for (const key of entry.remove) {
      const old = zone.sets.get(key);
      if (old) removed.push(old);
      zone.sets.delete(key);
      zone.index.remove(key);
    }
    for (const set of entry.put) {
      const old = this.putSet(zone, set);
      if (old) removed.push(old);
    }
    zone.version += 1;
    zone.snapshot = undefined;
    this.keepChange(zone, { version: zone.version, removed, added: entry.put });
    this.remember({
      id: entry.changeId,
      zoneId: entry.zoneId,
      version: zone.version,
      submittedAt: entry.at,
      ...(entry.comment ? { comment: entry.comment } : {}),
    });
  }

  private addZone(info: HostedZoneInfo, createdAt: string, version: number, sets: RecordSet[]): void {
    const zone: StoredZone = {
      info,
      createdAt,
      version,
      sets: new Map(),
      index: new SortedKeys(),
      log: [],
      logSets: 0,
    };
    for (const set of sets) this.putSet(zone, set);
    this.zones.set(info.id, zone);
  }

  /** Returns the set it replaced, if any. */
  private putSet(zone: StoredZone, set: RecordSet): RecordSet | undefined {
    const key = sortKey(set.name, set.type, set.setIdentifier);
    const old = zone.sets.get(key);
    if (!old) zone.index.add(key);
    zone.sets.set(key, set);
    zone.snapshot = undefined;
    return old;
  }

  private keepChange(zone: StoredZone, change: ZoneChange): void {
    zone.log.push(change);
    zone.logSets += change.removed.length + change.added.length;
    while (zone.log.length > 1 && zone.logSets > this.keptChangeSets) {
      const dropped = zone.log.shift()!;
      zone.logSets -= dropped.removed.length + dropped.added.length;
    }
  }

  private remember(change: ChangeRecord): void {
    this.changes.set(change.id, change);
    if (this.changes.size > MAX_REMEMBERED_CHANGES) this.changes.delete(this.changes.keys().next().value!);
  }
}
