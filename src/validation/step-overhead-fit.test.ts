import { describe, expect, it } from 'vitest';
import { loadCalibration } from '../catalog/calibration-catalog.js';
import { loadScenarios } from './scenario-catalog.js';
import { fitStepOverhead, STEP_OVERHEAD_ROW } from './step-overhead-fit.js';

describe('fitStepOverhead', () => {
  const scenarios = loadScenarios();
  const row = (id: string) => {
    const found = scenarios.find((loaded) => loaded.row.id === id);
    if (found === undefined) throw new Error(`no row ${id}`);
    return found;
  };

  it('reproduces the shipped per-step overhead from P-077 (the file cannot drift from the fit)', () => {
    const fit = fitStepOverhead(row(STEP_OVERHEAD_ROW));
    expect(fit.stepOverheadS).toBe(loadCalibration().analytical.stepOverheadS);
    // The overhead is what the GPU time leaves of the measured intercept.
    expect(fit.gpuInterceptMs + fit.stepOverheadS * 1000).toBeCloseTo(fit.measuredInterceptMs, 2);
    expect(fit.predictedInterceptMs).toBeCloseTo(fit.measuredInterceptMs, 2);
  });

  it('refuses any other row', () => {
    expect(() => fitStepOverhead(row('P-078'))).toThrow(/not the calibration row/);
  });
});
