/**
 * @module Fixed rules that thin dense measurement grids so the shipped profiles stay small. Each
 * rule looks only at a point's coordinates (never at the held-out split), so the same rows are
 * kept however often the import runs.
 */

/**
 * Most points a shipped token or collective curve keeps: with 1..64 all kept, the rest are spaced
 * about 5% apart up to 2048 tokens, finer than the curves bend, and the shipped profiles stay
 * under 4 MB.
 */
export const MAX_CURVE_POINTS = 128;
/** Token counts up to this are all kept: small batches are where decode steps live. */
export const DENSE_TOKEN_LIMIT = 64;

/**
 * The points of a sorted, duplicate-free curve to keep: every point up to `denseUpTo`, then the
 * point nearest (in log scale) to each of the remaining budget's geometrically spaced targets up
 * to the last point, which is always kept. Curves with at most `maxPoints` points are kept whole.
 */
export function thinCurvePoints(
  points: readonly number[],
  options: { readonly maxPoints?: number; readonly denseUpTo?: number } = {},
): number[] {
  const maxPoints = options.maxPoints ?? MAX_CURVE_POINTS;
  const denseUpTo = options.denseUpTo ?? DENSE_TOKEN_LIMIT;
  if (points.length <= maxPoints) return [...points];
  const kept = new Set(points.filter((point) => point <= denseUpTo));
  const sparse = points.filter((point) => point > denseUpTo);
  const last = points[points.length - 1] as number;
  const budget = maxPoints - kept.size - 1;
  const start = Math.max(denseUpTo, points[0] as number);
  if (budget > 0 && sparse.length > 0) {
    const logStart = Math.log(start);
    const logSpan = Math.log(last) - logStart;
    let cursor = 0;
    for (let step = 1; step <= budget; step++) {
      const target = logStart + (logSpan * step) / (budget + 1);
      // Targets ascend, so the nearest point never lies before the previous one.
      while (
        cursor + 1 < sparse.length &&
        Math.abs(Math.log(sparse[cursor + 1] as number) - target) <=
          Math.abs(Math.log(sparse[cursor] as number) - target)
      ) {
        cursor++;
      }
      kept.add(sparse[cursor] as number);
    }
  }
  kept.add(last);
  return [...kept].sort((a, b) => a - b);
}

/**
 * Whether a positive integer lies on the quarter-octave grid {2^k × m/4 : m = 4, 5, 6, 7}:
 * 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, …, so four values per doubling.
 */
export function isOnQuarterOctaveGrid(value: number): boolean {
  if (!Number.isInteger(value) || value < 1) return false;
  const octave = 2 ** Math.floor(Math.log2(value));
  const quarters = (value * 4) / octave;
  return Number.isInteger(quarters) && quarters >= 4 && quarters <= 7;
}
