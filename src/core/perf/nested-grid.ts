/**
 * @module Interpolation over scattered multi-dimensional timing samples that are organised as a
 * tree of grids: the samples are grouped by their value on the first axis, each group by its value
 * on the second, and so on. A lookup brackets the query on the first axis among the values that
 * were measured, evaluates each bracketing group recursively, and blends the two results with the
 * 1-D rule of `interpolation.ts` (clamp below, blend between, linear above). The measured grids need
 * not be complete Cartesian products: a union of grids with different spacings, or a grid with
 * some samples held out, is handled by bracketing with whatever neighbours each group has.
 */

import {
  blend,
  extrapolateAbove,
  extrapolationAnchor,
  type InterpolationScale,
  sortedUnique,
  upperBound,
} from './interpolation.js';

/** One sample: its coordinates (in the grid's coordinate order) and its time. */
export interface GridSample {
  readonly coordinates: readonly number[];
  readonly timeUs: number;
}

interface GridNode {
  /** Ascending values of this node's axis that have samples under them. */
  readonly values: Float64Array;
  /** Index into `values` that the slope beyond the largest value is measured from. */
  readonly anchor: number;
  /** Sub-grids, one per value (inner axes). */
  readonly children: readonly GridNode[];
  /** Times, one per value (last axis). */
  readonly timesUs: Float64Array;
}

/** See the module comment. Lookups allocate nothing. */
export class NestedGrid {
  /** Number of coordinates of a sample. */
  readonly dimensions: number;
  /** Smallest and largest measured value on each axis, in the caller's coordinate order. */
  readonly minimums: readonly number[];
  readonly maximums: readonly number[];
  private readonly root: GridNode;
  /** Blend rule of each tree level. */
  private readonly scales: readonly InterpolationScale[];
  /** Coordinate index the tree's level `depth` splits on. */
  private readonly axisOrder: readonly number[];
  private readonly query: Float64Array;
  private readonly logQuery: Float64Array;

  /**
   * @param axisOrder which coordinate each tree level splits on, outermost first (a permutation of
   *   0..dimensions−1; default in coordinate order). Put the axis whose measured values differ most
   *   between the sub-grids outermost.
   * @param scale blend rule of every axis, or one per coordinate (in coordinate order).
   */
  constructor(
    samples: readonly GridSample[],
    options: {
      readonly scale?: InterpolationScale | readonly InterpolationScale[];
      readonly axisOrder?: readonly number[];
    } = {},
  ) {
    const first = samples[0];
    if (first === undefined) throw new RangeError('a nested grid needs at least one sample');
    const dimensions = first.coordinates.length;
    if (dimensions === 0) throw new RangeError('a nested grid needs at least one axis');
    const axisOrder = options.axisOrder ?? Array.from({ length: dimensions }, (_, index) => index);
    const seen = new Set(axisOrder);
    if (axisOrder.length !== dimensions || seen.size !== dimensions) {
      throw new RangeError(
        `axis order ${axisOrder.join(',')} is not a permutation of ${dimensions} axes`,
      );
    }
    for (const axis of axisOrder) {
      if (!Number.isInteger(axis) || axis < 0 || axis >= dimensions) {
        throw new RangeError(`axis order ${axisOrder.join(',')} names a missing axis`);
      }
    }
    const minimums = new Array<number>(dimensions).fill(Number.POSITIVE_INFINITY);
    const maximums = new Array<number>(dimensions).fill(Number.NEGATIVE_INFINITY);
    for (const sample of samples) {
      if (sample.coordinates.length !== dimensions) {
        throw new RangeError(
          `sample has ${sample.coordinates.length} coordinates, expected ${dimensions}`,
        );
      }
      for (let axis = 0; axis < dimensions; axis++) {
        const value = sample.coordinates[axis] as number;
        if (!Number.isFinite(value)) throw new RangeError(`non-finite coordinate ${value}`);
        if (value < (minimums[axis] as number)) minimums[axis] = value;
        if (value > (maximums[axis] as number)) maximums[axis] = value;
      }
    }
    this.dimensions = dimensions;
    this.minimums = minimums;
    this.maximums = maximums;
    const scale = options.scale ?? 'linear';
    if (typeof scale !== 'string' && scale.length !== dimensions) {
      throw new RangeError(`${scale.length} scales for ${dimensions} axes`);
    }
    this.scales = axisOrder.map((axis) =>
      typeof scale === 'string' ? scale : (scale[axis] as InterpolationScale),
    );
    this.axisOrder = axisOrder;
    this.root = buildNode(samples, axisOrder, 0);
    this.query = new Float64Array(dimensions);
    this.logQuery = new Float64Array(dimensions);
  }

  /** Interpolated time (µs) at `coordinates` (in the caller's coordinate order). */
  at(coordinates: ArrayLike<number>): number {
    for (let depth = 0; depth < this.dimensions; depth++) {
      const value = coordinates[this.axisOrder[depth] as number] as number;
      this.query[depth] = value;
      if (this.scales[depth] === 'log-log') {
        this.logQuery[depth] = value > 0 ? Math.log(value) : Number.NaN;
      }
    }
    return this.evaluate(this.root, 0);
  }

  /** Whether the samples vary along `axis` (a single measured value means that dimension is absent). */
  varies(axis: number): boolean {
    return (this.maximums[axis] as number) > (this.minimums[axis] as number);
  }

  private evaluate(node: GridNode, depth: number): number {
    const values = node.values;
    const last = values.length - 1;
    const x = this.query[depth] as number;
    const leaf = depth === this.dimensions - 1;
    if (last === 0 || x <= (values[0] as number)) return this.valueAt(node, leaf, depth, 0);
    if (x >= (values[last] as number)) {
      const anchor = node.anchor;
      return extrapolateAbove(
        x,
        values[anchor] as number,
        this.valueAt(node, leaf, depth, anchor),
        values[last] as number,
        this.valueAt(node, leaf, depth, last),
      );
    }
    const i = upperBound(values, x) - 1;
    const x0 = values[i] as number;
    // On a measured value only that branch matters (common: no prior KV, decode counts of 2^k).
    if (x === x0) return this.valueAt(node, leaf, depth, i);
    const x1 = values[i + 1] as number;
    const t0 = this.valueAt(node, leaf, depth, i);
    const t1 = this.valueAt(node, leaf, depth, i + 1);
    if (this.scales[depth] === 'linear') return t0 + ((t1 - t0) * (x - x0)) / (x1 - x0);
    return blend('log-log', x, this.logQuery[depth] as number, x0, x1, t0, t1);
  }

  private valueAt(node: GridNode, leaf: boolean, depth: number, index: number): number {
    if (leaf) return node.timesUs[index] as number;
    return this.evaluate(node.children[index] as GridNode, depth + 1);
  }
}

function buildNode(
  samples: readonly GridSample[],
  axisOrder: readonly number[],
  depth: number,
): GridNode {
  const axis = axisOrder[depth] as number;
  if (depth === axisOrder.length - 1) {
    const sorted = sortedUnique(
      samples.map((sample) => sample.coordinates[axis] as number),
      samples.map((sample) => sample.timeUs),
    );
    return {
      values: sorted.points,
      anchor: extrapolationAnchor(sorted.points),
      children: [],
      timesUs: sorted.timesUs,
    };
  }
  const groups = new Map<number, GridSample[]>();
  for (const sample of samples) {
    const value = sample.coordinates[axis] as number;
    const group = groups.get(value);
    if (group) group.push(sample);
    else groups.set(value, [sample]);
  }
  const values = Float64Array.from(groups.keys()).sort();
  const children = Array.from(values, (value) =>
    buildNode(groups.get(value) as GridSample[], axisOrder, depth + 1),
  );
  return { values, anchor: extrapolationAnchor(values), children, timesUs: new Float64Array(0) };
}
