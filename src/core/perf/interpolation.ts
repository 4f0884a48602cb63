/**
 * @module Interpolation of measured kernel timings: the rule between two measured points
 * (piecewise-linear, or a power law through both in log–log space; linear measured better on the
 * shipped profiles, see the defaults in `profile-tables.ts`), the rule beyond the measured range
 * (clamp below the smallest point, grow linearly in the coordinate above the largest), and a 1-D
 * curve precomputed for fast lookups. `nested-grid.ts` applies the same rules axis by axis.
 */

/**
 * How to blend two measured neighbours: `linear` in time and coordinate, or `log-log` (a power law
 * through both points). Segments that start at coordinate 0, or touch a non-positive time, are
 * always linear because a logarithm is undefined there.
 */
export type InterpolationScale = 'linear' | 'log-log';

/**
 * Time at `x` between measured points (x0, t0) and (x1, t1) with x0 < x1, x0 ≤ x ≤ x1.
 * `logX` is ln x, passed in so callers that blend many pairs at one coordinate take it once.
 */
export function blend(
  scale: InterpolationScale,
  x: number,
  logX: number,
  x0: number,
  x1: number,
  t0: number,
  t1: number,
): number {
  if (x <= x0) return t0;
  if (x >= x1) return t1;
  if (scale === 'log-log' && x0 > 0 && t0 > 0 && t1 > 0) {
    const logX0 = Math.log(x0);
    const fraction = (logX - logX0) / (Math.log(x1) - logX0);
    return t0 * Math.exp(fraction * Math.log(t1 / t0));
  }
  return t0 + ((t1 - t0) * (x - x0)) / (x1 - x0);
}

/**
 * Index of the point the slope beyond the grid is measured from: the largest coordinate at most
 * half of the last one (the secant over the upper half of the range is far less noisy than the
 * last short segment: `tokens` grids step by 16 near 2048), or the first point when none is that
 * small.
 */
export function extrapolationAnchor(points: ArrayLike<number>): number {
  const last = points.length - 1;
  const half = (points[last] as number) / 2;
  let anchor = Math.min(last - 1, upperBound(points, half) - 1);
  if (anchor < 0) anchor = 0;
  return anchor;
}

/**
 * Time beyond the last measured point: linear growth at the non-negative secant slope from the
 * anchor point, since past the grid kernels are throughput-bound and their work grows linearly.
 */
export function extrapolateAbove(
  x: number,
  anchorX: number,
  anchorT: number,
  lastX: number,
  lastT: number,
): number {
  if (lastX <= anchorX) return lastT;
  const slope = Math.max(0, (lastT - anchorT) / (lastX - anchorX));
  return lastT + slope * (x - lastX);
}

/** Number of entries of ascending `values` that are ≤ `x` (binary search). */
export function upperBound(values: ArrayLike<number>, x: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] as number) <= x) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Sorts (coordinate, time) pairs and merges repeated coordinates by their mean, so lookups can
 * assume strictly increasing coordinates.
 */
export function sortedUnique(
  points: readonly number[],
  timesUs: readonly number[],
): { readonly points: Float64Array; readonly timesUs: Float64Array } {
  if (points.length !== timesUs.length) {
    throw new RangeError(`${points.length} points but ${timesUs.length} times`);
  }
  const order = points
    .map((_, index) => index)
    .sort((a, b) => (points[a] as number) - (points[b] as number));
  const xs: number[] = [];
  const ts: number[] = [];
  let runCount = 0;
  for (const index of order) {
    const x = points[index] as number;
    const t = timesUs[index] as number;
    if (!Number.isFinite(x) || !Number.isFinite(t)) {
      throw new RangeError(`non-finite timing sample (${x}, ${t})`);
    }
    const lastIndex = xs.length - 1;
    if (lastIndex >= 0 && xs[lastIndex] === x) {
      runCount++;
      ts[lastIndex] = (ts[lastIndex] as number) + (t - (ts[lastIndex] as number)) / runCount;
    } else {
      xs.push(x);
      ts.push(t);
      runCount = 1;
    }
  }
  return { points: Float64Array.from(xs), timesUs: Float64Array.from(ts) };
}

/**
 * A measured 1-D timing curve ready for lookups: clamped below the first point, blended between
 * points, linear beyond the last. Precomputes everything that does not depend on the query.
 */
export class TimingCurveInterpolator {
  readonly points: Float64Array;
  readonly timesUs: Float64Array;
  private readonly scale: InterpolationScale;
  /** Per segment i (points i → i+1): exponent of the power law, or NaN where it is linear. */
  private readonly exponents: Float64Array;
  private readonly logPoints: Float64Array;
  private readonly anchorX: number;
  private readonly anchorT: number;

  constructor(
    points: readonly number[],
    timesUs: readonly number[],
    scale: InterpolationScale = 'linear',
  ) {
    const sorted = sortedUnique(points, timesUs);
    if (sorted.points.length === 0) throw new RangeError('a timing curve needs at least one point');
    this.points = sorted.points;
    this.timesUs = sorted.timesUs;
    this.scale = scale;
    const count = this.points.length;
    this.logPoints = this.points.map((x) => (x > 0 ? Math.log(x) : Number.NaN));
    this.exponents = new Float64Array(Math.max(0, count - 1));
    for (let i = 0; i + 1 < count; i++) {
      const x0 = this.points[i] as number;
      const t0 = this.timesUs[i] as number;
      const t1 = this.timesUs[i + 1] as number;
      this.exponents[i] =
        scale === 'log-log' && x0 > 0 && t0 > 0 && t1 > 0
          ? Math.log(t1 / t0) / ((this.logPoints[i + 1] as number) - (this.logPoints[i] as number))
          : Number.NaN;
    }
    const anchor = extrapolationAnchor(this.points);
    this.anchorX = this.points[anchor] as number;
    this.anchorT = this.timesUs[anchor] as number;
  }

  /** Interpolated time (µs) at coordinate `x`. */
  at(x: number): number {
    const points = this.points;
    const times = this.timesUs;
    const last = points.length - 1;
    if (x <= (points[0] as number)) return times[0] as number;
    if (x >= (points[last] as number)) {
      return extrapolateAbove(
        x,
        this.anchorX,
        this.anchorT,
        points[last] as number,
        times[last] as number,
      );
    }
    const i = upperBound(points, x) - 1;
    const x0 = points[i] as number;
    const t0 = times[i] as number;
    const exponent = this.exponents[i] as number;
    if (this.scale === 'log-log' && !Number.isNaN(exponent)) {
      return t0 * Math.exp(exponent * (Math.log(x) - (this.logPoints[i] as number)));
    }
    const x1 = points[i + 1] as number;
    return t0 + (((times[i + 1] as number) - t0) * (x - x0)) / (x1 - x0);
  }

  /** Smallest and largest measured coordinate. */
  get range(): readonly [number, number] {
    return [this.points[0] as number, this.points[this.points.length - 1] as number];
  }
}
