/**
 * @module Measured against simulated (`bench --compare-sim`): the same vLLM metrics of a real run
 * and of its offline twin side by side with their differences, plus per-request timing errors
 * (each request's TTFT and E2EL against its own simulated ones). Pure.
 */

import { percentileOfSorted } from '../core/metrics/percentiles.js';
import { type BenchMetrics, type MetricSummary, percentileWord } from './bench-metrics.js';
import type { BenchRun } from './bench-types.js';
import { centred, LATENCY_METRICS } from './vllm-result.js';

/** One compared figure. */
export interface ComparedFigure {
  readonly label: string;
  readonly measured: number;
  readonly simulated: number;
}

/** Distribution of |simulated − measured| over requests, in milliseconds. */
export interface PerRequestError {
  readonly requests: number;
  /** Mean of simulated − measured (negative: the simulator is faster than the server). */
  readonly meanSignedMs: number;
  readonly medianAbsMs: number;
  readonly p90AbsMs: number;
  readonly p99AbsMs: number;
}

export interface SimComparison {
  readonly figures: readonly ComparedFigure[];
  readonly perRequest: { readonly ttft: PerRequestError; readonly e2el: PerRequestError };
}

function latencyFigures(name: string, measured: MetricSummary, simulated: MetricSummary) {
  return [
    { label: `Mean ${name} (ms)`, measured: measured.meanMs, simulated: simulated.meanMs },
    { label: `Median ${name} (ms)`, measured: measured.medianMs, simulated: simulated.medianMs },
    ...measured.percentilesMs.map((entry, index) => ({
      label: `P${percentileWord(entry.percentile)} ${name} (ms)`,
      measured: entry.valueMs,
      simulated: simulated.percentilesMs[index]?.valueMs ?? Number.NaN,
    })),
  ];
}

function perRequestError(
  measured: BenchRun,
  simulated: BenchRun,
  pick: (record: BenchRun['records'][number]) => number,
): PerRequestError {
  const simulatedByIndex = new Map(simulated.records.map((record) => [record.index, record]));
  const signed: number[] = [];
  for (const record of measured.records) {
    const twin = simulatedByIndex.get(record.index);
    if (!record.success || twin === undefined || !twin.success) continue;
    signed.push((pick(twin) - pick(record)) * 1000);
  }
  const absolute = Float64Array.from(signed, Math.abs).sort();
  const mean = signed.reduce((sum, value) => sum + value, 0) / signed.length;
  return {
    requests: signed.length,
    meanSignedMs: signed.length === 0 ? Number.NaN : mean,
    medianAbsMs: percentileOfSorted(absolute, 50),
    p90AbsMs: percentileOfSorted(absolute, 90),
    p99AbsMs: percentileOfSorted(absolute, 99),
  };
}

/** Compares the metrics of a run with those of its simulated twin (computed the same way). */
export function compareWithSimulation(
  measuredRun: BenchRun,
  measured: BenchMetrics,
  simulatedRun: BenchRun,
  simulated: BenchMetrics,
): SimComparison {
  const figures: ComparedFigure[] = [
    { label: 'Successful requests', measured: measured.completed, simulated: simulated.completed },
    {
      label: 'Benchmark duration (s)',
      measured: measured.durationS,
      simulated: simulated.durationS,
    },
    {
      label: 'Request throughput (req/s)',
      measured: measured.requestThroughput,
      simulated: simulated.requestThroughput,
    },
    {
      label: 'Output token throughput (tok/s)',
      measured: measured.outputThroughput,
      simulated: simulated.outputThroughput,
    },
    {
      label: 'Total token throughput (tok/s)',
      measured: measured.totalTokenThroughput,
      simulated: simulated.totalTokenThroughput,
    },
    ...LATENCY_METRICS.flatMap((metric) =>
      latencyFigures(metric.name, measured[metric.key], simulated[metric.key]),
    ),
  ];
  return {
    figures,
    perRequest: {
      ttft: perRequestError(measuredRun, simulatedRun, (record) => record.ttftS),
      e2el: perRequestError(measuredRun, simulatedRun, (record) => record.e2elS),
    },
  };
}

function cell(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : '-';
}

function relative(figure: ComparedFigure): string {
  if (!(figure.measured !== 0) || !Number.isFinite(figure.simulated)) return '-';
  const percent = ((figure.simulated - figure.measured) / figure.measured) * 100;
  return `${percent >= 0 ? '+' : ''}${percent.toFixed(1)}%`;
}

/** The side-by-side table printed after the benchmark's own. */
export function formatComparisonTable(comparison: SimComparison, heading: string): string {
  const width = 78;
  const line = (label: string, a: string, b: string, c: string, d: string) =>
    `${label.padEnd(34)}${a.padStart(11)}${b.padStart(11)}${c.padStart(11)}${d.padStart(11)}`;
  const lines = [
    centred(' Measured vs simulated ', '=', width),
    heading,
    line('', 'measured', 'simulated', 'sim-meas', 'relative'),
    ...comparison.figures.map((figure) =>
      line(
        `${figure.label}:`,
        cell(figure.measured),
        cell(figure.simulated),
        cell(figure.simulated - figure.measured),
        relative(figure),
      ),
    ),
    '-'.repeat(width),
    'Per request, simulated minus measured (ms):',
    line('', 'mean', 'median |x|', 'p90 |x|', 'p99 |x|'),
  ];
  for (const [name, error] of [
    ['TTFT', comparison.perRequest.ttft],
    ['E2EL', comparison.perRequest.e2el],
  ] as const) {
    lines.push(
      line(
        `${name} (${error.requests} requests):`,
        cell(error.meanSignedMs),
        cell(error.medianAbsMs),
        cell(error.p90AbsMs),
        cell(error.p99AbsMs),
      ),
    );
  }
  lines.push('='.repeat(width));
  return `${lines.map((text) => text.trimEnd()).join('\n')}\n`;
}

/** The comparison as JSON (snake_case keys, for `--json` and `--save-result`). */
export function comparisonJson(comparison: SimComparison, target: Record<string, unknown>) {
  const errorJson = (error: PerRequestError) => ({
    requests: error.requests,
    mean_signed_ms: error.meanSignedMs,
    median_abs_ms: error.medianAbsMs,
    p90_abs_ms: error.p90AbsMs,
    p99_abs_ms: error.p99AbsMs,
  });
  return {
    target,
    figures: comparison.figures.map((figure) => ({
      metric: figure.label,
      measured: figure.measured,
      simulated: figure.simulated,
    })),
    per_request: {
      ttft: errorJson(comparison.perRequest.ttft),
      e2el: errorJson(comparison.perRequest.e2el),
    },
  };
}
