/**
 * @module Fits an engine preset's per-sequence CPU time per step to the published rows marked as
 * its calibration inputs: the value at which the simulated output throughput of those rows
 * equals the measured one (one constant, found by bisection). The rows are then listed by
 * `validate` as calibration inputs and left out of its error statistics.
 */

import type { Deployment } from '../config/deployment.js';
import { SequenceOverheadCostModel } from '../core/perf/sequence-overhead.js';
import type { LoadedRow } from './scenario-catalog.js';
import { simulateRow } from './scenario-runner.js';
import type { SimulatedRow } from './scenario-schema.js';

/** The fitted constant and what it was fitted on. */
export interface PerSequenceOverheadFit {
  readonly presetId: string;
  readonly perSequenceStepOverheadS: number;
  readonly fittedOn: readonly string[];
  /** Measured and predicted output throughput (summed over the rows) at the fitted value. */
  readonly measuredOutputThroughput: number;
  readonly predictedOutputThroughput: number;
}

/** Largest value searched: 1 ms of CPU per sequence per step is far beyond any engine's. */
const UPPER_BOUND_S = 1e-3;
const ITERATIONS = 40;

/**
 * Fits the per-sequence overhead of `presetId` on the `outputThroughput` metric of `rows` (each a
 * calibration row of that preset). Throws when the rows are not calibration rows of the preset,
 * or when no value in [0, 1 ms] matches (the model is then too slow without any overhead).
 */
export function fitPerSequenceOverhead(
  presetId: string,
  rows: readonly LoadedRow[],
  seed = 0,
): PerSequenceOverheadFit {
  const simulated = rows.map((loaded) => {
    const row = loaded.row;
    if ('skip' in row || row.setup.engine !== presetId || !row.usedForCalibration) {
      throw new Error(`${row.id} is not a calibration row of ${presetId}`);
    }
    return loaded as LoadedRow & { readonly row: SimulatedRow };
  });
  const measured = sum(simulated.map(({ row }) => outputThroughputOf(row.measured)));
  const predictedAt = (perSequenceS: number): number => {
    const adjust = (deployment: Deployment): Deployment => ({
      ...deployment,
      // The deployment already carries the shipped value; the fit replaces it.
      costModel: new SequenceOverheadCostModel(deployment.costModelChoice.costModel, perSequenceS),
    });
    let total = 0;
    for (const loaded of simulated) {
      const outcome = simulateRow(loaded, { costModel: 'auto', seed, adjustDeployment: adjust });
      if (outcome.kind !== 'predicted') throw new Error(`${loaded.row.id}: ${outcome.message}`);
      const comparison = outcome.comparisons.find((c) => c.metric === 'outputThroughput');
      if (comparison === undefined) throw new Error(`${loaded.row.id} has no outputThroughput`);
      total += comparison.predicted;
    }
    return total;
  };
  if (predictedAt(0) < measured) {
    throw new Error(`${presetId}: predicted throughput is below the measured one without overhead`);
  }
  let low = 0;
  let high = UPPER_BOUND_S;
  if (predictedAt(high) > measured) {
    throw new Error(`${presetId}: no overhead up to 1 ms per sequence matches the measurement`);
  }
  for (let i = 0; i < ITERATIONS; i++) {
    const middle = (low + high) / 2;
    if (predictedAt(middle) > measured) low = middle;
    else high = middle;
  }
  const fitted = Number(((low + high) / 2).toPrecision(3));
  return {
    presetId,
    perSequenceStepOverheadS: fitted,
    fittedOn: simulated.map(({ row }) => row.id),
    measuredOutputThroughput: measured,
    predictedOutputThroughput: predictedAt(fitted),
  };
}

function outputThroughputOf(
  measured: readonly { readonly metric: string; readonly value: number }[],
): number {
  const value = measured.find((entry) => entry.metric === 'outputThroughput')?.value;
  if (value === undefined) throw new Error('calibration row without outputThroughput');
  return value;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
