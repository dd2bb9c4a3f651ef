// Every operation of Route53's REST API (version 2013-04-01), as the AWS SDK addresses it: name, method and
// path template. The router matches requests against this one table, so an operation the authority does
// not implement is still recognised and refused by name instead of looking like a wrong URL.

export const ROUTE53_OPERATIONS = [
  ['ActivateKeySigningKey', 'POST', '/keysigningkey/{HostedZoneId}/{Name}/activate'],
  ['AssociateVPCWithHostedZone', 'POST', '/hostedzone/{HostedZoneId}/associatevpc'],
  ['ChangeCidrCollection', 'POST', '/cidrcollection/{Id}'],
  ['ChangeResourceRecordSets', 'POST', '/hostedzone/{HostedZoneId}/rrset'],
  ['ChangeTagsForResource', 'POST', '/tags/{ResourceType}/{ResourceId}'],
  ['CreateCidrCollection', 'POST', '/cidrcollection'],
  ['CreateHealthCheck', 'POST', '/healthcheck'],
  ['CreateHostedZone', 'POST', '/hostedzone'],
  ['CreateKeySigningKey', 'POST', '/keysigningkey'],
  ['CreateQueryLoggingConfig', 'POST', '/queryloggingconfig'],
  ['CreateResourceRecordSetProtections', 'POST', '/hostedzone/{HostedZoneId}/rrsetprotection'],
  ['CreateReusableDelegationSet', 'POST', '/delegationset'],
  ['CreateTrafficPolicy', 'POST', '/trafficpolicy'],
  ['CreateTrafficPolicyInstance', 'POST', '/trafficpolicyinstance'],
  ['CreateTrafficPolicyVersion', 'POST', '/trafficpolicy/{Id}'],
  ['CreateVPCAssociationAuthorization', 'POST', '/hostedzone/{HostedZoneId}/authorizevpcassociation'],
  ['DeactivateKeySigningKey', 'POST', '/keysigningkey/{HostedZoneId}/{Name}/deactivate'],
  ['DeleteCidrCollection', 'DELETE', '/cidrcollection/{Id}'],
  ['DeleteHealthCheck', 'DELETE', '/healthcheck/{HealthCheckId}'],
  ['DeleteHostedZone', 'DELETE', '/hostedzone/{Id}'],
  ['DeleteKeySigningKey', 'DELETE', '/keysigningkey/{HostedZoneId}/{Name}'],
  ['DeleteQueryLoggingConfig', 'DELETE', '/queryloggingconfig/{Id}'],
  ['DeleteResourceRecordSetProtections', 'POST', '/hostedzone/{HostedZoneId}/rrsetprotection/delete'],
  ['DeleteReusableDelegationSet', 'DELETE', '/delegationset/{Id}'],
  ['DeleteTrafficPolicy', 'DELETE', '/trafficpolicy/{Id}/{Version}'],
  ['DeleteTrafficPolicyInstance', 'DELETE', '/trafficpolicyinstance/{Id}'],
  ['DeleteVPCAssociationAuthorization', 'POST', '/hostedzone/{HostedZoneId}/deauthorizevpcassociation'],
  ['DisableHostedZoneDNSSEC', 'POST', '/hostedzone/{HostedZoneId}/disable-dnssec'],
  ['DisassociateVPCFromHostedZone', 'POST', '/hostedzone/{HostedZoneId}/disassociatevpc'],
  ['EnableHostedZoneDNSSEC', 'POST', '/hostedzone/{HostedZoneId}/enable-dnssec'],
  ['GetAccountLimit', 'GET', '/accountlimit/{Type}'],
  ['GetChange', 'GET', '/change/{Id}'],
  ['GetCheckerIpRanges', 'GET', '/checkeripranges'],
  ['GetDNSSEC', 'GET', '/hostedzone/{HostedZoneId}/dnssec'],
  ['GetGeoLocation', 'GET', '/geolocation'],
  ['GetHealthCheck', 'GET', '/healthcheck/{HealthCheckId}'],
  ['GetHealthCheckCount', 'GET', '/healthcheckcount'],
  ['GetHealthCheckLastFailureReason', 'GET', '/healthcheck/{HealthCheckId}/lastfailurereason'],
  ['GetHealthCheckStatus', 'GET', '/healthcheck/{HealthCheckId}/status'],
  ['GetHostedZone', 'GET', '/hostedzone/{Id}'],
  ['GetHostedZoneCount', 'GET', '/hostedzonecount'],
  ['GetHostedZoneLimit', 'GET', '/hostedzonelimit/{HostedZoneId}/{Type}'],
  ['GetQueryLoggingConfig', 'GET', '/queryloggingconfig/{Id}'],
  ['GetReusableDelegationSet', 'GET', '/delegationset/{Id}'],
  ['GetReusableDelegationSetLimit', 'GET', '/reusabledelegationsetlimit/{DelegationSetId}/{Type}'],
  ['GetTrafficPolicy', 'GET', '/trafficpolicy/{Id}/{Version}'],
  ['GetTrafficPolicyInstance', 'GET', '/trafficpolicyinstance/{Id}'],
  ['GetTrafficPolicyInstanceCount', 'GET', '/trafficpolicyinstancecount'],
  ['ListCidrBlocks', 'GET', '/cidrcollection/{CollectionId}/cidrblocks'],
  ['ListCidrCollections', 'GET', '/cidrcollection'],
  ['ListCidrLocations', 'GET', '/cidrcollection/{CollectionId}'],
  ['ListGeoLocations', 'GET', '/geolocations'],
  ['ListHealthChecks', 'GET', '/healthcheck'],
  ['ListHostedZones', 'GET', '/hostedzone'],
  ['ListHostedZonesByName', 'GET', '/hostedzonesbyname'],
  ['ListHostedZonesByVPC', 'GET', '/hostedzonesbyvpc'],
  ['ListQueryLoggingConfigs', 'GET', '/queryloggingconfig'],
  ['ListResourceRecordSetProtections', 'GET', '/hostedzone/{HostedZoneId}/rrsetprotection'],
  ['ListResourceRecordSets', 'GET', '/hostedzone/{HostedZoneId}/rrset'],
  ['ListReusableDelegationSets', 'GET', '/delegationset'],
  ['ListTagsForResource', 'GET', '/tags/{ResourceType}/{ResourceId}'],
  ['ListTagsForResources', 'POST', '/tags/{ResourceType}'],
  ['ListTrafficPolicies', 'GET', '/trafficpolicies'],
  ['ListTrafficPolicyInstances', 'GET', '/trafficpolicyinstances'],
  ['ListTrafficPolicyInstancesByHostedZone', 'GET', '/trafficpolicyinstances/hostedzone'],
  ['ListTrafficPolicyInstancesByPolicy', 'GET', '/trafficpolicyinstances/trafficpolicy'],
  ['ListTrafficPolicyVersions', 'GET', '/trafficpolicies/{Id}/versions'],
  ['ListVPCAssociationAuthorizations', 'GET', '/hostedzone/{HostedZoneId}/authorizevpcassociation'],
  ['TestDNSAnswer', 'GET', '/testdnsanswer'],
  ['UpdateHealthCheck', 'POST', '/healthcheck/{HealthCheckId}'],
  ['UpdateHostedZoneComment', 'POST', '/hostedzone/{Id}'],
  ['UpdateHostedZoneFeatures', 'POST', '/hostedzone/{HostedZoneId}/features'],
  ['UpdateTrafficPolicyComment', 'POST', '/trafficpolicy/{Id}/{Version}'],
  ['UpdateTrafficPolicyInstance', 'POST', '/trafficpolicyinstance/{Id}'],
] as const satisfies ReadonlyArray<readonly [string, 'GET' | 'POST' | 'DELETE', string]>;

export type OperationName = (typeof ROUTE53_OPERATIONS)[number][0];

interface CompiledOperation {
  name: OperationName;
  method: string;
  pattern: RegExp;
}

// `{Param}` matches one path segment; a trailing slash is optional (botocore sends one on some operations).
const COMPILED: CompiledOperation[] = ROUTE53_OPERATIONS.map(([name, method, template]) => ({
  name,
  method,
  pattern: new RegExp(`^/2013-04-01${template.replace(/\{[^}]+\}/g, '([^/]+)')}/?$`),
}));

export type OperationMatch =
  | { kind: 'operation'; name: OperationName; params: string[] }
  /** The path is an operation's, but not with this method. */
  | { kind: 'wrong-method' }
  | { kind: 'unknown' };

export function matchOperation(method: string, path: string): OperationMatch {
  let pathKnown = false;
  for (const operation of COMPILED) {
    const match = operation.pattern.exec(path);
    if (!match) continue;
    if (operation.method === method)
      return {
        kind: 'operation',
        name: operation.name,
        params: match.slice(1).map((param) => decodeURIComponent(param)),
      };
    pathKnown = true;
  }
  return pathKnown ? { kind: 'wrong-method' } : { kind: 'unknown' };
}
