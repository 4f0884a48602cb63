/**
 * @module Thinning of a per-second time series to a bounded number of points, in one pass and
 * constant memory: a run of any length is drawn through at most `maxPoints` points. Each point is
 * the mean of a run of consecutive rows (rates stay rates, counts become mean counts); when the
 * points fill up, neighbours merge pairwise and the rows per point double.
 */

/** The series a report can draw; every field but `timeS` may be absent. */
export interface TimeSeriesPoint {
  /** Start of the interval, seconds since the run began. */
  readonly timeS: number;
  /** Prompt (prefill) tokens processed per second. */
  readonly promptTokensPerS?: number;
  /** Output tokens generated per second. */
  readonly generationTokensPerS?: number;
  /** Requests completed per second. */
  readonly requestsPerS?: number;
  /** Requests running (the batch), at the end of the interval. */
  readonly running?: number;
  /** Mean sequences per engine step (the batch size) over the interval. */
  readonly batchSize?: number;
  /** Requests waiting in the queue, at the end of the interval. */
  readonly waiting?: number;
  /** Fraction (0–1) of KV-cache blocks in use, at the end of the interval. */
  readonly kvUsage?: number;
}

/** The optional numeric fields of a point, in a fixed order. */
export const TIME_SERIES_FIELDS = [
  'promptTokensPerS',
  'generationTokensPerS',
  'requestsPerS',
  'running',
  'batchSize',
  'waiting',
  'kvUsage',
] as const;

export type TimeSeriesField = (typeof TIME_SERIES_FIELDS)[number];

/** Points kept by default: about one per pixel of a wide chart. */
export const DEFAULT_TIME_SERIES_POINTS = 720;

interface Bin {
  timeS: number;
  rows: number;
  /** Per field: sum and count of the rows that carry it. */
  sums: number[];
  counts: number[];
}

function emptyBin(timeS: number): Bin {
  return {
    timeS,
    rows: 0,
    sums: TIME_SERIES_FIELDS.map(() => 0),
    counts: TIME_SERIES_FIELDS.map(() => 0),
  };
}

function mergeInto(target: Bin, source: Bin): void {
  target.rows += source.rows;
  for (let field = 0; field < TIME_SERIES_FIELDS.length; field++) {
    target.sums[field] = (target.sums[field] as number) + (source.sums[field] as number);
    target.counts[field] = (target.counts[field] as number) + (source.counts[field] as number);
  }
}

/** Accumulates rows in time order; `points()` gives the thinned series so far. */
export class TimeSeriesBins {
  private readonly maxPoints: number;
  private readonly closed: Bin[] = [];
  private open: Bin | undefined;
  private rowsPerBin = 1;

  /** `maxPoints` must be even and ≥ 2 (pairs merge when the closed bins fill up). */
  constructor(maxPoints: number = DEFAULT_TIME_SERIES_POINTS) {
    if (!Number.isInteger(maxPoints) || maxPoints < 2 || maxPoints % 2 !== 0) {
      throw new RangeError(`maxPoints must be an even integer ≥ 2, got ${maxPoints}`);
    }
    this.maxPoints = maxPoints;
  }

  /** Consecutive input rows behind each point (a power of two). */
  get rowsPerPoint(): number {
    return this.rowsPerBin;
  }

  /** Adds the next row; non-finite values count as absent. */
  add(row: TimeSeriesPoint): void {
    const bin = this.open ?? emptyBin(row.timeS);
    this.open = bin;
    bin.rows++;
    TIME_SERIES_FIELDS.forEach((name, field) => {
      const value = row[name];
      if (value === undefined || !Number.isFinite(value)) return;
      bin.sums[field] = (bin.sums[field] as number) + value;
      bin.counts[field] = (bin.counts[field] as number) + 1;
    });
    if (bin.rows < this.rowsPerBin) return;
    this.closed.push(bin);
    this.open = undefined;
    if (this.closed.length < this.maxPoints) return;
    // Full: halve the resolution. closed.length is even here, so every bin finds a partner.
    const merged: Bin[] = [];
    for (let index = 0; index < this.closed.length; index += 2) {
      const first = this.closed[index] as Bin;
      mergeInto(first, this.closed[index + 1] as Bin);
      merged.push(first);
    }
    this.closed.splice(0, this.closed.length, ...merged);
    this.rowsPerBin *= 2;
  }

  /** The series so far: at most `maxPoints` points, each the mean of its rows. */
  points(): TimeSeriesPoint[] {
    const bins = this.open === undefined ? this.closed : [...this.closed, this.open];
    return bins.map((bin) => {
      const point: { -readonly [K in keyof TimeSeriesPoint]: TimeSeriesPoint[K] } = {
        timeS: bin.timeS,
      };
      TIME_SERIES_FIELDS.forEach((name, field) => {
        const count = bin.counts[field] as number;
        if (count > 0) point[name] = (bin.sums[field] as number) / count;
      });
      return point;
    });
  }
}

/**
 * `rows` thinned to at most `maxPoints` (≥ 2) points: the rows themselves when there are that few,
 * else means of runs of `rowsPerPoint` consecutive rows.
 */
export function thinTimeSeries(
  rows: readonly TimeSeriesPoint[],
  maxPoints: number = DEFAULT_TIME_SERIES_POINTS,
): { readonly points: readonly TimeSeriesPoint[]; readonly rowsPerPoint: number } {
  if (rows.length <= maxPoints) return { points: rows, rowsPerPoint: 1 };
  const bins = new TimeSeriesBins(Math.max(2, maxPoints - (maxPoints % 2)));
  for (const row of rows) bins.add(row);
  return { points: bins.points(), rowsPerPoint: bins.rowsPerPoint };
}
