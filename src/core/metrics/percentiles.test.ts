import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentileOfSorted, summarize, summarizeWeighted } from './percentiles.js';

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

  it('gives the same figures for (value, count) pairs as for the expanded list', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            value: fc.double({ min: 0, max: 10, noNaN: true }),
            count: fc.integer({ min: 1, max: 5 }),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        (pairs) => {
          const expanded = pairs.flatMap(({ value, count }) => Array<number>(count).fill(value));
          const weighted = summarizeWeighted(
            pairs.map((pair) => pair.value),
            pairs.map((pair) => pair.count),
          );
          const plain = summarize(expanded);
          for (const key of ['mean', 'p50', 'p90', 'p95', 'p99'] as const) {
            expect(weighted[key]).toBeCloseTo(plain[key], 9);
          }
        },
      ),
      { numRuns: 300, seed: 13 },
    );
  });
});
