// The parts of a record set beside its values: routing policies (weighted, failover, latency, geolocation,
// geoproximity, multivalue), HealthCheckId and AliasTarget, checked as Route53 checks them before it looks at
// the zone (InvalidInput, with its wording). Which policy a set has decides the group rules (validate.ts) and
// how the DNS face answers (dns/routing.ts).
import { ResourceRecordSetRegion } from '@aws-sdk/client-route-53';
import {
  FAILOVER_ROLES,
  normalizeName,
  type GeoLocation,
  type GeoProximityLocation,
  type RecordSet,
} from '../../route53/recordset.js';
import { invalidInput } from './errors.js';

/** The routing fields as a request states them; validated into RecordSet fields by routingFields. */
export interface RequestedRouting {
  weight?: number;
  region?: string;
  geoLocation?: GeoLocation;
  failover?: string;
  multiValueAnswer?: boolean;
  geoProximityLocation?: GeoProximityLocation;
  healthCheckId?: string;
  aliasTarget?: { hostedZoneId?: string; dnsName?: string; evaluateTargetHealth?: boolean };
}

export type RoutingPolicy =
  'simple' | 'weighted' | 'latency' | 'geolocation' | 'failover' | 'multivalue' | 'geoproximity';

/** The policy of a validated set (exactly one field of a policy is present when it has a SetIdentifier). */
export function policyOf(set: RecordSet): RoutingPolicy {
  if (set.weight !== undefined) return 'weighted';
  if (set.region !== undefined) return 'latency';
  if (set.geoLocation !== undefined) return 'geolocation';
  if (set.failover !== undefined) return 'failover';
  if (set.multiValueAnswer !== undefined) return 'multivalue';
  if (set.geoProximityLocation !== undefined) return 'geoproximity';
  return 'simple';
}

const REGIONS: readonly string[] = Object.values(ResourceRecordSetRegion);
const CONTINENTS = ['AF', 'AN', 'AS', 'EU', 'OC', 'NA', 'SA'];
const POLICY_FIELDS =
  '[Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig]';

interface ChangeIdentity {
  action: string;
  name: string;
  type: string;
  setIdentifier?: string;
  ttl?: number;
  values?: string[];
}

function inChange(change: ChangeIdentity): string {
  return `in Change with [Action=${change.action}, Name=${change.name}, Type=${change.type}, SetIdentifier=${change.setIdentifier ?? 'null'}]`;
}

function enumProblem(value: string, field: string, allowed: readonly string[]): never {
  throw invalidInput(
    `Invalid request: Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
  );
}

/**
 * The routing, health and alias fields of one change as RecordSet fields, or InvalidInput as Route53 words it.
 * `where` is the change's path in Route53's messages (changeBatch.changes.N.member.resourceRecordSet).
 */
export function routingFields(change: ChangeIdentity & RequestedRouting, where: string): Partial<RecordSet> {
  const out: Partial<RecordSet> = {};
  const policies = [
    change.weight,
    change.region,
    change.failover,
    change.geoLocation,
    change.multiValueAnswer,
    change.geoProximityLocation,
  ].filter((v) => v !== undefined).length;
  if (change.setIdentifier !== undefined && policies === 0)
    throw invalidInput(`Invalid request: Expected exactly one of ${POLICY_FIELDS}, but found none ${inChange(change)}`);
  if (policies > 1)
    throw invalidInput(
      `Invalid request: Expected exactly one of ${POLICY_FIELDS}, but found more than one ${inChange(change)}`,
    );
  if (policies === 1 && change.setIdentifier === undefined)
    throw invalidInput(`Invalid request: Missing field 'SetIdentifier' ${inChange(change)}`);

  if (change.weight !== undefined) {
    if (!Number.isInteger(change.weight) || change.weight < 0 || change.weight > 255) {
      throw invalidInput(
        `Invalid request: Value '${change.weight}' at '${where}.weight' failed to satisfy constraint: Member must have value between 0 and 255`,
      );
    }
    out.weight = change.weight;
  }
  if (change.region !== undefined) {
    if (!REGIONS.includes(change.region)) enumProblem(change.region, `${where}.region`, REGIONS);
    out.region = change.region;
  }
  if (change.failover !== undefined) {
    if (!(FAILOVER_ROLES as readonly string[]).includes(change.failover))
      enumProblem(change.failover, `${where}.failover`, FAILOVER_ROLES);
    out.failover = change.failover as RecordSet['failover'];
  }
  if (change.multiValueAnswer !== undefined) out.multiValueAnswer = change.multiValueAnswer;
  if (change.geoLocation !== undefined) out.geoLocation = geoLocation(change.geoLocation, where);
  if (change.geoProximityLocation !== undefined)
    out.geoProximityLocation = geoProximity(change.geoProximityLocation, where);
  if (change.healthCheckId !== undefined) {
    if (change.healthCheckId.length < 1 || change.healthCheckId.length > 64) {
      throw invalidInput(
        `Invalid request: Value '${change.healthCheckId}' at '${where}.healthCheckId' failed to satisfy constraint: Member must have length less than or equal to 64`,
      );
    }
    out.healthCheckId = change.healthCheckId;
  }
  if (change.aliasTarget !== undefined) {
    const alias = change.aliasTarget;
    if (change.ttl !== undefined || change.values !== undefined) {
      throw invalidInput(
        `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one ${inChange(change)}`,
      );
    }
    for (const [field, value] of [
      ['HostedZoneId', alias.hostedZoneId],
      ['DNSName', alias.dnsName],
      ['EvaluateTargetHealth', alias.evaluateTargetHealth],
    ] as const) {
      if (value === undefined || value === '') {
        throw invalidInput(
          `Invalid XML ; cvc-complex-type.2.4.b: The content of element 'AliasTarget' is not complete. One of '{"https://route53.amazonaws.com/doc/2013-04-01/":${field}}' is expected.`,
        );
      }
    }
    if (change.type === 'NS' || change.type === 'SOA')
      throw invalidInput(`Invalid request: Alias RRSets of type ${change.type} are not supported ${inChange(change)}`);
    if (change.multiValueAnswer !== undefined)
      throw invalidInput(
        `Invalid request: MultiValueAnswer cannot be specified for an alias RRSet ${inChange(change)}`,
      );
    out.aliasTarget = {
      hostedZoneId: alias.hostedZoneId!.replace(/^\/hostedzone\//, ''),
      dnsName: normalizeName(alias.dnsName!),
      evaluateTargetHealth: alias.evaluateTargetHealth!,
    };
  }
  return out;
}

function geoLocation(geo: GeoLocation, where: string): GeoLocation {
  const field = `${where}.geoLocation`;
  if (geo.continentCode === undefined && geo.countryCode === undefined)
    throw invalidInput(`Invalid request: ${field} must have a ContinentCode or a CountryCode`);
  if (geo.continentCode !== undefined && (geo.countryCode !== undefined || geo.subdivisionCode !== undefined)) {
    throw invalidInput(
      `Invalid request: ${field} cannot have a ContinentCode together with a CountryCode or SubdivisionCode`,
    );
  }
  if (geo.continentCode !== undefined && !CONTINENTS.includes(geo.continentCode))
    enumProblem(geo.continentCode, `${field}.continentCode`, CONTINENTS);
  if (geo.countryCode !== undefined && !/^([A-Z]{2}|\*)$/.test(geo.countryCode)) {
    throw invalidInput(
      `Invalid request: Value '${geo.countryCode}' at '${field}.countryCode' failed to satisfy constraint: Member must be a two-letter ISO 3166 code or *`,
    );
  }
  if (
    geo.subdivisionCode !== undefined &&
    (geo.countryCode === undefined || geo.countryCode === '*' || !/^[A-Z0-9]{1,3}$/.test(geo.subdivisionCode))
  ) {
    throw invalidInput(
      `Invalid request: Value '${geo.subdivisionCode}' at '${field}.subdivisionCode' is not valid: a SubdivisionCode needs its CountryCode`,
    );
  }
  return { ...geo };
}

function geoProximity(prox: GeoProximityLocation, where: string): GeoProximityLocation {
  const field = `${where}.geoProximityLocation`;
  const anchors = [prox.awsRegion, prox.localZoneGroup, prox.coordinates].filter((v) => v !== undefined).length;
  if (anchors !== 1)
    throw invalidInput(`Invalid request: ${field} must have exactly one of AWSRegion, LocalZoneGroup or Coordinates`);
  if (prox.awsRegion !== undefined && !REGIONS.includes(prox.awsRegion))
    enumProblem(prox.awsRegion, `${field}.AWSRegion`, REGIONS);
  if (prox.coordinates) {
    const { latitude, longitude } = prox.coordinates;
    const number = /^-?\d{1,3}(\.\d{1,2})?$/;
    if (!number.test(latitude) || Math.abs(Number(latitude)) > 90)
      throw invalidInput(
        `Invalid request: Value '${latitude}' at '${field}.coordinates.latitude' must be a number from -90 to 90 with at most two decimals`,
      );
    if (!number.test(longitude) || Math.abs(Number(longitude)) > 180)
      throw invalidInput(
        `Invalid request: Value '${longitude}' at '${field}.coordinates.longitude' must be a number from -180 to 180 with at most two decimals`,
      );
  }
  if (prox.bias !== undefined && (!Number.isInteger(prox.bias) || prox.bias < -99 || prox.bias > 99)) {
    throw invalidInput(
      `Invalid request: Value '${prox.bias}' at '${field}.bias' failed to satisfy constraint: Member must have value between -99 and 99`,
    );
  }
  return { ...prox };
}
