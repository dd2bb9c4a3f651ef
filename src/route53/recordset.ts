// The record-set model shared by every part of dnsplane: the enactor writes it, the authority stores and
// serves it, the probe compares answers with it. It mirrors Route53's ResourceRecordSet, in camelCase.
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';

export const RECORD_TYPES = ['SOA', 'NS', 'A', 'AAAA', 'CNAME', 'TXT', 'MX', 'SRV', 'PTR', 'CAA'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** An alias record's target: another record set, answered in its place (by name and the alias's own type). */
export interface AliasTarget {
  /** The hosted zone of the target: one the authority serves, or an AWS service's (stored, not resolved). */
  hostedZoneId: string;
  /** Fully qualified, lower-case, with the trailing dot. */
  dnsName: string;
  evaluateTargetHealth: boolean;
}

export interface GeoLocation {
  continentCode?: string;
  /** ISO 3166 alpha-2, or `*` for the default location. */
  countryCode?: string;
  subdivisionCode?: string;
}

export interface GeoProximityLocation {
  awsRegion?: string;
  localZoneGroup?: string;
  coordinates?: { latitude: string; longitude: string };
  bias?: number;
}

export const FAILOVER_ROLES = ['PRIMARY', 'SECONDARY'] as const;

export interface RecordSet {
  /** Fully qualified, lower-case, with the trailing dot (see normalizeName). */
  name: string;
  type: RecordType;
  /** 0 for an alias set, which has no TTL of its own (Route53 lists none). */
  ttl: number;
  /** Present exactly when the set has a routing policy: weight, failover, region, geolocation, geoproximity or multivalue. */
  setIdentifier?: string;
  weight?: number;
  /** Latency routing: the AWS region the set stands for. */
  region?: string;
  geoLocation?: GeoLocation;
  failover?: (typeof FAILOVER_ROLES)[number];
  multiValueAnswer?: boolean;
  geoProximityLocation?: GeoProximityLocation;
  healthCheckId?: string;
  /** An alias set has a target instead of values (`values` is then empty). */
  aliasTarget?: AliasTarget;
  /** Values in Route53's presentation form (TXT values keep their quotes). */
  values: string[];
}

/** The fields beside name, type, TTL, weight, identifier and values: routing policies, health and alias. */
const EXTRA_FIELDS = [
  'region',
  'geoLocation',
  'failover',
  'multiValueAnswer',
  'geoProximityLocation',
  'healthCheckId',
  'aliasTarget',
] as const;

/** Whether two sets agree on EXTRA_FIELDS (compared as plain data; absent equals absent). */
function sameExtras(a: RecordSet, b: RecordSet): boolean {
  for (const field of EXTRA_FIELDS) {
    const x = a[field];
    const y = b[field];
    if (x === y) continue;
    if (
      x === undefined ||
      y === undefined ||
      typeof x !== 'object' ||
      typeof y !== 'object' ||
      canonicalJson(x) !== canonicalJson(y)
    )
      return false;
  }
  return true;
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([p], [q]) => (p < q ? -1 : 1)))
      : v,
  );
}

// Names already in normal form (lower case, trailing dot, `*` unescaped) are returned as they are: nearly every
// call, since names read back from the zone or a plan were normalized when stored. Anything else (upper case,
// spaces, escapes, other characters) takes the full path.
const NORMAL_NAME = /^[a-z0-9_.*-]+\.$/;

/**
 * Route53 treats names case-insensitively and with or without the final dot; we keep one canonical form. It
 * lists a wildcard label as the octal escape `\052` and accepts either spelling, so `\052` becomes `*` here.
 */
export function normalizeName(name: string): string {
  if (NORMAL_NAME.test(name)) return name;
  const lower = name.trim().toLowerCase().replaceAll('\\052', '*');
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** A stored name as Route53 lists it: `*` escaped as `\052` (ListResourceRecordSets, NextRecordName). */
export function listedName(name: string): string {
  return name.replaceAll('*', '\\052');
}

/**
 * "name TYPE": the key of an endpoint (every record set of one name and type) everywhere in dnsplane — the
 * enactor's view and audit, the probe's timeline and status file, plan diffs, metrics labels.
 */
export function endpointKey(name: string, type: string): string {
  return `${normalizeName(name)} ${type}`;
}

/** The identity of a record set in Route53: name, type and SetIdentifier. */
export function recordSetKey(set: Pick<RecordSet, 'name' | 'type' | 'setIdentifier'>): string {
  return `${normalizeName(set.name)}|${set.type}|${set.setIdentifier ?? ''}`;
}

/**
 * Exact equality as Route53's DELETE demands it: TTL, weight, identifier and every value.
 * Value order does not matter to Route53, so it does not matter here.
 */
export function sameRecordSet(a: RecordSet, b: RecordSet): boolean {
  if (a.ttl !== b.ttl || a.weight !== b.weight || !sameExtras(a, b)) return false;
  // Identical spelling is the common case (sets read back from the zone); only other spellings need normalizing.
  const sameIdentity =
    (a.name === b.name && a.type === b.type && a.setIdentifier === b.setIdentifier) ||
    recordSetKey(a) === recordSetKey(b);
  return sameIdentity && sameValues(a.values, b.values);
}

/** The same values in any order: Route53 keeps a set's values unordered. */
export function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  // Most sets hold one value, or come back in the order they were written: no sorting needed then.
  if (a.every((value, i) => value === b[i])) return true;
  const left = [...a].sort();
  const right = [...b].sort();
  return left.every((value, i) => value === right[i]);
}

export function toSdkRecordSet(set: RecordSet): ResourceRecordSet {
  const geo = set.geoLocation;
  const prox = set.geoProximityLocation;
  const alias = set.aliasTarget;
  return {
    Name: set.name,
    Type: set.type,
    ...(set.setIdentifier !== undefined ? { SetIdentifier: set.setIdentifier } : {}),
    ...(set.weight !== undefined ? { Weight: set.weight } : {}),
    ...(set.region !== undefined ? { Region: set.region as ResourceRecordSet['Region'] } : {}),
    ...(geo
      ? {
          GeoLocation: {
            ContinentCode: geo.continentCode,
            CountryCode: geo.countryCode,
            SubdivisionCode: geo.subdivisionCode,
          },
        }
      : {}),
    ...(set.failover !== undefined ? { Failover: set.failover } : {}),
    ...(set.multiValueAnswer !== undefined ? { MultiValueAnswer: set.multiValueAnswer } : {}),
    ...(alias ? {} : { TTL: set.ttl, ResourceRecords: set.values.map((Value) => ({ Value })) }),
    ...(alias
      ? {
          AliasTarget: {
            HostedZoneId: alias.hostedZoneId,
            DNSName: alias.dnsName,
            EvaluateTargetHealth: alias.evaluateTargetHealth,
          },
        }
      : {}),
    ...(set.healthCheckId !== undefined ? { HealthCheckId: set.healthCheckId } : {}),
    ...(prox
      ? {
          GeoProximityLocation: {
            AWSRegion: prox.awsRegion,
            LocalZoneGroup: prox.localZoneGroup,
            Coordinates: prox.coordinates
              ? { Latitude: prox.coordinates.latitude, Longitude: prox.coordinates.longitude }
              : undefined,
            Bias: prox.bias,
          },
        }
      : {}),
  };
}

/** Drops undefined members, so a set read back compares equal to the one written. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function fromSdkRecordSet(set: ResourceRecordSet): RecordSet {
  if (!set.Name || !set.Type) throw new Error('record set without Name or Type');
  if (!(RECORD_TYPES as readonly string[]).includes(set.Type)) throw new Error(`unsupported record type ${set.Type}`);
  const geo = set.GeoLocation;
  const prox = set.GeoProximityLocation;
  const alias = set.AliasTarget;
  return {
    name: normalizeName(set.Name),
    type: set.Type as RecordType,
    ttl: set.TTL ?? 0,
    ...(set.SetIdentifier !== undefined ? { setIdentifier: set.SetIdentifier } : {}),
    // A weighted set read from an older peer may omit Weight 0's element: SetIdentifier alone meant weighted.
    ...(set.Weight !== undefined
      ? { weight: set.Weight }
      : set.SetIdentifier !== undefined && !hasOtherPolicy(set)
        ? { weight: 0 }
        : {}),
    ...(set.Region !== undefined ? { region: set.Region } : {}),
    ...(geo
      ? {
          geoLocation: defined({
            continentCode: geo.ContinentCode,
            countryCode: geo.CountryCode,
            subdivisionCode: geo.SubdivisionCode,
          }),
        }
      : {}),
    ...(set.Failover !== undefined ? { failover: set.Failover } : {}),
    ...(set.MultiValueAnswer !== undefined ? { multiValueAnswer: set.MultiValueAnswer } : {}),
    ...(prox
      ? {
          geoProximityLocation: defined({
            awsRegion: prox.AWSRegion,
            localZoneGroup: prox.LocalZoneGroup,
            coordinates: prox.Coordinates
              ? { latitude: prox.Coordinates.Latitude ?? '', longitude: prox.Coordinates.Longitude ?? '' }
              : undefined,
            bias: prox.Bias,
          }),
        }
      : {}),
    ...(set.HealthCheckId !== undefined ? { healthCheckId: set.HealthCheckId } : {}),
    ...(alias
      ? {
          aliasTarget: {
            hostedZoneId: alias.HostedZoneId ?? '',
            dnsName: normalizeName(alias.DNSName ?? ''),
            evaluateTargetHealth: alias.EvaluateTargetHealth ?? false,
          },
        }
      : {}),
    values: (set.ResourceRecords ?? []).map((record) => record.Value ?? ''),
  };
}

function hasOtherPolicy(set: ResourceRecordSet): boolean {
  return (
    set.Region !== undefined ||
    set.GeoLocation !== undefined ||
    set.Failover !== undefined ||
    set.MultiValueAnswer !== undefined ||
    set.GeoProximityLocation !== undefined
  );
}
