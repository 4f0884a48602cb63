/**
 * @module Empirical cumulative distribution functions of latency samples, thinned to a bounded
 * number of points so a report of a million requests stays as small as one of a thousand. The
 * points kept are evenly spaced ranks of the sorted samples, the smallest and largest always among
 * them, so the curve's ends are exact and it never decreases.
 */

/** A CDF as parallel arrays: `fractions[i]` of the samples are ≤ `values[i]`. */
export interface EmpiricalCdf {
  /** Sample values at the kept ranks, ascending (the unit of the input). */
  readonly values: readonly number[];
  /** (rank + 1) / count for each kept rank, strictly ascending, the last one 1. */
  readonly fractions: readonly number[];
  /** Finite samples the CDF describes (NaN and infinite samples are left out). */
  readonly count: number;
}

/** Points kept by default: enough for a smooth curve on a chart ~1,000 pixels wide. */
export const DEFAULT_CDF_POINTS = 512;

/**
 * The empirical CDF of the finite `samples` (not modified), through at most `maxPoints` (≥ 2)
 * points: every sample when there are that few, else ranks round(k·(n−1)/(maxPoints−1)).
 */
export function empiricalCdf(
  samples: ArrayLike<number>,
  maxPoints: number = DEFAULT_CDF_POINTS,
): EmpiricalCdf {
  if (!Number.isInteger(maxPoints) || maxPoints < 2) {
    throw new RangeError(`maxPoints must be an integer ≥ 2, got ${maxPoints}`);
  }
  const finite = new Float64Array(samples.length);
  let count = 0;
  for (let index = 0; index < samples.length; index++) {
    const value = samples[index] as number;
    if (Number.isFinite(value)) finite[count++] = value;
  }
  const sorted = finite.subarray(0, count).sort();
  const values: number[] = [];
  const fractions: number[] = [];
  const kept = Math.min(count, maxPoints);
  for (let point = 0; point < kept; point++) {
    // With kept ≤ count the step is ≥ 1, so ranks are distinct and fractions strictly rise.
    const rank = kept === count ? point : Math.round((point * (count - 1)) / (kept - 1));
    values.push(sorted[rank] as number);
    fractions.push((rank + 1) / count);
  }
  return { values, fractions, count };
}
