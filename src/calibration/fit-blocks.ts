/**
 * @module Fitting one block of constants (the GEMM curve, one memory-bound kernel kind, attention,
 * the all-reduce) to rows of measurements: weighted least squares on the log of predicted over
 * measured time, so a 10% miss costs the same on a 5 µs kernel as on a 5 ms one. Parameters are
 * searched in a transformed space that keeps them physical (positive; the soft-max exponent > 1).
 */

import { minimize } from './nelder-mead.js';

/** One constant of a block. */
export interface ParameterSpec {
  readonly name: string;
  /** Where the search starts (in natural units). */
  readonly start: number;
  /** The constant stays above this (0 for rates and times, 1 for the soft-max exponent). */
  readonly lowerBound: number;
}

/** A measured row with the weight it carries in the fit. */
export interface WeightedRow<Features> {
  readonly features: Features;
  readonly measuredS: number;
  readonly weight: number;
}

export interface BlockFit {
  readonly values: Readonly<Record<string, number>>;
  readonly rows: number;
  /** √(Σ w·ln²(predicted/measured) / Σ w) over the training rows. */
  readonly rmsLogError: number;
}

/**
 * Fits the parameters of `specs` not in `fixed` so that `predict(values, features)` matches the
 * rows; `fixed` parameters keep their given values.
 */
export function fitBlock<Features>(options: {
  readonly specs: readonly ParameterSpec[];
  readonly fixed: Readonly<Record<string, number>>;
  readonly rows: readonly WeightedRow<Features>[];
  /** Builds the per-candidate state once (rates from parameters), then prices each row. */
  readonly prepare: (values: Readonly<Record<string, number>>) => (features: Features) => number;
}): BlockFit {
  const { specs, fixed, rows, prepare } = options;
  const free = specs.filter((spec) => !(spec.name in fixed));
  const valuesOf = (x: readonly number[]): Record<string, number> => {
    const values: Record<string, number> = { ...fixed };
    free.forEach((spec, index) => {
      values[spec.name] = spec.lowerBound + Math.exp(x[index] as number);
    });
    return values;
  };
  const loss = (values: Readonly<Record<string, number>>): number => {
    const price = prepare(values);
    let sum = 0;
    for (const row of rows) {
      const predicted = price(row.features);
      const error = Math.log(predicted / row.measuredS);
      sum += row.weight * error * error;
    }
    return sum;
  };
  let values: Record<string, number> = { ...fixed };
  for (const spec of specs) values[spec.name] ??= spec.start;
  if (free.length > 0 && rows.length > 0) {
    const start = free.map((spec) => Math.log(Math.max(spec.start - spec.lowerBound, 1e-12)));
    const result = minimize((x) => loss(valuesOf(x)), start, { restarts: 2 });
    values = valuesOf(result.x);
  }
  let totalWeight = 0;
  for (const row of rows) totalWeight += row.weight;
  const rmsLogError = rows.length > 0 ? Math.sqrt(loss(values) / totalWeight) : Number.NaN;
  return { values, rows: rows.length, rmsLogError };
}

/**
 * Weights that give every group (a table of one profile) the same total weight, so a table
 * measured at 19,000 points does not drown one measured at 40.
 */
export function equalWeightPerGroup<Row>(
  rows: readonly Row[],
  groupOf: (row: Row) => string,
): number[] {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const group = groupOf(row);
    counts.set(group, (counts.get(group) ?? 0) + 1);
  }
  return rows.map((row) => 1 / (counts.get(groupOf(row)) as number));
}
