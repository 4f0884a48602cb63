import { describe, expect, it } from 'vitest';
import { benchRecord, benchSettings } from '../../test/support/bench-runs.js';
import {
  benchMetrics,
  parseGoodput,
  parsePercentiles,
  summarizeSeconds,
  tpotOf,
} from './bench-metrics.js';
import type { BenchRequestRecord, BenchRun } from './bench-types.js';

const settings = benchSettings();
const record = benchRecord;

/**
 * Three successful requests and one failure, worked out by hand:
 * A sent at 0: TTFT 0.1, gaps 0.02 and 0.03, E2EL 0.15, 3 tokens → TPOT (0.15 − 0.1) / 2 = 0.025.
 * B sent at 0.5: TTFT 0.3, one gap 0.2, E2EL 0.5, 5 tokens by usage (chunks bundled) → TPOT 0.05.
 * C sent at 1.0: TTFT = E2EL = 0.2, 1 token → no TPOT (0 for goodput).
 */
const run: BenchRun = {
  settings,
  tokenizer: { name: 'llama3', exact: true },
  datasetDescription: 'hand-made',
  notes: [],
  planned: [],
  records: [
    record({
      index: 0,
      sendS: 0,
      ttftS: 0.1,
      itlS: [0.02, 0.03],
      e2elS: 0.15,
      outputTokens: 3,
      serverPromptTokens: 11,
    }),
    record({
      index: 1,
      sendS: 0.5,
      ttftS: 0.3,
      itlS: [0.2],
      e2elS: 0.5,
      outputTokens: 5,
      plannedInputTokens: 20,
    }),
    record({
      index: 2,
      sendS: 1.0,
      ttftS: 0.2,
      e2elS: 0.2,
      outputTokens: 1,
      serverPromptTokens: 31,
    }),
    record({
      index: 3,
      sendS: 1.1,
      success: false,
      error: 'HTTP 500: boom',
      plannedInputTokens: 99,
    }),
  ],
  startedAt: '2025-01-01T00:00:00.000Z',
  durationS: 2,
};

describe('benchMetrics', () => {
  const metrics = benchMetrics(run, {
    percentiles: [25, 90],
    goodput: { ttftMs: 250, tpotMs: 30 },
  });

  it('counts successful requests, their tokens and throughputs over the duration', () => {
    expect(metrics.completed).toBe(3);
    expect(metrics.failed).toBe(1);
    // The server's prompt count where it gave one, else the planned one; the failure not at all.
    expect(metrics.totalInputTokens).toBe(11 + 20 + 31);
    expect(metrics.totalOutputTokens).toBe(9);
    expect(metrics.requestThroughput).toBe(1.5);
    expect(metrics.outputThroughput).toBe(4.5);
    expect(metrics.totalTokenThroughput).toBe(35.5);
    expect(metrics.outputLens).toEqual([3, 5, 1, 0]);
    expect(metrics.inputLens).toEqual([11, 20, 31, 99]);
  });

  it('computes TTFT statistics with population std and interpolated percentiles', () => {
    expect(metrics.ttft.meanMs).toBeCloseTo(200, 9);
    expect(metrics.ttft.medianMs).toBeCloseTo(200, 9);
    expect(metrics.ttft.stdMs).toBeCloseTo(Math.sqrt(0.02 / 3) * 1000, 9);
    // numpy.percentile([0.1, 0.2, 0.3], 90) = 0.28; at 25: 0.15.
    expect(metrics.ttft.percentilesMs).toEqual([
      { percentile: 25, valueMs: expect.closeTo(150, 9) },
      { percentile: 90, valueMs: expect.closeTo(280, 9) },
    ]);
  });

  it('leaves the first token out of TPOT and skips single-token requests', () => {
    expect(tpotOf(run.records[0] as BenchRequestRecord)).toBeCloseTo(0.025, 12);
    expect(tpotOf(run.records[2] as BenchRequestRecord)).toBe(0);
    expect(metrics.tpot.meanMs).toBeCloseTo(37.5, 9);
    expect(metrics.tpot.stdMs).toBeCloseTo(12.5, 9);
  });

  it('pools the gaps of all requests for ITL and takes E2EL per request', () => {
    expect(metrics.itl.meanMs).toBeCloseTo(250 / 3, 9);
    expect(metrics.itl.medianMs).toBeCloseTo(30, 9);
    expect(metrics.e2el.meanMs).toBeCloseTo(850 / 3, 9);
  });

  it('counts goodput over requests meeting every SLO', () => {
    // A and C meet TTFT ≤ 250 ms and TPOT ≤ 30 ms (C's TPOT is 0); B's TTFT is 300 ms.
    expect(metrics.requestGoodput).toBe(1);
    const withE2el = benchMetrics(run, { percentiles: [], goodput: { e2elMs: 180 } });
    expect(withE2el.requestGoodput).toBe(0.5);
    expect(benchMetrics(run, { percentiles: [] }).requestGoodput).toBeNull();
  });

  it("finds the peak tokens in one second and the peak concurrency as vLLM's sweep does", () => {
    // Tokens at 0.1, 0.12, 0.15, 0.8 (second 0) and 1.0, 1.2 (second 1).
    expect(metrics.maxOutputTokensPerS).toBe(4);
    // B ends at 1.0 exactly when C starts: half-open intervals do not overlap.
    expect(metrics.maxConcurrentRequests).toBe(1);
    const overlapping: BenchRun = {
      ...run,
      records: [
        ...run.records,
        record({ index: 4, sendS: 0.1, ttftS: 0.1, e2elS: 0.5, outputTokens: 1 }),
      ],
    };
    expect(benchMetrics(overlapping, { percentiles: [] }).maxConcurrentRequests).toBe(2);
  });

  it('reports zeros, as NumPy does on `[] or 0`, when every request failed', () => {
    const allFailed = benchMetrics(
      { ...run, records: [run.records[3] as BenchRequestRecord] },
      {
        percentiles: [99],
      },
    );
    expect(allFailed.completed).toBe(0);
    expect(allFailed.ttft).toEqual({
      meanMs: 0,
      medianMs: 0,
      stdMs: 0,
      percentilesMs: [{ percentile: 99, valueMs: 0 }],
    });
    expect(allFailed.maxConcurrentRequests).toBe(0);
  });
});

describe('summarizeSeconds', () => {
  it("interpolates percentiles linearly like numpy.percentile's default", () => {
    const summary = summarizeSeconds([0.004, 0.001, 0.003, 0.002], [50, 99, 0, 100]);
    // numpy.percentile([1, 2, 3, 4], [50, 99, 0, 100]) = [2.5, 3.97, 1, 4]
    expect(summary.percentilesMs.map((entry) => entry.valueMs)).toEqual([
      expect.closeTo(2.5, 9),
      expect.closeTo(3.97, 9),
      expect.closeTo(1, 9),
      expect.closeTo(4, 9),
    ]);
    expect(summary.stdMs).toBeCloseTo(Math.sqrt(1.25), 9);
  });
});

describe('flag parsers', () => {
  it("reads vLLM's goodput pairs and refuses unknown metrics and negative values", () => {
    expect(parseGoodput(['ttft:200', 'tpot:50.5', 'e2el:0'])).toEqual({
      ttftMs: 200,
      tpotMs: 50.5,
      e2elMs: 0,
    });
    expect(() => parseGoodput(['itl:5'])).toThrow(/ttft, tpot, e2el/);
    expect(() => parseGoodput(['ttft:-1'])).toThrow(/non-negative/);
    expect(() => parseGoodput(['ttft'])).toThrow(/KEY:VALUE/);
  });

  it('reads percentile lists', () => {
    expect(parsePercentiles('50,90,99.9')).toEqual([50, 90, 99.9]);
    expect(() => parsePercentiles('50,101')).toThrow(/0\.\.100/);
    expect(() => parsePercentiles('50,,90')).toThrow(/--percentiles/);
  });
});
