/**
 * @module Error statistics of a validation run: the signed error of one prediction, summaries of
 * absolute errors over groups of comparisons, and the error of a predicted time series against a
 * measured one. Pure functions of numbers.
 */

import { percentileOfSorted } from '../core/metrics/percentiles.js';

/** (predicted − measured) / measured, in percent; NaN when either is not a positive number. */
export function signedErrorPercent(measured: number, predicted: number): number {
  if (!(measured > 0) || !Number.isFinite(predicted)) return Number.NaN;
  return ((predicted - measured) / measured) * 100;
}

/** Absolute errors of a group of comparisons. */
export interface ErrorSummary {
  /** Comparisons in the group. */
  readonly count: number;
  /** Rows the comparisons come from. */
  readonly rows: number;
  readonly meanAbsErrorPercent: number;
  readonly medianAbsErrorPercent: number;
}

/** One comparison as the summaries see it. */
export interface ScoredComparison {
  readonly rowId: string;
  readonly signedErrorPercent: number;
}

/** Mean and median (linear interpolation) of the absolute errors; NaN for an empty group. */
export function summarizeErrors(comparisons: readonly ScoredComparison[]): ErrorSummary {
  const absolute = comparisons
    .map((comparison) => Math.abs(comparison.signedErrorPercent))
    .filter((value) => Number.isFinite(value))
    .sort((left, right) => left - right);
  const sum = absolute.reduce((total, value) => total + value, 0);
  return {
    count: absolute.length,
    rows: new Set(comparisons.map((comparison) => comparison.rowId)).size,
    meanAbsErrorPercent: absolute.length > 0 ? sum / absolute.length : Number.NaN,
    medianAbsErrorPercent: percentileOfSorted(absolute, 50),
  };
}

/** Summaries of the comparisons grouped by `keyOf`, keys in first-seen order. */
export function summarizeBy<T extends ScoredComparison>(
  comparisons: readonly T[],
  keyOf: (comparison: T) => string,
): Record<string, ErrorSummary> {
  const groups = new Map<string, T[]>();
  for (const comparison of comparisons) {
    const key = keyOf(comparison);
    const group = groups.get(key);
    if (group) group.push(comparison);
    else groups.set(key, [comparison]);
  }
  return Object.fromEntries(
    [...groups].map(([key, group]) => [key, summarizeErrors(group)] as const),
  );
}

/**
 * Error of a predicted per-tick series against the measured one: the mean absolute difference
 * per tick divided by the mean of the measured series, in percent. Ticks are compared up to the
 * longer series; a series that has ended counts as 0 there (a run that ends early or late is an
 * error too). NaN when the measured series is all zero.
 */
export function timeSeriesErrorPercent(
  measured: readonly number[],
  predicted: readonly number[],
): number {
  const length = Math.max(measured.length, predicted.length);
  if (length === 0) return Number.NaN;
  let absoluteSum = 0;
  let measuredSum = 0;
  for (let tick = 0; tick < length; tick++) {
    const measuredValue = measured[tick] ?? 0;
    absoluteSum += Math.abs((predicted[tick] ?? 0) - measuredValue);
    measuredSum += measuredValue;
  }
  if (measuredSum === 0) return Number.NaN;
  return (absoluteSum / measuredSum) * 100;
}
