/**
 * @module Tests of rounding to significant digits and of merging repeated measurements.
 */

import { describe, expect, it } from 'vitest';
import { median, mergeRepeatedSamples, roundSignificant } from './numbers.js';

describe('roundSignificant', () => {
  it('keeps four significant digits at every magnitude', () => {
    expect(roundSignificant(8.35233)).toBe(8.352);
    expect(roundSignificant(714.006)).toBe(714);
    expect(roundSignificant(134.976)).toBe(135);
    expect(roundSignificant(2866.251)).toBe(2866);
    expect(roundSignificant(123456)).toBe(123500);
    expect(roundSignificant(0.000123456)).toBe(0.0001235);
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('mergeRepeatedSamples', () => {
  it('keeps one sample per coordinates with the median time, sorted by coordinates', () => {
    const merged = mergeRepeatedSamples([
      [4096, 3.3655],
      [2048, 1.694],
      [4096, 3.324],
      [1, 0.1],
    ]);
    expect(merged).toEqual([
      [1, 0.1],
      [2048, 1.694],
      [4096, (3.3655 + 3.324) / 2],
    ]);
  });

  it('sorts multi-dimensional coordinates lexicographically', () => {
    expect(
      mergeRepeatedSamples([
        [0, 5, 1],
        [0, 2, 2],
        [1, 0, 3],
      ]),
    ).toEqual([
      [0, 2, 2],
      [0, 5, 1],
      [1, 0, 3],
    ]);
  });
});
