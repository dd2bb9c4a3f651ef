// Summary statistics shared by the benchmarks, so that a p99 means the same in every table of BENCHMARKS.md.

/**
 * The nearest-rank percentile of ascending `sorted` (p in 0..1): the smallest sample with at least p of all
 * samples at or below it. With 100 samples, p99 is the 99th, not the maximum.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** `p50 … ms, p99 … ms, max … ms (n=…)` of unsorted samples in ms, with `digits` decimals. */
export function latencySummary(samples: readonly number[], digits = 2): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => percentile(sorted, p).toFixed(digits);
  return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(digits)} ms (n=${samples.length})`;
}
