// Route53's quotas as the authority applies and reports them (the defaults of a new AWS account). Per-request
// and per-set limits are enforced in validation; the account and hosted-zone limits are what GetAccountLimit
// and GetHostedZoneLimit report.
import { ROUTE53_LIMITS } from '../../route53/change-batch.js';

export const BATCH_LIMITS = {
  recordsPerRequest: ROUTE53_LIMITS.elements,
  valueCharsPerRequest: ROUTE53_LIMITS.chars,
  weightedPerGroup: 100,
  valuesPerSet: 400,
} as const;

export const ACCOUNT_LIMITS = {
  MAX_HEALTH_CHECKS_BY_OWNER: 200,
  MAX_HOSTED_ZONES_BY_OWNER: 500,
  MAX_TRAFFIC_POLICY_INSTANCES_BY_OWNER: 5,
  MAX_REUSABLE_DELEGATION_SETS_BY_OWNER: 100,
  MAX_TRAFFIC_POLICIES_BY_OWNER: 50,
} as const;
export type AccountLimitType = keyof typeof ACCOUNT_LIMITS;

export const HOSTED_ZONE_LIMITS = {
  MAX_RRSETS_BY_ZONE: 10000,
  MAX_VPCS_ASSOCIATED_BY_ZONE: 300,
} as const;
export type HostedZoneLimitType = keyof typeof HOSTED_ZONE_LIMITS;

/** ListResourceRecordSets: the page size when MaxItems is not given, and the most one page holds. */
export const RECORD_SET_PAGE = { default: 100, max: 300 } as const;
