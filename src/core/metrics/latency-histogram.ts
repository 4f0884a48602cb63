/**
 * @module A log-bucketed histogram of latencies: constant memory however many values it sees, an
 * exact mean, minimum and maximum, and percentiles within 0.005% of the exact ones. Offline runs of
 * millions of requests keep their memory flat with it.
 */

import type { LatencyStats } from './percentiles.js';

/** Values below this (seconds) share one bucket holding their exact mean (queueing is often 0). */
const SMALLEST_S = 1e-6;
/** Bucket i spans [SMALLEST·G^i, SMALLEST·G^(i+1)) with G = 1 + 1e-4. */
const LOG_GROWTH = Math.log1p(1e-4);

/** Latency distribution summary with bounded memory; see the module comment. */
export class LatencyHistogram {
  private readonly buckets = new Map<number, number>();
  private count = 0;
  private sum = 0;
  private minimum = Number.POSITIVE_INFINITY;
  private maximum = Number.NEGATIVE_INFINITY;
  private tinyCount = 0;
  private tinySum = 0;

  get size(): number {
    return this.count;
  }

  /** Adds `value` (seconds, ≥ 0) `times` times. */
  record(value: number, times = 1): void {
    this.count += times;
    this.sum += value * times;
    if (value < this.minimum) this.minimum = value;
    if (value > this.maximum) this.maximum = value;
    if (value < SMALLEST_S) {
      this.tinyCount += times;
      this.tinySum += value * times;
      return;
    }
    const index = Math.floor(Math.log(value / SMALLEST_S) / LOG_GROWTH);
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + times);
  }

  /**
   * Mean and percentiles. Percentiles interpolate between closest ranks (NumPy's default), each
   * rank read as its bucket's midpoint clamped to [min, max] (the lowest and highest ranks exactly):
   * exact when all values are equal.
   */
  summary(): LatencyStats {
    if (this.count === 0) {
      return {
        mean: Number.NaN,
        p50: Number.NaN,
        p90: Number.NaN,
        p95: Number.NaN,
        p99: Number.NaN,
      };
    }
    const indices = [...this.buckets.keys()].sort((a, b) => a - b);
    const cumulative: number[] = [];
    let running = this.tinyCount;
    for (const index of indices) {
      running += this.buckets.get(index) as number;
      cumulative.push(running);
    }
    const valueAtRank = (rank: number): number => {
      // The extremes are known exactly.
      if (rank === 0) return this.minimum;
      if (rank === this.count - 1) return this.maximum;
      if (rank < this.tinyCount) return this.tinySum / this.tinyCount;
      let low = 0;
      let high = cumulative.length - 1;
      while (low < high) {
        const middle = (low + high) >> 1;
        if ((cumulative[middle] as number) > rank) high = middle;
        else low = middle + 1;
      }
      const midpoint = SMALLEST_S * Math.exp(((indices[low] as number) + 0.5) * LOG_GROWTH);
      return Math.min(this.maximum, Math.max(this.minimum, midpoint));
    };
    const percentile = (p: number): number => {
      const rank = ((this.count - 1) * p) / 100;
      const low = Math.floor(rank);
      const lowValue = valueAtRank(low);
      const highValue = valueAtRank(Math.min(low + 1, this.count - 1));
      return lowValue + (rank - low) * (highValue - lowValue);
    };
    return {
      mean: this.sum / this.count,
      p50: percentile(50),
      p90: percentile(90),
      p95: percentile(95),
      p99: percentile(99),
    };
  }
}
