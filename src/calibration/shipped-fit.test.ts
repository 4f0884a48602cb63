import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calibrationFromBlocks, fitFileSchema } from '../catalog/analytical-fit-file.js';
import { analyticalCalibrationFor, loadCalibration } from '../catalog/calibration-catalog.js';
import { listHardware } from '../catalog/hardware-catalog.js';
import { FIT_FILE_PATH, runCalibration } from './run-calibration.js';

const shipped = fitFileSchema.parse(JSON.parse(readFileSync(FIT_FILE_PATH, 'utf8')));

describe('the shipped analytical-fit.json', () => {
  it('is exactly what `npm run calibrate` produces from the shipped profiles', () => {
    expect(runCalibration().fileText).toBe(readFileSync(FIT_FILE_PATH, 'utf8'));
  }, 180_000);

  it('has an entry for every catalog GPU, fitted or with named donors', () => {
    for (const { file } of listHardware()) {
      const entry = shipped.gpus[file.name];
      expect(entry, file.name).toBeDefined();
      for (const [name, block] of Object.entries(entry?.blocks ?? {})) {
        const fitted = block.trainingRows > 0;
        const defaulted = block.defaulted.flatMap((item) => item.parameters);
        expect(fitted || defaulted.length === Object.keys(block.values).length, name).toBe(true);
        for (const item of block.defaulted) expect(item.donors.length, name).toBeGreaterThan(0);
      }
    }
  });

  it('meets the operator-level target on the held-out rows (median ≤ 15%)', () => {
    expect(shipped.heldOut.overall.medianAbsPercent).toBeLessThanOrEqual(15);
  });
});

describe('analyticalCalibrationFor', () => {
  const overhead = loadCalibration().analytical.stepOverheadS;

  it('returns a GPU’s fitted constants, by any case of its name', () => {
    const h100 = shipped.gpus.H100;
    if (!h100) throw new Error('no H100 entry');
    const expected = calibrationFromBlocks((block) => h100.blocks[block]?.values ?? {}, overhead);
    expect(analyticalCalibrationFor('h100')).toEqual(expected);
    expect(analyticalCalibrationFor('H100').computeEfficiency).not.toBe(
      analyticalCalibrationFor('RTX4090').computeEfficiency,
    );
  });

  it('falls back to the median of every fitted GPU for a GPU outside the catalog', () => {
    const expected = calibrationFromBlocks(
      (block) => shipped.fallback.blocks[block]?.values ?? {},
      overhead,
    );
    expect(analyticalCalibrationFor('my-own-accelerator')).toEqual(expected);
  });
});
