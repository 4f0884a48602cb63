import { describe, expect, it } from 'vitest';
import { benchRecord, benchRun } from '../../test/support/bench-runs.js';
import { benchMetrics } from './bench-metrics.js';
import type { BenchRequestRecord, BenchRun } from './bench-types.js';
import { compareWithSimulation, comparisonJson, formatComparisonTable } from './sim-comparison.js';

function record(index: number, ttftS: number, e2elS: number): BenchRequestRecord {
  return benchRecord({
    index,
    arrivalS: index,
    sendS: index,
    serverPromptTokens: 11,
    outputTokens: 3,
    ttftS,
    itlS: [(e2elS - ttftS) / 2, (e2elS - ttftS) / 2],
    e2elS,
  });
}

function runOf(records: BenchRequestRecord[]): BenchRun {
  return benchRun(records, { durationS: 4 });
}

describe('compareWithSimulation', () => {
  const measured = runOf([record(0, 0.1, 0.5), record(1, 0.2, 0.6), record(2, 0.3, 0.9)]);
  // The simulator is 10 ms early on TTFT for every request, and on E2EL by 0, 20 and 40 ms.
  const simulated = runOf([record(0, 0.09, 0.5), record(1, 0.19, 0.58), record(2, 0.29, 0.86)]);
  const options = { percentiles: [50, 99] };
  const comparison = compareWithSimulation(
    measured,
    benchMetrics(measured, options),
    simulated,
    benchMetrics(simulated, options),
  );

  it('pairs requests by index for per-request errors', () => {
    expect(comparison.perRequest.ttft.requests).toBe(3);
    expect(comparison.perRequest.ttft.meanSignedMs).toBeCloseTo(-10, 9);
    expect(comparison.perRequest.ttft.medianAbsMs).toBeCloseTo(10, 9);
    expect(comparison.perRequest.e2el.meanSignedMs).toBeCloseTo(-20, 9);
    expect(comparison.perRequest.e2el.medianAbsMs).toBeCloseTo(20, 9);
    expect(comparison.perRequest.e2el.p99AbsMs).toBeCloseTo(39.6, 9);
  });

  it('lists the same figures for both runs', () => {
    const mean = comparison.figures.find((figure) => figure.label === 'Mean TTFT (ms)');
    expect(mean?.measured).toBeCloseTo(200, 9);
    expect(mean?.simulated).toBeCloseTo(190, 9);
    expect(comparison.figures.map((figure) => figure.label)).toContain('P99 E2EL (ms)');
  });

  it('prints differences with their sign, and writes JSON', () => {
    const table = formatComparisonTable(comparison, 'heading');
    expect(table).toMatch(/Mean TTFT \(ms\):\s+200\.00\s+190\.00\s+-10\.00\s+-5\.0%/);
    const json = comparisonJson(comparison, { source: 'server' });
    expect(json.per_request.ttft.mean_signed_ms).toBeCloseTo(-10, 9);
    expect(json.figures.length).toBe(comparison.figures.length);
  });
});
