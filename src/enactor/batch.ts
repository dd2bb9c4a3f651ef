// Packing endpoints into ChangeResourceRecordSets requests within Route53's per-request limits. An endpoint's
// record changes and its fence swap are one unit: splitting them would let records change without the fence
// (or the fence without the records), which is exactly what fencing is there to prevent.
import { changeCost, ROUTE53_LIMITS, type Cost, type RequestLimits } from '../route53/change-batch.js';
import type { Change } from './changes.js';

export interface Packed<T> {
  batches: T[][];
  /** Units that alone exceed the limits: they cannot be sent fenced and are reported, not split. */
  oversized: T[];
}

/** First-fit packing, keeping each unit whole and the units' order inside each batch. */
export function packBatches<T extends { changes: readonly Change[] }>(
  units: readonly T[],
  limits: RequestLimits = ROUTE53_LIMITS,
): Packed<T> {
  const batches: Array<{ units: T[]; cost: Cost }> = [];
  const oversized: T[] = [];
  for (const unit of units) {
    const cost = changeCost(unit.changes);
    if (cost.elements > limits.elements || cost.chars > limits.chars) {
      oversized.push(unit);
      continue;
    }
    const home = batches.find(
      (batch) =>
        batch.cost.elements + cost.elements <= limits.elements && batch.cost.chars + cost.chars <= limits.chars,
    );
    if (home) {
      home.units.push(unit);
      home.cost = { elements: home.cost.elements + cost.elements, chars: home.cost.chars + cost.chars };
    } else {
      batches.push({ units: [unit], cost });
    }
  }
  return { batches: batches.map((batch) => batch.units), oversized };
}
