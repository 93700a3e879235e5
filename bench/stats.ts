/** Small statistics for benchmark samples. */

/** Percentiles and extremes of a sample set; every field is NaN for an empty set. */
export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

/**
 * The `p`-th percentile (0..100) by linear interpolation between closest ranks, NaN for no values.
 * With few samples the high percentiles approach the maximum, which is what a reader should assume.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const below = Math.floor(rank);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (rank - below);
}

/** p50, p95, p99, mean, min and max of `values`. */
export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  if (n === 0) return { n, p50: NaN, p95: NaN, p99: NaN, mean: NaN, min: NaN, max: NaN };
  return {
    n,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    mean: values.reduce((sum, v) => sum + v, 0) / n,
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

/** Rounds for display and JSON (figures are not more precise than this); NaN becomes null. */
export function round(value: number, digits = 1): number | null {
  if (!Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** A summary rounded field by field, for the JSON report. */
export function roundSummary(summary: Summary, digits = 1): Record<keyof Summary, number | null> {
  return {
    n: summary.n,
    p50: round(summary.p50, digits),
    p95: round(summary.p95, digits),
    p99: round(summary.p99, digits),
    mean: round(summary.mean, digits),
    min: round(summary.min, digits),
    max: round(summary.max, digits),
  };
}
