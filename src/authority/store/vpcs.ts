// Private hosted zones and their VPCs. The authority has no EC2 to ask whether a VPC exists, so it applies one
// documented rule: a VPC exists when its id has the shape EC2 issues, `vpc-` and 8 or 17 lower-case hex digits
// (e.g. vpc-1a2b3c4d, vpc-0123456789abcdef0), in a region whose name has the shape of an AWS region
// (us-east-1, eu-central-2, us-gov-west-1). Any other id is Route53's 400 InvalidVPCId "The VPC ID is invalid.".
import type { HostedZoneInfo, Vpc } from '../zones.js';
import { Route53Error, invalidInput } from './errors.js';
import { HOSTED_ZONE_LIMITS } from './limits.js';

const VPC_ID = /^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;

/** The VPC if it "exists" under the rule above; InvalidVPCId / InvalidInput otherwise. */
export function existingVpc(vpc: Partial<Vpc>): Vpc {
  if (!vpc.id) throw invalidInput('Invalid request: VPC.VPCId is required');
  if (!vpc.region || !REGION.test(vpc.region))
    throw invalidInput(`Invalid request: VPC.VPCRegion '${vpc.region ?? ''}' is not an AWS region`);
  if (!VPC_ID.test(vpc.id)) throw new Route53Error('InvalidVPCId', 'The VPC ID is invalid.');
  return { region: vpc.region, id: vpc.id };
}

const sameVpc = (a: Vpc, b: Vpc) => a.id === b.id && a.region === b.region;

export function isAssociated(info: HostedZoneInfo, vpc: Vpc): boolean {
  return (info.vpcs ?? []).some((associated) => sameVpc(associated, vpc));
}

/** The zone's identity with `vpc` added; `others` are every other zone (one name per VPC, as Route53 allows). */
export function withVpc(info: HostedZoneInfo, vpc: Vpc, others: readonly HostedZoneInfo[]): HostedZoneInfo {
  if (info.vpcs === undefined)
    throw new Route53Error('PublicZoneVPCAssociation', 'You cannot associate a VPC with a public hosted zone.');
  if (isAssociated(info, vpc))
    throw invalidInput(
      `Invalid request: VPC ${vpc.id} in ${vpc.region} is already associated with hosted zone ${info.id}`,
    );
  if (info.vpcs.length >= HOSTED_ZONE_LIMITS.MAX_VPCS_ASSOCIATED_BY_ZONE) {
    throw new Route53Error(
      'LimitsExceeded',
      `A hosted zone can be associated with at most ${HOSTED_ZONE_LIMITS.MAX_VPCS_ASSOCIATED_BY_ZONE} VPCs`,
    );
  }
  const clash = others.find((other) => other.name === info.name && isAssociated(other, vpc));
  if (clash)
    throw new Route53Error(
      'ConflictingDomainExists',
      `The VPC ${vpc.id} is already associated with another private hosted zone named ${info.name} (${clash.id})`,
    );
  return { ...info, vpcs: [...info.vpcs, vpc] };
}

export function withoutVpc(info: HostedZoneInfo, vpc: Vpc): HostedZoneInfo {
  if (!isAssociated(info, vpc))
    throw new Route53Error(
      'VPCAssociationNotFound',
      `The VPC ${vpc.id} in ${vpc.region} is not associated with hosted zone ${info.id}`,
      404,
    );
  if (info.vpcs!.length === 1)
    throw new Route53Error(
      'LastVPCAssociation',
      'The VPC that you are trying to disassociate from the private hosted zone is the last VPC that is associated with the hosted zone. Amazon Route 53 does not support disassociating the last VPC from a hosted zone.',
    );
  return { ...info, vpcs: info.vpcs!.filter((associated) => !sameVpc(associated, vpc)) };
}
