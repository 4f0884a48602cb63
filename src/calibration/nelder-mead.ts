/**
 * @module A deterministic Nelder–Mead minimiser for the few-parameter fits of the calibration:
 * no randomness and a fixed iteration budget, so the same data always gives the same constants.
 */

export interface MinimizeOptions {
  /** Relative size of the first simplex's steps along each axis (of |x| or 1 when x is 0). */
  readonly initialStep?: number;
  /** Stops when the simplex's values differ by less than this. */
  readonly valueTolerance?: number;
  readonly maxIterations?: number;
  /** Restarts from the best point with a fresh simplex, which escapes collapsed simplices. */
  readonly restarts?: number;
}

export interface MinimizeResult {
  readonly x: readonly number[];
  readonly value: number;
  readonly evaluations: number;
}

/** Minimises `objective` from `start` with the standard coefficients (1, 2, ½, ½). */
export function minimize(
  objective: (x: readonly number[]) => number,
  start: readonly number[],
  options: MinimizeOptions = {},
): MinimizeResult {
  const restarts = options.restarts ?? 2;
  let best: MinimizeResult = { x: start, value: objective(start), evaluations: 1 };
  let evaluations = 1;
  for (let round = 0; round <= restarts; round++) {
    const result = simplexSearch(objective, best.x, options);
    evaluations += result.evaluations;
    if (result.value <= best.value) best = { ...result, evaluations };
  }
  return { ...best, evaluations };
}

function simplexSearch(
  objective: (x: readonly number[]) => number,
  start: readonly number[],
  options: MinimizeOptions,
): MinimizeResult {
  const dimensions = start.length;
  const step = options.initialStep ?? 0.25;
  const tolerance = options.valueTolerance ?? 1e-10;
  const maxIterations = options.maxIterations ?? 400 * dimensions;
  let evaluations = 0;
  const evaluate = (x: number[]): number => {
    evaluations++;
    const value = objective(x);
    return Number.isNaN(value) ? Number.POSITIVE_INFINITY : value;
  };
  const points: number[][] = [start.slice()];
  for (let axis = 0; axis < dimensions; axis++) {
    const point = start.slice();
    const base = point[axis] as number;
    point[axis] = base + (base === 0 ? step : step * Math.abs(base));
    points.push(point);
  }
  const values = points.map(evaluate);
  const order = points.map((_, index) => index);

  for (let iteration = 0; iteration < maxIterations; iteration++) {
    // Ties keep the earlier index, so the search never depends on sort stability.
    order.sort((a, b) => (values[a] as number) - (values[b] as number) || a - b);
    const bestIndex = order[0] as number;
    const worstIndex = order[dimensions] as number;
    const secondWorstIndex = order[dimensions - 1] as number;
    const bestValue = values[bestIndex] as number;
    const worstValue = values[worstIndex] as number;
    if (Math.abs(worstValue - bestValue) <= tolerance * (1 + Math.abs(bestValue))) break;

    const centroid = new Array<number>(dimensions).fill(0);
    for (const index of order.slice(0, dimensions)) {
      const point = points[index] as number[];
      for (let axis = 0; axis < dimensions; axis++) {
        centroid[axis] = (centroid[axis] as number) + (point[axis] as number) / dimensions;
      }
    }
    const worst = points[worstIndex] as number[];
    const along = (factor: number): number[] =>
      centroid.map((c, axis) => c + factor * (c - (worst[axis] as number)));

    const reflected = along(1);
    const reflectedValue = evaluate(reflected);
    if (reflectedValue < bestValue) {
      const expanded = along(2);
      const expandedValue = evaluate(expanded);
      if (expandedValue < reflectedValue) {
        points[worstIndex] = expanded;
        values[worstIndex] = expandedValue;
      } else {
        points[worstIndex] = reflected;
        values[worstIndex] = reflectedValue;
      }
      continue;
    }
    if (reflectedValue < (values[secondWorstIndex] as number)) {
      points[worstIndex] = reflected;
      values[worstIndex] = reflectedValue;
      continue;
    }
    const outside = reflectedValue < worstValue;
    const contracted = along(outside ? 0.5 : -0.5);
    const contractedValue = evaluate(contracted);
    if (contractedValue < (outside ? reflectedValue : worstValue)) {
      points[worstIndex] = contracted;
      values[worstIndex] = contractedValue;
      continue;
    }
    const best = points[bestIndex] as number[];
    for (const index of order.slice(1)) {
      const point = points[index] as number[];
      points[index] = point.map(
        (value, axis) => (best[axis] as number) + 0.5 * (value - (best[axis] as number)),
      );
      values[index] = evaluate(points[index] as number[]);
    }
  }
  let bestIndex = 0;
  for (let index = 1; index < values.length; index++) {
    if ((values[index] as number) < (values[bestIndex] as number)) bestIndex = index;
  }
  return { x: points[bestIndex] as number[], value: values[bestIndex] as number, evaluations };
}
