import { describe, expect, it } from 'vitest';
import { loadEngineOverheads } from '../catalog/engine-overhead-catalog.js';
import { fitPerSequenceOverhead } from './engine-overhead-fit.js';
import { loadScenarios } from './scenario-catalog.js';

describe('fitPerSequenceOverhead', () => {
  const scenarios = loadScenarios();

  it('reproduces the shipped constant of every preset from its calibration rows', () => {
    for (const [presetId, shipped] of Object.entries(loadEngineOverheads().presets)) {
      const rows = scenarios.filter(({ row }) => shipped.fittedOn.includes(row.id));
      const fit = fitPerSequenceOverhead(presetId, rows);
      expect(fit.perSequenceStepOverheadS).toBe(shipped.perSequenceStepOverheadS);
      // At the fitted value the prediction meets the measurement (to the 3 digits kept).
      expect(
        Math.abs(fit.predictedOutputThroughput / fit.measuredOutputThroughput - 1),
      ).toBeLessThan(0.01);
    }
  });

  it('refuses a row that is not a calibration row of the preset', () => {
    const scored = scenarios.filter(({ row }) => row.id === 'P-053');
    expect(() => fitPerSequenceOverhead('vllm-v0', scored)).toThrow(/not a calibration row/);
  });
});
