import type { Route53Client } from '@aws-sdk/client-route-53';

/**
 * One Route53 behaviour, checked through the SDK alone so that any endpoint can be measured. A case makes
 * its own records under fresh names in the given zone and throws ConformanceFailure (with a reason) when
 * the endpoint behaves differently from Route53.
 */
export interface ConformanceCase {
  /** Stable, kebab-case; tests refer to cases by it. */
  name: string;
  /** What Route53 does, in one line, for the table. */
  description: string;
  run(client: Route53Client, zoneId: string, zoneName: string): Promise<void>;
}
