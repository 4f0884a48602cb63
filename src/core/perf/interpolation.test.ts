import { describe, expect, it } from 'vitest';
import {
  blend,
  extrapolationAnchor,
  sortedUnique,
  TimingCurveInterpolator,
  upperBound,
} from './interpolation.js';

describe('blend', () => {
  it('is linear between two points', () => {
    expect(blend('linear', 3, Math.log(3), 2, 4, 10, 20)).toBe(15);
  });

  it('follows the power law through both points in log-log', () => {
    // t = 5·x²: (2, 20) and (8, 320); at 4 the power law gives 80 (linear would give 113.3).
    expect(blend('log-log', 4, Math.log(4), 2, 8, 20, 320)).toBeCloseTo(80, 10);
  });

  it('falls back to linear for a segment starting at 0, where a logarithm is undefined', () => {
    expect(blend('log-log', 8, Math.log(8), 0, 16, 10, 30)).toBe(20);
  });

  it('returns the endpoint at or beyond either end', () => {
    expect(blend('linear', 1, 0, 2, 4, 10, 20)).toBe(10);
    expect(blend('log-log', 5, Math.log(5), 2, 4, 10, 20)).toBe(20);
  });
});

describe('upperBound', () => {
  it('counts the values at or below x', () => {
    const values = [1, 2, 4, 8];
    expect(upperBound(values, 0)).toBe(0);
    expect(upperBound(values, 1)).toBe(1);
    expect(upperBound(values, 3)).toBe(2);
    expect(upperBound(values, 8)).toBe(4);
    expect(upperBound(values, 100)).toBe(4);
  });
});

describe('sortedUnique', () => {
  it('sorts by coordinate and averages repeated coordinates', () => {
    const { points, timesUs } = sortedUnique([4, 1, 4, 2, 4], [10, 1, 20, 2, 30]);
    expect(Array.from(points)).toEqual([1, 2, 4]);
    expect(Array.from(timesUs)).toEqual([1, 2, 20]);
  });

  it('rejects mismatched lengths and non-finite samples', () => {
    expect(() => sortedUnique([1, 2], [1])).toThrow(RangeError);
    expect(() => sortedUnique([1, Number.NaN], [1, 2])).toThrow(RangeError);
  });
});

describe('extrapolationAnchor', () => {
  it('is the largest point at most half of the last one', () => {
    expect(extrapolationAnchor([1, 2, 4, 8, 16])).toBe(3);
    expect(extrapolationAnchor([16, 32, 2032, 2048])).toBe(1);
  });

  it('is the first point when no point is that small', () => {
    expect(extrapolationAnchor([100, 150, 190])).toBe(0);
    expect(extrapolationAnchor([7])).toBe(0);
  });
});

describe('TimingCurveInterpolator', () => {
  const curve = new TimingCurveInterpolator([1, 2, 4, 8], [10, 12, 16, 24]);

  it('returns the measured times at measured points', () => {
    expect([1, 2, 4, 8].map((x) => curve.at(x))).toEqual([10, 12, 16, 24]);
  });

  it('is linear between points by default', () => {
    expect(curve.at(3)).toBe(14);
    expect(curve.at(6)).toBe(20);
  });

  it('clamps below the smallest point', () => {
    expect(curve.at(0.5)).toBe(10);
    expect(curve.at(0)).toBe(10);
  });

  it('grows linearly above the largest point at the slope of the upper half', () => {
    // Anchor 4 (largest ≤ 8/2): slope (24 − 16)/(8 − 4) = 2 per unit.
    expect(curve.at(12)).toBe(32);
  });

  it('does not extrapolate a falling tail downwards', () => {
    const noisy = new TimingCurveInterpolator([1, 2, 4], [10, 12, 11]);
    expect(noisy.at(100)).toBe(11);
  });

  it('reproduces a power law exactly in log-log, also from unsorted input', () => {
    const powerLaw = (x: number) => 3 * x ** 1.5;
    const points = [64, 1, 16, 4];
    const loglog = new TimingCurveInterpolator(points, points.map(powerLaw), 'log-log');
    for (const x of [1.5, 3, 10, 40]) expect(loglog.at(x)).toBeCloseTo(powerLaw(x), 9);
  });

  it('answers a constant for a single point and reports its range', () => {
    const single = new TimingCurveInterpolator([5], [7]);
    expect(single.at(1)).toBe(7);
    expect(single.at(500)).toBe(7);
    expect(curve.range).toEqual([1, 8]);
  });

  it('refuses an empty curve', () => {
    expect(() => new TimingCurveInterpolator([], [])).toThrow(RangeError);
  });
});
