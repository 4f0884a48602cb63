import { describe, expect, it } from 'vitest';
import { type GridSample, NestedGrid } from './nested-grid.js';

/** Samples of `f` at every combination of the axis values. */
function gridOf(axes: readonly (readonly number[])[], f: (...x: number[]) => number): GridSample[] {
  let combinations: number[][] = [[]];
  for (const values of axes) {
    combinations = combinations.flatMap((prefix) => values.map((value) => [...prefix, value]));
  }
  return combinations.map((coordinates) => ({ coordinates, timeUs: f(...coordinates) }));
}

/** Multilinear in (a, b, c): reproduced exactly by tensor-product linear interpolation. */
const trilinear = (a: number, b: number, c: number) => 5 + 2 * a + 3 * b + 0.5 * a * b + c * a;

describe('NestedGrid', () => {
  const samples = gridOf(
    [
      [1, 2, 4, 8],
      [0, 10, 100],
      [1, 3],
    ],
    trilinear,
  );

  it('reproduces a multilinear function between grid points, in any axis order', () => {
    const orders = [
      [0, 1, 2],
      [2, 1, 0],
      [1, 2, 0],
    ];
    for (const axisOrder of orders) {
      const grid = new NestedGrid(samples, { axisOrder });
      for (const query of [
        [3, 55, 2],
        [1.5, 5, 1.2],
        [7, 99, 2.9],
      ]) {
        expect(grid.at(query)).toBeCloseTo(trilinear(...(query as [number, number, number])), 9);
      }
    }
  });

  it('clamps below the grid and grows linearly above it on each axis', () => {
    const grid = new NestedGrid(samples);
    expect(grid.at([0.5, 0, 1])).toBe(trilinear(1, 0, 1));
    // Above a = 8 the slope is taken from a = 4 (the largest value ≤ 8/2): still exact for a
    // function that is linear in a.
    expect(grid.at([16, 10, 1])).toBeCloseTo(trilinear(16, 10, 1), 9);
  });

  it('brackets with the neighbours each branch has when grids are ragged', () => {
    // A coarse grid on b for a ∈ {1, 4}, a fine one for a = 2: still exact for a function linear
    // in each coordinate, and missing samples (a hole at (2, 50)) just widen the bracket.
    const f = (a: number, b: number) => 1 + a + 2 * b + a * b;
    const ragged = [
      ...gridOf(
        [
          [1, 4],
          [0, 100],
        ],
        f,
      ),
      ...gridOf([[2], [0, 25, 75, 100]], f),
    ];
    const grid = new NestedGrid(ragged);
    expect(grid.at([2, 50])).toBeCloseTo(f(2, 50), 9);
    expect(grid.at([3, 60])).toBeCloseTo(f(3, 60), 9);
  });

  it('blends in log-log on the axes asked for', () => {
    const powerLaw = (a: number, b: number) => a ** 2 * (1 + b);
    const grid = new NestedGrid(
      gridOf(
        [
          [1, 4, 16],
          [0, 10],
        ],
        powerLaw,
      ),
      { scale: ['log-log', 'linear'] },
    );
    expect(grid.at([2, 5])).toBeCloseTo(powerLaw(2, 5), 9);
  });

  it('reports which axes were measured at more than one value', () => {
    const grid = new NestedGrid(gridOf([[16, 32], [0]], (a) => a));
    expect(grid.varies(0)).toBe(true);
    expect(grid.varies(1)).toBe(false);
    expect(grid.minimums).toEqual([16, 0]);
    expect(grid.maximums).toEqual([32, 0]);
  });

  it('refuses empty input, inconsistent samples and a bad axis order', () => {
    expect(() => new NestedGrid([])).toThrow(RangeError);
    expect(
      () =>
        new NestedGrid([
          { coordinates: [1, 2], timeUs: 1 },
          { coordinates: [1], timeUs: 1 },
        ]),
    ).toThrow(RangeError);
    expect(() => new NestedGrid(samples, { axisOrder: [0, 0, 1] })).toThrow(RangeError);
    expect(() => new NestedGrid(samples, { axisOrder: [0, 1] })).toThrow(RangeError);
  });
});
