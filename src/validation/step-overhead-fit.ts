/**
 * @module Fits the per-step CPU overhead (scheduling, input preparation, launch) shared by every
 * cost model to the batch-1 decode intercept of published row P-077 (vLLM 0.19.1, Llama-3.1-8B
 * BF16 on one H100): the overhead adds exactly once to every step, so the fitted value is the
 * current one plus what the simulated intercept misses. P-077 is a calibration input of
 * `validate` and not scored.
 */

import { loadCalibration } from '../catalog/calibration-catalog.js';
import type { LoadedRow } from './scenario-catalog.js';
import { simulateRow } from './scenario-runner.js';
import type { SimulatedRow } from './scenario-schema.js';

export const STEP_OVERHEAD_ROW = 'P-077';

export interface StepOverheadFit {
  readonly stepOverheadS: number;
  readonly measuredInterceptMs: number;
  /** The simulated intercept with the shipped overhead, before the fit. */
  readonly predictedInterceptMs: number;
  /** GPU time of the batch-1 decode step at zero context: the intercept without the overhead. */
  readonly gpuInterceptMs: number;
}

/** The overhead at which the simulated ITL intercept of `row` equals the measured one. */
export function fitStepOverhead(loaded: LoadedRow): StepOverheadFit {
  const row = loaded.row;
  if (row.id !== STEP_OVERHEAD_ROW || 'skip' in row || !row.usedForCalibration) {
    throw new Error(`${row.id} is not the calibration row ${STEP_OVERHEAD_ROW}`);
  }
  const measured = row.measured.find((value) => value.metric === 'itlIntercept');
  if (measured === undefined) throw new Error(`${row.id} has no itlIntercept`);
  const outcome = simulateRow(loaded as LoadedRow & { readonly row: SimulatedRow }, {
    costModel: 'auto',
    seed: 0,
  });
  if (outcome.kind !== 'predicted') throw new Error(`${row.id}: ${outcome.message}`);
  const predicted = outcome.comparisons.find((c) => c.metric === 'itlIntercept');
  if (predicted === undefined) throw new Error(`${row.id}: no predicted itlIntercept`);
  const currentMs = loadCalibration().analytical.stepOverheadS * 1000;
  const gpuMs = predicted.predicted - currentMs;
  const fittedMs = measured.value - gpuMs;
  if (fittedMs < 0) throw new Error(`${row.id}: the GPU time alone exceeds the measured intercept`);
  return {
    stepOverheadS: Number((fittedMs / 1000).toPrecision(3)),
    measuredInterceptMs: measured.value,
    predictedInterceptMs: predicted.predicted,
    gpuInterceptMs: gpuMs,
  };
}
