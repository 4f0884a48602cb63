/**
 * @module Exact percentiles and the summary statistics reported for every latency metric. The
 * percentile definition is NumPy's default (linear interpolation between closest ranks), the one
 * vLLM's `bench serve` reports, so figures compare like for like.
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

/**
 * Mean and percentiles of a multiset given as (value, count) pairs: the same figures `summarize`
 * gives for the expanded list, without expanding it (inter-token gaps run into the millions).
 */
export function summarizeWeighted(
  values: ArrayLike<number>,
  counts: ArrayLike<number>,
): LatencyStats {
  const order = Array.from({ length: values.length }, (_, index) => index);
  order.sort((a, b) => (values[a] as number) - (values[b] as number));
  const sortedValues = new Float64Array(order.length);
  const cumulative = new Float64Array(order.length);
  let total = 0;
  let sum = 0;
  order.forEach((original, position) => {
    const value = values[original] as number;
    const count = counts[original] as number;
    sortedValues[position] = value;
    total += count;
    cumulative[position] = total;
    sum += value * count;
  });
  const at = (rank: number): number => {
    // First position whose cumulative count exceeds the 0-based rank.
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((cumulative[middle] as number) > rank) high = middle;
      else low = middle + 1;
    }
    return sortedValues[low] as number;
  };
  const percentile = (p: number): number => {
    if (total === 0) return Number.NaN;
    const rank = ((total - 1) * p) / 100;
    const low = Math.floor(rank);
    const lowValue = at(low);
    const highValue = at(Math.min(low + 1, total - 1));
    return lowValue + (rank - low) * (highValue - lowValue);
  };
  return {
    mean: total > 0 ? sum / total : Number.NaN,
    p50: percentile(50),
    p90: percentile(90),
    p95: percentile(95),
    p99: percentile(99),
  };
}

/** An append-only list of numbers in a typed array that doubles as it fills. */
export class NumberSeries {
  private buffer: Float64Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    this.buffer = new Float64Array(initialCapacity);
  }

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count === this.buffer.length) {
      const next = new Float64Array(this.buffer.length * 2);
      next.set(this.buffer);
      this.buffer = next;
    }
    this.buffer[this.count++] = value;
  }

  /** Increments the last value (for run-length counts). */
  addToLast(amount: number): void {
    this.buffer[this.count - 1] = (this.buffer[this.count - 1] as number) + amount;
  }

  last(): number {
    return this.count > 0 ? (this.buffer[this.count - 1] as number) : Number.NaN;
  }

  /** A view of the values (shares memory; do not keep past the next push). */
  values(): Float64Array {
    return this.buffer.subarray(0, this.count);
  }
}
