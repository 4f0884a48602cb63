import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency-histogram.js';
import { summarize } from './percentiles.js';

describe('LatencyHistogram', () => {
  it('is exact when every value is the same, and keeps the exact mean', () => {
    const histogram = new LatencyHistogram();
    histogram.record(0.0101, 500);
    expect(histogram.summary()).toEqual({
      mean: 0.0101,
      p50: 0.0101,
      p90: 0.0101,
      p95: 0.0101,
      p99: 0.0101,
    });
  });

  it('keeps zeros (no queueing) exact', () => {
    const histogram = new LatencyHistogram();
    histogram.record(0, 99);
    histogram.record(2);
    const stats = histogram.summary();
    expect(stats.p50).toBe(0);
    // Rank 98.01 of 100 values: 0.01 of the way from 0 (rank 98) to 2 (rank 99).
    expect(stats.p99).toBeCloseTo(0.02, 12);
    expect(stats.mean).toBeCloseTo(0.02, 15);
  });

  it('stays within 0.005% of the exact percentiles, with counts or without', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            value: fc.double({ min: 1e-5, max: 3600, noNaN: true }),
            count: fc.integer({ min: 1, max: 4 }),
          }),
          { minLength: 1, maxLength: 300 },
        ),
        (pairs) => {
          const histogram = new LatencyHistogram();
          for (const { value, count } of pairs) histogram.record(value, count);
          const exact = summarize(
            pairs.flatMap(({ value, count }) => Array<number>(count).fill(value)),
          );
          const approximate = histogram.summary();
          expect(approximate.mean).toBeCloseTo(exact.mean, 9);
          for (const key of ['p50', 'p90', 'p95', 'p99'] as const) {
            expect(Math.abs(approximate[key] - exact[key])).toBeLessThanOrEqual(
              exact[key] * 5e-5 + 1e-12,
            );
          }
        },
      ),
      { numRuns: 300, seed: 17 },
    );
  });

  it('uses memory for distinct buckets only, however many values it sees', () => {
    const histogram = new LatencyHistogram();
    for (let index = 0; index < 200_000; index++) histogram.record(0.02 + (index % 1000) * 1e-6);
    expect(histogram.size).toBe(200_000);
    // 1000 distinct values 1 µs apart around 20 ms fall into ≤ 1000 buckets of 2 µs width.
    expect(
      (histogram as unknown as { buckets: Map<number, number> }).buckets.size,
    ).toBeLessThanOrEqual(1000);
  });

  it('reports NaN when empty', () => {
    expect(new LatencyHistogram().summary().p50).toBeNaN();
  });
});
