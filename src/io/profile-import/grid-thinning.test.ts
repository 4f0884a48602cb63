/**
 * @module Tests of the grid-thinning rules: small curves untouched, dense tokens kept, the budget
 * respected, the last point kept, and the quarter-octave grid's members.
 */

import { describe, expect, it } from 'vitest';
import { isOnQuarterOctaveGrid, thinCurvePoints } from './grid-thinning.js';

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe('thinCurvePoints', () => {
  it('keeps a curve that is already small enough', () => {
    expect(thinCurvePoints([1, 2, 8, 100], { maxPoints: 4 })).toEqual([1, 2, 8, 100]);
  });

  it('keeps every point up to 64, the last point, and at most maxPoints of a 1..2048 grid', () => {
    const kept = thinCurvePoints(range(1, 2048), { maxPoints: 128 });
    expect(kept.length).toBeLessThanOrEqual(128);
    expect(kept.slice(0, 64)).toEqual(range(1, 64));
    expect(kept[kept.length - 1]).toBe(2048);
    // Spacing above 64 is geometric: successive ratios stay close to one another.
    const ratios = kept.slice(70).map((point, index) => point / (kept[69 + index] as number));
    expect(Math.max(...ratios)).toBeLessThan(1.1);
    expect([...kept].sort((a, b) => a - b)).toEqual(kept);
  });

  it('depends only on the points, so two runs keep the same ones', () => {
    const points = range(1, 5000).filter((point) => point % 3 !== 0);
    expect(thinCurvePoints(points)).toEqual(thinCurvePoints([...points]));
  });

  it('spaces a grid with no dense part geometrically from its first point', () => {
    const sizes = range(0, 999).map((index) => 2048 + 8192 * index);
    const kept = thinCurvePoints(sizes, { maxPoints: 50, denseUpTo: 0 });
    expect(kept.length).toBeLessThanOrEqual(50);
    expect(kept[0]).toBe(2048);
    expect(kept[kept.length - 1]).toBe(sizes[sizes.length - 1]);
  });
});

describe('isOnQuarterOctaveGrid', () => {
  it('accepts four values per doubling and rejects the rest', () => {
    const members = range(1, 70).filter(isOnQuarterOctaveGrid);
    expect(members).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64,
    ]);
    expect(isOnQuarterOctaveGrid(65536)).toBe(true);
    expect(isOnQuarterOctaveGrid(14336)).toBe(true);
    expect(isOnQuarterOctaveGrid(0)).toBe(false);
    expect(isOnQuarterOctaveGrid(2.5)).toBe(false);
  });
});
