import { describe, expect, it } from 'vitest';
import { TimeSeriesBins, type TimeSeriesPoint, thinTimeSeries } from './time-series-bins.js';

function rows(count: number): TimeSeriesPoint[] {
  return Array.from({ length: count }, (_, second) => ({
    timeS: second,
    generationTokensPerS: second * 10,
    running: second % 3,
    kvUsage: 0.5,
  }));
}

describe('TimeSeriesBins', () => {
  it('passes rows through while they fit', () => {
    const bins = new TimeSeriesBins(4);
    for (const row of rows(3)) bins.add(row);
    expect(bins.points()).toEqual(rows(3));
    expect(bins.rowsPerPoint).toBe(1);
  });

  it('halves the resolution when full, each point the mean of its rows', () => {
    const bins = new TimeSeriesBins(4);
    for (const row of rows(5)) bins.add(row);
    // Rows 0–3 filled four points, merged to two of two rows; row 4 opened a third.
    expect(bins.rowsPerPoint).toBe(2);
    expect(bins.points()).toEqual([
      { timeS: 0, generationTokensPerS: 5, running: 0.5, kvUsage: 0.5 },
      { timeS: 2, generationTokensPerS: 25, running: 1, kvUsage: 0.5 },
      { timeS: 4, generationTokensPerS: 40, running: 1, kvUsage: 0.5 },
    ]);
  });

  it('stays within the bound and keeps the total for any length', () => {
    for (const length of [1, 7, 8, 9, 100, 1000, 4097]) {
      const bins = new TimeSeriesBins(8);
      for (const row of rows(length)) bins.add(row);
      const points = bins.points();
      expect(points.length).toBeLessThanOrEqual(8);
      expect(points[0]?.timeS).toBe(0);
      // Each closed point holds rowsPerPoint rows, the last the remainder: sums come back.
      const closedRows = (points.length - 1) * bins.rowsPerPoint;
      const total = points.reduce(
        (sum, point, index) =>
          sum +
          (point.generationTokensPerS as number) *
            (index < points.length - 1 ? bins.rowsPerPoint : length - closedRows),
        0,
      );
      expect(total).toBeCloseTo((10 * length * (length - 1)) / 2, 6);
    }
  });

  it('leaves a field absent when no row carries it, and skips non-finite values', () => {
    const bins = new TimeSeriesBins(4);
    bins.add({ timeS: 0, waiting: Number.NaN });
    bins.add({ timeS: 1, waiting: 4 });
    expect(bins.points()).toEqual([{ timeS: 0 }, { timeS: 1, waiting: 4 }]);
  });

  it('rejects an odd bound', () => {
    expect(() => new TimeSeriesBins(5)).toThrow(RangeError);
  });
});

describe('thinTimeSeries', () => {
  it('returns short series unchanged and thins long ones within the bound', () => {
    const short = rows(10);
    expect(thinTimeSeries(short, 10).points).toBe(short);
    const thinned = thinTimeSeries(rows(5000), 501);
    expect(thinned.points.length).toBeLessThanOrEqual(501);
    expect(thinned.points.length).toBeGreaterThan(250);
    expect(thinned.rowsPerPoint).toBe(16);
  });
});
