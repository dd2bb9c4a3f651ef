// What one ChangeResourceRecordSets request may carry: the three change actions, and Route53's per-request limits
// (1,000 ResourceRecord elements and 32,000 characters of values, an UPSERT counting twice). The enactor packs its
// batches by these numbers and the authority refuses a request past them, so both read them from here.

export type ChangeAction = 'CREATE' | 'DELETE' | 'UPSERT';

export interface RequestLimits {
  /** ResourceRecord elements per request (Route53: 1,000). */
  elements: number;
  /** Characters of Value elements per request (Route53: 32,000). */
  chars: number;
}

export const ROUTE53_LIMITS: RequestLimits = { elements: 1_000, chars: 32_000 };

/** What a list of changes counts against RequestLimits. */
export interface Cost {
  elements: number;
  chars: number;
}

/** What a list of changes counts against the limits; an UPSERT counts twice (it is a DELETE and a CREATE). */
export function changeCost(changes: ReadonlyArray<{ action: ChangeAction; set: { values: readonly string[] } }>): Cost {
  let elements = 0;
  let chars = 0;
  for (const change of changes) {
    const factor = change.action === 'UPSERT' ? 2 : 1;
    elements += change.set.values.length * factor;
    chars += change.set.values.reduce((sum, value) => sum + value.length, 0) * factor;
  }
  return { elements, chars };
}
