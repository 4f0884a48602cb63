/**
 * @module The summary statistics reported for every latency metric, and their exact reference
 * computation. The percentile definition is NumPy's default (linear interpolation between closest
 * ranks), the one vLLM's `bench serve` reports, so figures compare like for like.
 */

/** Mean and the percentiles every report carries. */
export interface LatencyStats {
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
}

/** Percentile `p` (0–100) of ascending `sorted` values; NaN when empty. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const count = sorted.length;
  if (count === 0) return Number.NaN;
  const rank = ((count - 1) * p) / 100;
  const low = Math.floor(rank);
  const high = Math.min(low + 1, count - 1);
  const lowValue = sorted[low] as number;
  return lowValue + (rank - low) * ((sorted[high] as number) - lowValue);
}

/** Mean and percentiles of `values` (not modified). */
export function summarize(values: ArrayLike<number>): LatencyStats {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  let sum = 0;
  for (let index = 0; index < sorted.length; index++) sum += sorted[index] as number;
  return {
    mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
    p50: percentileOfSorted(sorted, 50),
    p90: percentileOfSorted(sorted, 90),
    p95: percentileOfSorted(sorted, 95),
    p99: percentileOfSorted(sorted, 99),
  };
}
