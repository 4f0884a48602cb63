import { describe, expect, it } from 'vitest';
import { calibrationFromBlocks, roundSignificant, stableJson } from './analytical-fit-file.js';

describe('stableJson', () => {
  it('sorts keys at every level, keeps array order, rounds to 4 significant digits', () => {
    const text = stableJson({
      b: 1.234567,
      a: { d: [5.43219, 0.000123456], c: 'x' },
      z: undefined,
    });
    expect(text).toBe(
      '{\n  "a": {\n    "c": "x",\n    "d": [\n      5.432,\n      0.0001235\n    ]\n  },\n  "b": 1.235\n}\n',
    );
    expect(stableJson(JSON.parse(text))).toBe(text);
  });

  it('rounds without touching zero or non-finite values', () => {
    expect(roundSignificant(123456)).toBe(123500);
    expect(roundSignificant(0)).toBe(0);
    expect(roundSignificant(Number.NaN)).toBeNaN();
  });
});

describe('calibrationFromBlocks', () => {
  const blocks: Record<string, Record<string, number>> = {
    gemm: { computeEfficiency: 0.7, memoryEfficiency: 0.9, sharpness: 2, floorUs: 5 },
    attention: {
      prefillComputeEfficiency: 0.4,
      decodeMemoryEfficiency: 0.8,
      decodeSequenceUs: 0.1,
      floorUs: 10,
      tileComputeEfficiency: 1,
      concurrentTiles: 100,
      mixedDecodeMemoryEfficiency: 1.5,
    },
    collective: { bandwidthEfficiency: 0.8, callLatencyUs: 30 },
  };
  const valuesOf = (block: string) => blocks[block] ?? { bandwidthEfficiency: 0.5, floorUs: 2 };

  it('turns µs into seconds and keeps fractions', () => {
    const calibration = calibrationFromBlocks(valuesOf, 0.0004);
    expect(calibration.computeEfficiency).toBe(0.7);
    expect(calibration.gemmFloorS).toBeCloseTo(5e-6, 18);
    expect(calibration.collectiveLatencyS).toBeCloseTo(30e-6, 18);
    expect(calibration.streaming?.norm).toEqual({ bandwidthEfficiency: 0.5, floorS: 2e-6 });
    expect(calibration.attention?.tiles?.concurrentTiles).toBe(100);
    expect(calibration.stepOverheadS).toBe(0.0004);
  });

  it('refuses a block that lacks a constant', () => {
    expect(() =>
      calibrationFromBlocks((block) => (block === 'gemm' ? {} : valuesOf(block)), 0),
    ).toThrow(/gemm has no computeEfficiency/);
  });
});
