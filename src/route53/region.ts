// The region every dnsplane AWS client signs for, and the one the authority expects by default. Kept apart
// from client.ts so that the authority can read it without loading the SDK.

/** The region from the standard settings; us-east-1 (where Route53 lives) when none is set. */
export function defaultRegion(): string {
  return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
}
