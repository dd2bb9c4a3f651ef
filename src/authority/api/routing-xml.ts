// A record set's routing policy, health check and alias target in Route53's XML, both ways: read from a
// ChangeResourceRecordSets request (validated later, in store/routing.ts) and written in Route53's element
// order (the 2013-04-01 model: SetIdentifier, Weight, Region, GeoLocation, Failover, MultiValueAnswer, TTL,
// ResourceRecords, AliasTarget, HealthCheckId, ..., GeoProximityLocation).
import type { RecordSet } from '../../route53/recordset.js';
import { invalidInput } from '../store/errors.js';
import type { RequestedRouting } from '../store/routing.js';
import { integer, text } from './xml.js';

type XmlObject = Record<string, unknown>;

function boolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  const raw = (text(value) ?? '').trim();
  if (raw !== 'true' && raw !== 'false')
    throw invalidInput(`Invalid request: ${field} must be true or false, got '${raw}'`);
  return raw === 'true';
}

function object(value: unknown, field: string): XmlObject | undefined {
  if (value === undefined) return undefined;
  if (value === '') return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalidInput(`Invalid request: ${field} must be given once, as an element with children`);
  return value as XmlObject;
}

/** Drops undefined members (an absent element stays absent). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The routing, health and alias fields of one ResourceRecordSet element of change `n` (1-based). */
export function readRouting(set: XmlObject, n: number): RequestedRouting {
  const at = `changes.${n}.ResourceRecordSet`;
  // Route53 elements the authority does not implement: refused by name rather than silently dropped.
  for (const element of ['CidrRoutingConfig', 'TrafficPolicyInstanceId']) {
    if (set[element] !== undefined)
      throw invalidInput(`Invalid request: ${at}.${element} is not supported by the dnsplane authority`);
  }
  const geo = object(set.GeoLocation, `${at}.GeoLocation`);
  const prox = object(set.GeoProximityLocation, `${at}.GeoProximityLocation`);
  const coordinates = prox && object(prox.Coordinates, `${at}.GeoProximityLocation.Coordinates`);
  const alias = object(set.AliasTarget, `${at}.AliasTarget`);
  return defined({
    weight: integer(set.Weight, `${at}.Weight`),
    region: text(set.Region),
    geoLocation:
      geo &&
      defined({
        continentCode: text(geo.ContinentCode),
        countryCode: text(geo.CountryCode),
        subdivisionCode: text(geo.SubdivisionCode),
      }),
    failover: text(set.Failover),
    multiValueAnswer: boolean(set.MultiValueAnswer, `${at}.MultiValueAnswer`),
    geoProximityLocation:
      prox &&
      defined({
        awsRegion: text(prox.AWSRegion),
        localZoneGroup: text(prox.LocalZoneGroup),
        coordinates: coordinates && {
          latitude: text(coordinates.Latitude) ?? '',
          longitude: text(coordinates.Longitude) ?? '',
        },
        bias: integer(prox.Bias, `${at}.GeoProximityLocation.Bias`),
      }),
    healthCheckId: text(set.HealthCheckId),
    aliasTarget:
      alias &&
      defined({
        hostedZoneId: text(alias.HostedZoneId),
        dnsName: text(alias.DNSName),
        evaluateTargetHealth: boolean(alias.EvaluateTargetHealth, `${at}.AliasTarget.EvaluateTargetHealth`),
      }),
  });
}

/** The elements that come before TTL: SetIdentifier and the routing policy. */
export function policyXml(set: RecordSet): XmlObject {
  const geo = set.geoLocation;
  return defined({
    SetIdentifier: set.setIdentifier,
    Weight: set.weight === undefined ? undefined : String(set.weight),
    Region: set.region,
    GeoLocation:
      geo &&
      defined({ ContinentCode: geo.continentCode, CountryCode: geo.countryCode, SubdivisionCode: geo.subdivisionCode }),
    Failover: set.failover,
    MultiValueAnswer: set.multiValueAnswer === undefined ? undefined : String(set.multiValueAnswer),
  });
}

/** The elements that come after ResourceRecords: AliasTarget, HealthCheckId, GeoProximityLocation. */
export function targetXml(set: RecordSet, listedName: (name: string) => string): XmlObject {
  const alias = set.aliasTarget;
  const prox = set.geoProximityLocation;
  return defined({
    AliasTarget: alias && {
      HostedZoneId: alias.hostedZoneId,
      DNSName: listedName(alias.dnsName),
      EvaluateTargetHealth: String(alias.evaluateTargetHealth),
    },
    HealthCheckId: set.healthCheckId,
    GeoProximityLocation:
      prox &&
      defined({
        AWSRegion: prox.awsRegion,
        LocalZoneGroup: prox.localZoneGroup,
        Coordinates: prox.coordinates && { Latitude: prox.coordinates.latitude, Longitude: prox.coordinates.longitude },
        Bias: prox.bias === undefined ? undefined : String(prox.bias),
      }),
  });
}
