import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { empiricalCdf } from './empirical-cdf.js';

describe('empiricalCdf', () => {
  it('keeps every sample of a small set, sorted, with fractions (rank + 1) / n', () => {
    const cdf = empiricalCdf([0.3, 0.1, 0.2, 0.1]);
    expect(cdf.values).toEqual([0.1, 0.1, 0.2, 0.3]);
    expect(cdf.fractions).toEqual([0.25, 0.5, 0.75, 1]);
    expect(cdf.count).toBe(4);
  });

  it('leaves out NaN and infinite samples', () => {
    const cdf = empiricalCdf([Number.NaN, 2, Number.POSITIVE_INFINITY, 1]);
    expect(cdf.values).toEqual([1, 2]);
    expect(cdf.count).toBe(2);
  });

  it('is empty for no finite samples', () => {
    expect(empiricalCdf([Number.NaN])).toEqual({ values: [], fractions: [], count: 0 });
  });

  it('thins a million samples to the bound, exact at both ends', () => {
    const samples = new Float64Array(1_000_000);
    for (let index = 0; index < samples.length; index++)
      samples[index] = (index * 7919) % 1_000_003;
    const cdf = empiricalCdf(samples, 512);
    expect(cdf.values).toHaveLength(512);
    expect(cdf.values[0]).toBe(samples.reduce((a, b) => Math.min(a, b)));
    expect(cdf.values[511]).toBe(samples.reduce((a, b) => Math.max(a, b)));
    expect(cdf.fractions[0]).toBe(1 / 1_000_000);
    expect(cdf.fractions[511]).toBe(1);
    // The middle point is the median rank.
    const sorted = Float64Array.from(samples).sort();
    const middle = Math.round((255 * 999_999) / 511);
    expect(cdf.values[255]).toBe(sorted[middle]);
  });

  it('is bounded, monotone and exact at the ends for any samples', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 2, max: 50 }),
        (samples, maxPoints) => {
          const cdf = empiricalCdf(samples, maxPoints);
          expect(cdf.values.length).toBe(Math.min(samples.length, maxPoints));
          expect(cdf.values[0]).toBe(Math.min(...samples));
          expect(cdf.values.at(-1)).toBe(Math.max(...samples));
          expect(cdf.fractions.at(-1)).toBe(1);
          for (let index = 1; index < cdf.values.length; index++) {
            expect(cdf.values[index]).toBeGreaterThanOrEqual(cdf.values[index - 1] as number);
            expect(cdf.fractions[index]).toBeGreaterThan(cdf.fractions[index - 1] as number);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects a bound below two points', () => {
    expect(() => empiricalCdf([1, 2, 3], 1)).toThrow(RangeError);
  });
});
