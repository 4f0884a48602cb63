import { describe, expect, it } from 'vitest';
import {
  errorSummary,
  formatTable,
  leastSquaresSlope,
  type MemorySample,
  memorySlopeMibPerMinute,
  mib,
  RequestTally,
} from './server-load-stats.js';

describe('RequestTally', () => {
  it('counts answered as ok plus failed, and lost as sent minus answered', () => {
    const tally = new RequestTally();
    for (let index = 0; index < 6; index++) tally.sent();
    tally.settle({ kind: 'ok' });
    tally.settle({ kind: 'ok' });
    tally.settle({ kind: 'failed', reason: 'HTTP 429: queue full' });
    tally.settle({ kind: 'failed', reason: 'HTTP 429: queue full' });
    tally.settle({ kind: 'lost', reason: 'other side closed' });
    // The sixth request is still in flight: it counts as lost until it settles.
    expect(tally.figures()).toEqual({
      sent: 6,
      answered: 4,
      ok: 2,
      failed: 2,
      lost: 2,
      reasons: [
        { kind: 'failed', reason: 'HTTP 429: queue full', count: 2 },
        { kind: 'lost', reason: 'other side closed', count: 1 },
      ],
    });
  });

  it('keeps a failure and a loss with the same reason apart', () => {
    const tally = new RequestTally();
    tally.sent();
    tally.sent();
    tally.settle({ kind: 'failed', reason: 'timed out after 1 s' });
    tally.settle({ kind: 'lost', reason: 'timed out after 1 s' });
    expect(
      tally
        .figures()
        .reasons.map((entry) => entry.kind)
        .sort(),
    ).toEqual(['failed', 'lost']);
  });
});

describe('errorSummary', () => {
  it('gives percentiles and max of magnitudes and the most negative signed value', () => {
    const summary = errorSummary([-3, 1, 2]);
    expect(summary).toEqual({
      count: 3,
      p50Ms: 2,
      p99Ms: expect.closeTo(2.98, 10),
      maxMs: 3,
      minSignedMs: -3,
    });
  });

  it('is NaN without values', () => {
    const summary = errorSummary([]);
    expect(summary.count).toBe(0);
    expect(summary.p50Ms).toBeNaN();
    expect(summary.maxMs).toBeNaN();
    expect(summary.minSignedMs).toBeNaN();
  });
});

describe('leastSquaresSlope', () => {
  it('recovers the slope of points on a line', () => {
    const points = [0, 1, 2, 5].map((x) => ({ x, y: 2 * x + 1 }));
    expect(leastSquaresSlope(points)).toBeCloseTo(2, 12);
  });

  it('fits noisy points', () => {
    expect(
      leastSquaresSlope([
        { x: 0, y: 0 },
        { x: 1, y: 2 },
        { x: 2, y: 1 },
      ]),
    ).toBeCloseTo(0.5, 12);
  });

  it('is NaN with fewer than two distinct x', () => {
    expect(leastSquaresSlope([{ x: 1, y: 1 }])).toBeNaN();
    expect(
      leastSquaresSlope([
        { x: 1, y: 1 },
        { x: 1, y: 3 },
      ]),
    ).toBeNaN();
  });
});

describe('memorySlopeMibPerMinute', () => {
  const mebibyte = 2 ** 20;
  it('fits the second half only, in MiB per minute', () => {
    // A start-up jump in the first half, then growth of 1 MiB per 10 s = 6 MiB per minute.
    const samples: MemorySample[] = Array.from({ length: 8 }, (_, index) => ({
      elapsedS: index * 10,
      rssBytes: (index < 4 ? 100 + index * 50 : 300 + index) * mebibyte,
      heapUsedBytes: index === 6 ? null : 50 * mebibyte,
    }));
    expect(memorySlopeMibPerMinute(samples, (sample) => sample.rssBytes)).toBeCloseTo(6, 9);
    // Samples without a value are left out; a flat series has slope 0.
    expect(memorySlopeMibPerMinute(samples, (sample) => sample.heapUsedBytes)).toBeCloseTo(0, 9);
  });
});

describe('formatting', () => {
  it('writes MiB with one decimal and a dash for unknown values', () => {
    expect(mib(3 * 2 ** 20 + 2 ** 19)).toBe('3.5');
    expect(mib(null)).toBe('-');
    expect(mib(Number.NaN)).toBe('-');
  });

  it('aligns the first column left and the others right', () => {
    expect(
      formatTable(
        ['name', 'n'],
        [
          ['a', '100'],
          ['longer', '2'],
        ],
      ),
    ).toBe('name      n\na       100\nlonger    2');
  });
});
