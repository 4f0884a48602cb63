/**
 * @module Operator-level error of a predictor against the samples of an operator profile, on the
 * shared 80/20 split (`isHeldOut`): every row of the chosen split is predicted and compared with
 * its measured time. The profile model's own predictor interpolates the training rows only, so the
 * held-out rows measure how well it prices shapes it has not seen; any other model (the calibrated
 * analytical one) can be scored on the same rows by passing its per-operator predictions.
 */

import { percentileOfSorted } from '../metrics/percentiles.js';
import { isHeldOut, type OperatorProfile, sampleKey } from './operator-profile.js';
import {
  buildProfileTables,
  type ProfileSplit,
  type ProfileTableOptions,
} from './profile-tables.js';

/**
 * Predicted time (µs) of one sample of a profile, or undefined when the predictor has nothing to
 * say about it. `table` is the operator name (`qkv_proj`, `lm_head`, …), `attention` or `moe`;
 * `coordinates` are `[tokens]` or `[sequences]` for curves, `[prefillChunk, kvPrefill, nDecode,
 * kvDecode]` for attention and `[tokens, activatedExperts]` for MoE, exactly as in the profile.
 */
export type OperatorPredictor = (
  table: string,
  coordinates: readonly number[],
) => number | undefined;

/** Which rows are scored. */
export type ScoredRows = 'held-out' | 'train' | 'all';

/** Error statistics of one group of rows; percentages of the measured time. */
export interface FitErrorStats {
  /** Rows scored (the predictor answered). */
  readonly count: number;
  /** Rows of the split the predictor had no answer for (not in the statistics). */
  readonly unanswered: number;
  readonly medianAbsPercent: number;
  readonly meanAbsPercent: number;
  readonly p90AbsPercent: number;
  /** Mean of (predicted − measured) / measured: positive = overestimates. */
  readonly signedMeanPercent: number;
}

export interface FitErrorReport {
  readonly rows: ScoredRows;
  /** By table (operator name, `attention`, `moe`). */
  readonly tables: Readonly<Record<string, FitErrorStats>>;
  /** Attention rows by family: `prefill` (no decodes), `decode` (no prefill), `mixed`. */
  readonly attentionByKind: Readonly<Record<string, FitErrorStats>>;
  /** Every scored row of every table pooled. */
  readonly overall: FitErrorStats;
}

/** Scores `predictor` on the `rows` split of `profile`; see the module comment. */
export function heldOutErrors(
  profile: OperatorProfile,
  predictor: OperatorPredictor,
  rows: ScoredRows = 'held-out',
  /** Receives every scored row's relative error, for pooling across profiles. */
  onRow?: (table: string, relativeError: number) => void,
): FitErrorReport {
  const selected = (table: string, coordinates: readonly number[]): boolean => {
    if (rows === 'all') return true;
    return isHeldOut(sampleKey(profile, table, coordinates)) === (rows === 'held-out');
  };
  const groups = new Map<string, ErrorAccumulator>();
  const kinds = new Map<string, ErrorAccumulator>();
  const overall = new ErrorAccumulator();
  const score = (table: string, coordinates: readonly number[], measuredUs: number): void => {
    if (!selected(table, coordinates)) return;
    const group = accumulatorOf(groups, table);
    const kind =
      table === 'attention' ? accumulatorOf(kinds, attentionKind(coordinates)) : undefined;
    const predictedUs = predictor(table, coordinates);
    if (predictedUs === undefined || !Number.isFinite(predictedUs) || measuredUs <= 0) {
      group.unanswered++;
      if (kind) kind.unanswered++;
      overall.unanswered++;
      return;
    }
    const relative = (predictedUs - measuredUs) / measuredUs;
    group.add(relative);
    kind?.add(relative);
    overall.add(relative);
    onRow?.(table, relative);
  };

  const curves = [...profile.tokenOperators, ...profile.sequenceOperators];
  for (const timing of curves) {
    timing.points.forEach((point, index) => {
      score(timing.name, [point], timing.timesUs[index] as number);
    });
  }
  for (const sample of profile.attention ?? []) score('attention', sample.slice(0, 4), sample[4]);
  for (const sample of profile.moe ?? []) score('moe', sample.slice(0, 2), sample[2]);

  const tables: Record<string, FitErrorStats> = {};
  for (const [table, accumulator] of groups) tables[table] = accumulator.stats();
  const attentionByKind: Record<string, FitErrorStats> = {};
  for (const [kind, accumulator] of kinds) attentionByKind[kind] = accumulator.stats();
  return { rows, tables, attentionByKind, overall: overall.stats() };
}

/**
 * The profile model's operator predictor: interpolators built from the `split` rows of `profile`
 * (`train` for held-out measurement), answering for every table the profile has.
 */
export function profileInterpolationPredictor(
  profile: OperatorProfile,
  split: ProfileSplit,
  options: Omit<ProfileTableOptions, 'split'> = {},
): OperatorPredictor {
  const tables = buildProfileTables(profile, { ...options, split });
  const curves = new Map<string, (x: number) => number>();
  for (const { timing, curve } of [...tables.tokenOperators, ...tables.sequenceOperators]) {
    curves.set(timing.name, (x) => curve.at(x));
  }
  const moeCoordinates = new Float64Array(2);
  return (table, coordinates) => {
    if (table === 'attention') {
      const [prefillChunk = 0, kvPrefill = 0, nDecode = 0, kvDecode = 0] = coordinates;
      return tables.attention?.at(prefillChunk, kvPrefill, nDecode, kvDecode);
    }
    if (table === 'moe') {
      if (!tables.moe) return undefined;
      moeCoordinates[0] = coordinates[0] ?? 0;
      moeCoordinates[1] = coordinates[1] ?? 0;
      return tables.moe.at(moeCoordinates);
    }
    const curve = curves.get(table);
    const x = coordinates[0];
    return curve && x !== undefined ? curve(x) : undefined;
  };
}

function attentionKind(coordinates: readonly number[]): string {
  const prefill = (coordinates[0] ?? 0) > 0;
  const decode = (coordinates[2] ?? 0) > 0;
  if (prefill && decode) return 'mixed';
  return prefill ? 'prefill' : 'decode';
}

function accumulatorOf(map: Map<string, ErrorAccumulator>, key: string): ErrorAccumulator {
  let accumulator = map.get(key);
  if (!accumulator) {
    accumulator = new ErrorAccumulator();
    map.set(key, accumulator);
  }
  return accumulator;
}

class ErrorAccumulator {
  unanswered = 0;
  private readonly relatives: number[] = [];

  add(relative: number): void {
    this.relatives.push(relative);
  }

  stats(): FitErrorStats {
    return relativeErrorStats(this.relatives, this.unanswered);
  }
}

/** Statistics of relative errors (fractions, predicted/measured − 1), in percent. */
export function relativeErrorStats(relatives: readonly number[], unanswered = 0): FitErrorStats {
  const count = relatives.length;
  const absolute = Float64Array.from(relatives, Math.abs).sort();
  let absSum = 0;
  let signedSum = 0;
  for (const relative of relatives) {
    absSum += Math.abs(relative);
    signedSum += relative;
  }
  const percent = (value: number): number => (count > 0 ? value * 100 : Number.NaN);
  return {
    count,
    unanswered,
    medianAbsPercent: percent(percentileOfSorted(absolute, 50)),
    meanAbsPercent: percent(absSum / count),
    p90AbsPercent: percent(percentileOfSorted(absolute, 90)),
    signedMeanPercent: percent(signedSum / count),
  };
}
