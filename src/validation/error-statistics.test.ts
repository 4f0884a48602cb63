/**
 * @module Tests of the error statistics on hand-made numbers.
 */

import { describe, expect, it } from 'vitest';
import {
  signedErrorPercent,
  summarizeBy,
  summarizeErrors,
  timeSeriesErrorPercent,
} from './error-statistics.js';

describe('signedErrorPercent', () => {
  it('is (predicted − measured) / measured in percent', () => {
    expect(signedErrorPercent(200, 250)).toBeCloseTo(25, 12);
    expect(signedErrorPercent(200, 150)).toBeCloseTo(-25, 12);
    expect(signedErrorPercent(4.37e-5, 4.37e-5)).toBe(0);
  });

  it('is NaN without a positive measurement or a finite prediction', () => {
    expect(signedErrorPercent(0, 1)).toBeNaN();
    expect(signedErrorPercent(10, Number.NaN)).toBeNaN();
    expect(signedErrorPercent(10, Number.POSITIVE_INFINITY)).toBeNaN();
  });
});

describe('summarizeErrors', () => {
  it('takes the mean and the interpolated median of the absolute errors', () => {
    const summary = summarizeErrors([
      { rowId: 'a', signedErrorPercent: -10 },
      { rowId: 'a', signedErrorPercent: 30 },
      { rowId: 'b', signedErrorPercent: 5 },
      { rowId: 'c', signedErrorPercent: -40 },
    ]);
    // |errors| sorted: 5, 10, 30, 40 → mean 21.25, median (10 + 30) / 2 = 20.
    expect(summary).toEqual({
      count: 4,
      rows: 3,
      meanAbsErrorPercent: 21.25,
      medianAbsErrorPercent: 20,
    });
  });

  it('leaves out comparisons without a number and is NaN when nothing is left', () => {
    const summary = summarizeErrors([
      { rowId: 'a', signedErrorPercent: Number.NaN },
      { rowId: 'b', signedErrorPercent: 12 },
    ]);
    expect(summary.count).toBe(1);
    expect(summary.medianAbsErrorPercent).toBe(12);
    const empty = summarizeErrors([]);
    expect(empty.count).toBe(0);
    expect(empty.meanAbsErrorPercent).toBeNaN();
    expect(empty.medianAbsErrorPercent).toBeNaN();
  });
});

describe('summarizeBy', () => {
  it('groups by key in first-seen order', () => {
    const groups = summarizeBy(
      [
        { rowId: 'a', signedErrorPercent: 10, gpu: 'H100' },
        { rowId: 'b', signedErrorPercent: -20, gpu: 'A100' },
        { rowId: 'c', signedErrorPercent: 30, gpu: 'H100' },
      ],
      (comparison) => comparison.gpu,
    );
    expect(Object.keys(groups)).toEqual(['H100', 'A100']);
    expect(groups.H100?.meanAbsErrorPercent).toBe(20);
    expect(groups.A100?.medianAbsErrorPercent).toBe(20);
  });
});

describe('timeSeriesErrorPercent', () => {
  it('divides the mean absolute tick error by the measured mean', () => {
    // |1 − 2| + |3 − 3| + |6 − 4| = 3 over a measured sum of 9.
    expect(timeSeriesErrorPercent([2, 3, 4], [1, 3, 6])).toBeCloseTo((3 / 9) * 100, 12);
  });

  it('counts ticks past the end of the shorter series as 0', () => {
    expect(timeSeriesErrorPercent([2, 2], [2, 2, 4])).toBe(100);
    expect(timeSeriesErrorPercent([2, 2, 4], [2, 2])).toBe(50);
  });

  it('is NaN for an all-zero measured series', () => {
    expect(timeSeriesErrorPercent([0, 0], [1, 1])).toBeNaN();
    expect(timeSeriesErrorPercent([], [])).toBeNaN();
  });
});
