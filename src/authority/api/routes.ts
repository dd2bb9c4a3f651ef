// The Route53 REST operations of API version 2013-04-01, each a small function from a parsed request to a
// Route53-shaped XML answer. Paths follow the SDK's and botocore's (trailing slash optional).
import { listedName, normalizeName } from '../../route53/recordset.js';
import { ACCOUNT_LIMITS, HOSTED_ZONE_LIMITS, RECORD_SET_PAGE } from '../store/limits.js';
import { Route53Error, invalidInput } from '../store/errors.js';
import type { ZoneStore } from '../store/zone-store.js';
import {
  ROUTE53_ORIGIN,
  maxItems,
  ok,
  statusOf,
  type ApiRequest,
  type ApiResponse,
  type Handler,
  type RouteContext,
} from './handler.js';
import { healthCheckHandlers } from './health-routes.js';
import { tagHandlers } from './tag-routes.js';
import { vpcHandlers } from './vpc-routes.js';

export type { ApiRequest, ApiResponse, RouteContext } from './handler.js';
import { matchOperation, type OperationName } from './operations.js';
import {
  changeInfoXml,
  delegationSetXml,
  document,
  vpcXml,
  hostedZoneXml,
  parseChangeBatch,
  parseCreateHostedZone,
  parseUpdateHostedZoneComment,
  recordSetXml,
} from './xml.js';

type ZoneList = ReturnType<ZoneStore['listHostedZones']>;
const MAX_ZONES_PER_PAGE = 100;

/** The page of `all` from `from` (both zone listings page the same way), and the zone after it if any. */
function zonePage(all: ZoneList, from: number, query: URLSearchParams) {
  const limit = Math.min(maxItems(query, MAX_ZONES_PER_PAGE), MAX_ZONES_PER_PAGE);
  const next = all[from + limit];
  const fields = {
    HostedZones: {
      HostedZone: all.slice(from, from + limit).map((zone) => hostedZoneXml(zone.info, zone.recordSetCount)),
    },
    IsTruncated: String(next !== undefined),
    MaxItems: String(limit),
  };
  return { fields, next };
}

const createHostedZone: Handler = (request, context) => {
  const { zone, change } = context.store.createHostedZone(parseCreateHostedZone(request.body));
  // A private zone answers with its VPC instead of a delegation set, as Route53 does.
  const body = document('CreateHostedZoneResponse', {
    HostedZone: hostedZoneXml(zone, 2),
    ChangeInfo: changeInfoXml(change, statusOf(change, context)),
    ...(zone.vpcs ? { VPC: vpcXml(zone.vpcs[0]) } : { DelegationSet: delegationSetXml(zone) }),
  });
  return ok(body, 201, { location: `${ROUTE53_ORIGIN}/2013-04-01/hostedzone/${zone.id}` });
};

const getHostedZone: Handler = (_request, context, [id]) => {
  const { info, recordSetCount } = context.store.getHostedZone(id);
  const extra = info.vpcs ? { VPCs: { VPC: info.vpcs.map(vpcXml) } } : { DelegationSet: delegationSetXml(info) };
  return ok(document('GetHostedZoneResponse', { HostedZone: hostedZoneXml(info, recordSetCount), ...extra }));
};

const listHostedZones: Handler = (request, context) => {
  const all = context.store.listHostedZones();
  const marker = request.query.get('marker');
  const from = marker === null ? 0 : all.findIndex((zone) => zone.info.id === marker);
  if (from < 0) throw invalidInput(`Invalid request: marker ${marker} is not a hosted zone id`);
  const { fields, next } = zonePage(all, from, request.query);
  return ok(
    document('ListHostedZonesResponse', {
      HostedZones: fields.HostedZones,
      ...(marker !== null ? { Marker: marker } : {}),
      IsTruncated: fields.IsTruncated,
      ...(next ? { NextMarker: next.info.id } : {}),
      MaxItems: fields.MaxItems,
    }),
  );
};

/** Zones by name (labels reversed, like Route53), then id; paging by dnsname + hostedzoneid. */
const listHostedZonesByName: Handler = (request, context) => {
  const reversed = (name: string) => name.split('.').reverse().join('.');
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const all = context.store
    .listHostedZones()
    .sort((a, b) => compare(reversed(a.info.name), reversed(b.info.name)) || compare(a.info.id, b.info.id));
  const dnsName = request.query.get('dnsname');
  const zoneId = request.query.get('hostedzoneid');
  if (zoneId !== null && dnsName === null) throw invalidInput('Invalid request: hostedzoneid requires dnsname');
  let from = 0;
  if (dnsName !== null) {
    const name = normalizeName(dnsName);
    from = all.findIndex((zone) => {
      const byName = compare(reversed(zone.info.name), reversed(name));
      return byName > 0 || (byName === 0 && (zoneId === null || zone.info.id >= zoneId));
    });
    if (from < 0) from = all.length;
  }
  const { fields, next } = zonePage(all, from, request.query);
  return ok(
    document('ListHostedZonesByNameResponse', {
      HostedZones: fields.HostedZones,
      ...(dnsName !== null ? { DNSName: normalizeName(dnsName) } : {}),
      ...(zoneId !== null ? { HostedZoneId: zoneId } : {}),
      IsTruncated: fields.IsTruncated,
      ...(next ? { NextDNSName: next.info.name, NextHostedZoneId: next.info.id } : {}),
      MaxItems: fields.MaxItems,
    }),
  );
};

const getHostedZoneCount: Handler = (_request, context) =>
  ok(document('GetHostedZoneCountResponse', { HostedZoneCount: String(context.store.listHostedZones().length) }));

const deleteHostedZone: Handler = (_request, context, [id]) => {
  const change = context.store.deleteHostedZone(id);
  return ok(document('DeleteHostedZoneResponse', { ChangeInfo: changeInfoXml(change, statusOf(change, context)) }));
};

const changeResourceRecordSets: Handler = (request, context, [id]) => {
  // An unknown zone is reported before a malformed body, as Route53 does.
  context.store.getHostedZone(id);
  const { changes, comment } = parseChangeBatch(request.body);
  const change = context.store.changeResourceRecordSets(id, changes, comment);
  return ok(
    document('ChangeResourceRecordSetsResponse', { ChangeInfo: changeInfoXml(change, statusOf(change, context)) }),
  );
};

const listResourceRecordSets: Handler = (request, context, [id]) => {
  const { query } = request;
  const limit = Math.min(maxItems(query, RECORD_SET_PAGE.default), RECORD_SET_PAGE.max);
  const page = context.store.listResourceRecordSets(id, {
    ...(query.get('name') !== null ? { name: query.get('name')! } : {}),
    ...(query.get('type') !== null ? { type: query.get('type')! } : {}),
    ...(query.get('identifier') !== null ? { identifier: query.get('identifier')! } : {}),
    maxItems: limit,
  });
  return ok(
    document('ListResourceRecordSetsResponse', {
      ResourceRecordSets: { ResourceRecordSet: page.sets.map(recordSetXml) },
      IsTruncated: String(page.next !== undefined),
      ...(page.next
        ? {
            NextRecordName: listedName(page.next.name),
            NextRecordType: page.next.type,
            ...(page.next.identifier !== undefined ? { NextRecordIdentifier: page.next.identifier } : {}),
          }
        : {}),
      MaxItems: String(limit),
    }),
  );
};

const getChange: Handler = (_request, context, [id]) => {
  const change = context.store.getChange(id);
  return ok(document('GetChangeResponse', { ChangeInfo: changeInfoXml(change, statusOf(change, context)) }));
};

const updateHostedZoneComment: Handler = (request, context, [id]) => {
  context.store.getHostedZone(id);
  const info = context.store.updateHostedZoneComment(id, parseUpdateHostedZoneComment(request.body));
  return ok(
    document('UpdateHostedZoneCommentResponse', {
      HostedZone: hostedZoneXml(info, context.store.getHostedZone(id).recordSetCount),
    }),
  );
};

/** The authority never signs zones: DNSSEC status is always NOT_SIGNING, with no key-signing keys. */
const getDnssec: Handler = (_request, context, [id]) => {
  context.store.getHostedZone(id);
  return ok(document('GetDNSSECResponse', { Status: { ServeSignature: 'NOT_SIGNING' }, KeySigningKeys: '' }));
};

function limitType<T extends Record<string, number>>(limits: T, type: string): keyof T & string {
  if (!Object.hasOwn(limits, type))
    throw invalidInput(
      `Invalid request: Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [${Object.keys(limits).join(', ')}]`,
    );
  return type;
}

const getAccountLimit: Handler = (_request, context, [rawType]) => {
  const type = limitType(ACCOUNT_LIMITS, rawType);
  const counts: Record<typeof type, number> = {
    MAX_HOSTED_ZONES_BY_OWNER: context.store.listHostedZones().length,
    MAX_HEALTH_CHECKS_BY_OWNER: context.store.healthChecks.list().length,
    MAX_REUSABLE_DELEGATION_SETS_BY_OWNER: 0,
    MAX_TRAFFIC_POLICIES_BY_OWNER: 0,
    MAX_TRAFFIC_POLICY_INSTANCES_BY_OWNER: 0,
  };
  return ok(
    document('GetAccountLimitResponse', {
      Limit: { Type: type, Value: String(ACCOUNT_LIMITS[type]) },
      Count: String(counts[type]),
    }),
  );
};

const getHostedZoneLimit: Handler = (_request, context, [id, rawType]) => {
  const { info, recordSetCount } = context.store.getHostedZone(id);
  const type = limitType(HOSTED_ZONE_LIMITS, rawType);
  const count = type === 'MAX_RRSETS_BY_ZONE' ? recordSetCount : (info.vpcs?.length ?? 0);
  return ok(
    document('GetHostedZoneLimitResponse', {
      Limit: { Type: type, Value: String(HOSTED_ZONE_LIMITS[type]) },
      Count: String(count),
    }),
  );
};

const HANDLERS: Partial<Record<OperationName, Handler>> = {
  CreateHostedZone: createHostedZone,
  ListHostedZones: listHostedZones,
  ListHostedZonesByName: listHostedZonesByName,
  GetHostedZoneCount: getHostedZoneCount,
  GetHostedZone: getHostedZone,
  DeleteHostedZone: deleteHostedZone,
  UpdateHostedZoneComment: updateHostedZoneComment,
  ChangeResourceRecordSets: changeResourceRecordSets,
  ListResourceRecordSets: listResourceRecordSets,
  GetChange: getChange,
  GetDNSSEC: getDnssec,
  GetAccountLimit: getAccountLimit,
  GetHostedZoneLimit: getHostedZoneLimit,
  ...tagHandlers,
  ...healthCheckHandlers,
  ...vpcHandlers,
};

/** Runs the matching operation; store errors propagate as Route53Error for the server to render. */
export function route(request: ApiRequest, context: RouteContext): ApiResponse {
  const match = matchOperation(request.method, request.path);
  if (match.kind === 'wrong-method')
    throw new Route53Error('InvalidInput', `Method ${request.method} is not allowed on ${request.path}`, 405);
  if (match.kind === 'unknown')
    throw new Route53Error(
      'UnknownOperationException',
      `No Route53 operation at ${request.method} ${request.path}`,
      404,
    );
  const handler = HANDLERS[match.name];
  // A real Route53 operation outside what the authority implements: named, so the caller knows which.
  if (!handler)
    throw new Route53Error(
      'NotImplemented',
      `The dnsplane authority does not implement the Route53 operation ${match.name}`,
      501,
    );
  return handler(request, context, match.params);
}
