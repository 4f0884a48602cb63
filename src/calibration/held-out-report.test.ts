import { describe, expect, it } from 'vitest';
import { AnalyticalCostModel } from '../core/perf/analytical-cost-model.js';
import { heldOutErrors } from '../core/perf/operator-fit-error.js';
import { precisionOf } from './fit-analytical.js';
import { analyticalOperatorPredictor, errorReport, errorStats } from './held-out-report.js';
import { loadCalibrationInputs } from './run-calibration.js';

const plain = {
  computeEfficiency: 0.76,
  memoryEfficiency: 0.75,
  collectiveBandwidthEfficiency: 0.81,
  stepOverheadS: 0,
};

describe('errorReport', () => {
  const { gpus } = loadCalibrationInputs();
  const rtx4090 = gpus.filter((gpu) => gpu.identity.name === 'RTX4090');

  it('agrees per table with heldOutErrors for a GPU with one profile', () => {
    const [gpu] = rtx4090;
    const input = gpu?.profiles[0];
    if (!gpu || !input || gpu.profiles.length !== 1)
      throw new Error('expected one RTX4090 profile');
    const model = new AnalyticalCostModel({
      model: input.model,
      hardware: gpu.hardware,
      precision: precisionOf(input.profile.dtype),
      calibration: plain,
    });
    const reference = heldOutErrors(
      input.profile,
      analyticalOperatorPredictor(model, input.profile.tp, input.attentionKernel),
    );
    const ours = errorReport(rtx4090, () => plain).byGpuTable.RTX4090 ?? {};
    for (const [table, stats] of Object.entries(reference.tables)) {
      expect(ours[table]?.count).toBe(stats.count);
      expect(ours[table]?.medianAbsPercent).toBeCloseTo(stats.medianAbsPercent, 9);
      expect(ours[table]?.p90AbsPercent).toBeCloseTo(stats.p90AbsPercent, 9);
    }
    expect(reference.overall.count).toBeGreaterThan(0);
  });
});

describe('errorStats', () => {
  it('reports absolute percentages and the signed mean', () => {
    const stats = errorStats([0.1, -0.2, 0.3, -0.4]);
    expect(stats.count).toBe(4);
    expect(stats.medianAbsPercent).toBeCloseTo(25, 9);
    expect(stats.meanAbsPercent).toBeCloseTo(25, 9);
    expect(stats.signedMeanPercent).toBeCloseTo(-5, 9);
  });
});
