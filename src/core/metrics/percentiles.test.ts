import { describe, expect, it } from 'vitest';
import { percentileOfSorted, summarize } from './percentiles.js';

describe('percentiles', () => {
  it('interpolates linearly between closest ranks like numpy.percentile', () => {
    // numpy.percentile([1, 2, 3, 4], [50, 90, 99]) = [2.5, 3.7, 3.97]
    const sorted = [1, 2, 3, 4];
    expect(percentileOfSorted(sorted, 50)).toBeCloseTo(2.5, 12);
    expect(percentileOfSorted(sorted, 90)).toBeCloseTo(3.7, 12);
    expect(percentileOfSorted(sorted, 99)).toBeCloseTo(3.97, 12);
    expect(percentileOfSorted([7], 99)).toBe(7);
    expect(percentileOfSorted([], 50)).toBeNaN();
  });

  it('summarizes unsorted values without changing them', () => {
    const values = [5, 1, 4, 2, 3];
    const stats = summarize(values);
    expect(stats).toEqual({ mean: 3, p50: 3, p90: 4.6, p95: 4.8, p99: 4.96 });
    expect(values).toEqual([5, 1, 4, 2, 3]);
  });
});
