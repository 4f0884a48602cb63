/**
 * @module Tests of the validation runner on small hand-made rows: statuses (scored, calibration,
 * skipped, error), what the statistics include, static-batch and sweep semantics, the time series
 * of a trace replay, filters, and the text report's columns.
 */

import { describe, expect, it } from 'vitest';
import { thrown } from '../../test/support/thrown.js';
import { engineOptionsSchema } from '../config/engine-options.js';
import { InvalidConfigError } from '../errors.js';
import { loadScenarios, SCENARIO_DIRECTORY } from './scenario-catalog.js';
import { engineInput, fitLine } from './scenario-runner.js';
import type { ScenarioRow } from './scenario-schema.js';
import { formatNumber, formatValidationReport } from './text-report.js';
import { runValidation } from './validation-runner.js';

const source = { code: 'S1', what: 'test', where: 'here' };

function loaded(row: Record<string, unknown>) {
  return { row: row as unknown as ScenarioRow, source, file: '/x/test.json', directory: '/x' };
}

const setup = {
  model: 'meta-llama/Llama-3.1-8B',
  hardware: 'H100',
  tp: 1,
  pp: 1,
  dtype: 'bfloat16',
  kvCacheDtype: 'auto',
  engine: 'vllm',
};

const staticBatch = loaded({
  id: 'T-static',
  category: 'max-throughput',
  source: 'S1',
  setup,
  workload: { kind: 'static-batch', batchSize: 4, inputTokens: 128, outputTokens: 16 },
  measured: [
    { metric: 'ttft', statistic: 'median', value: 10, unit: 'ms' },
    { metric: 'ttft', statistic: 'p99', value: 10, unit: 'ms' },
    { metric: 'outputThroughput', statistic: 'total', value: 1000, unit: 'tok/s' },
  ],
  usedForCalibration: false,
});

const sweep = loaded({
  id: 'T-sweep',
  category: 'batch-1',
  source: 'S1',
  setup,
  workload: { kind: 'batch-1-sweep', inputTokens: [256, 8192], outputTokens: 32 },
  measured: [
    { metric: 'itlIntercept', statistic: 'fit', value: 6, unit: 'ms' },
    { metric: 'itlSlope', statistic: 'fit', value: 5e-5, unit: 'ms/token' },
  ],
  usedForCalibration: true,
});

const tooBig = loaded({
  id: 'T-too-big',
  category: 'max-throughput',
  source: 'S1',
  setup,
  workload: { kind: 'static-batch', batchSize: 256, inputTokens: 512, outputTokens: 4096 },
  measured: [{ metric: 'outputThroughput', statistic: 'total', value: 1000, unit: 'tok/s' }],
  usedForCalibration: false,
});

const doesNotFit = loaded({
  id: 'T-no-fit',
  category: 'batch-1',
  source: 'S1',
  setup: { ...setup, model: 'meta-llama/Llama-3.1-70B', hardware: 'L4' },
  workload: { kind: 'static-batch', batchSize: 1, inputTokens: 128 },
  measured: [{ metric: 'ttft', statistic: 'mean', value: 100, unit: 'ms' }],
  usedForCalibration: false,
});

const skipped = loaded({
  id: 'T-skip',
  category: 'batch-1',
  source: 'S1',
  skip: 'an engine we do not simulate',
  setup: { model: 'Llama-3-8B F16', hardware: 'RTX 4080', engine: 'llama.cpp' },
});

const scenarios = [staticBatch, sweep, tooBig, doesNotFit, skipped];

describe('runValidation', () => {
  const report = runValidation({ costModel: 'analytical', seed: 0, scenarios });
  const byId = new Map(report.rows.map((row) => [row.id, row]));

  it('gives every row a status and counts them', () => {
    expect(report.rows.map((row) => [row.id, row.status])).toEqual([
      ['T-static', 'scored'],
      ['T-sweep', 'calibration'],
      ['T-too-big', 'error'],
      ['T-no-fit', 'error'],
      ['T-skip', 'skipped'],
    ]);
    expect(report.counts).toEqual({ rows: 5, scored: 1, calibration: 1, skipped: 1, error: 2 });
    expect(byId.get('T-skip')?.reason).toBe('an engine we do not simulate');
    expect(byId.get('T-too-big')?.reason).toMatch(
      /^a static batch of 256 x 4608 tokens needs 1179648 KV-cache tokens; .* holds \d+$/,
    );
    expect(byId.get('T-no-fit')?.reason).toMatch(/does not fit on L4/);
  });

  it('scores only the scored rows, with signed errors against the published values', () => {
    const comparisons = byId.get('T-static')?.comparisons ?? [];
    expect(report.statistics.overall.count).toBe(comparisons.length);
    expect(report.statistics.overall.rows).toBe(1);
    expect(Object.keys(report.statistics.byCategory)).toEqual(['max-throughput']);
    expect(Object.keys(report.statistics.byHardware)).toEqual(['H100']);
    for (const comparison of comparisons) {
      expect(comparison.signedErrorPercent).toBeCloseTo(
        ((comparison.predicted - comparison.measured) / comparison.measured) * 100,
        9,
      );
    }
    const absolute = comparisons.map((comparison) => Math.abs(comparison.signedErrorPercent));
    expect(report.statistics.overall.meanAbsErrorPercent).toBeCloseTo(
      absolute.reduce((sum, value) => sum + value, 0) / absolute.length,
      9,
    );
  });

  it('runs a static batch as one prefill step: every first token at the same time', () => {
    const [median, p99, throughput] = byId.get('T-static')?.comparisons ?? [];
    expect(median?.predicted).toBeGreaterThan(0);
    expect(p99?.predicted).toBe(median?.predicted);
    // 4 × 16 tokens over the batch's latency, which is at least the prefill and 15 decode steps.
    expect(throughput?.predicted).toBeLessThan((4 * 16) / ((median?.predicted ?? 0) / 1000));
  });

  it('fits the sweep through the ITL at each input length', () => {
    const [intercept, slope] = byId.get('T-sweep')?.comparisons ?? [];
    expect(intercept?.predicted).toBeGreaterThan(1);
    expect(slope?.predicted).toBeGreaterThan(0);
    expect(report.statistics.byCategory['batch-1']).toBeUndefined();
  });

  it('refuses unknown filter values with the known ones', () => {
    const category = thrown(() =>
      runValidation({ costModel: 'analytical', seed: 0, scenarios, categories: ['burst'] }),
    );
    expect(category).toBeInstanceOf(InvalidConfigError);
    expect(category.message).toBe(
      "unknown --category 'burst'; known: trace-replay, max-throughput, latency-at-load, batch-1",
    );
    const id = thrown(() =>
      runValidation({ costModel: 'analytical', seed: 0, scenarios, ids: ['T-statc'] }),
    );
    expect(id.message).toMatch(/^unknown --id 'T-statc'; closest known: T-static/);
  });

  it('selects rows by category and by id (ids in any case)', () => {
    const selected = runValidation({
      costModel: 'analytical',
      seed: 0,
      scenarios,
      categories: ['batch-1'],
      ids: ['t-skip', 'T-static'],
    });
    expect(selected.rows.map((row) => row.id)).toEqual(['T-skip']);
  });

  it('prints every comparison, the reasons and the summary', () => {
    const text = formatValidationReport(report);
    expect(text).toMatch(/id\s+category\s+gpu\s+metric\s+unit\s+measured\s+predicted\s+error/);
    expect(text).toMatch(/T-static\s+max-throughput\s+1xH100\s+ttft median\s+ms\s+10\.00\s+/);
    expect(text).toMatch(/T-sweep\*\s+batch-1/);
    expect(text).toContain('T-skip: an engine we do not simulate');
    expect(text).toMatch(/T-too-big \(1xH100\): a static batch/);
    expect(text).toMatch(/overall\s+1\s+3\s+/);
  });
});

describe('trace replay', () => {
  it('compares the run latencies and keeps the per-second series', () => {
    const rows = loadScenarios(SCENARIO_DIRECTORY).filter(
      ({ row }) => row.id === 'vllm-RTXPRO6000-Llama-3.1-8B',
    );
    const report = runValidation({ costModel: 'analytical', seed: 0, scenarios: rows });
    const [row] = report.rows;
    expect(row?.status).toBe('scored');
    expect(
      row?.comparisons.map((comparison) => `${comparison.metric} ${comparison.statistic}`),
    ).toEqual([
      'ttft mean',
      'ttft median',
      'ttft p90',
      'ttft p99',
      'tpot mean',
      'tpot median',
      'tpot p90',
      'tpot p99',
      'e2eLatency mean',
      'e2eLatency median',
      'e2eLatency p90',
      'e2eLatency p99',
    ]);
    expect(row?.comparisons[0]?.measured).toBeCloseTo(7097.157, 2);
    const series = row?.timeSeries;
    expect(series?.measured.running).toHaveLength(67);
    expect(series?.predicted.running.length).toBeGreaterThan(30);
    for (const error of Object.values(series?.errorPercent ?? {})) {
      expect(Number.isFinite(error)).toBe(true);
    }
  });
});

describe('helpers', () => {
  it('fits a least-squares line', () => {
    expect(
      fitLine([
        { x: 0, y: 1 },
        { x: 2, y: 5 },
      ]),
    ).toEqual({ intercept: 1, slope: 2 });
    const noisy = fitLine([
      { x: 0, y: 0 },
      { x: 1, y: 2 },
      { x: 2, y: 2 },
    ]);
    expect(noisy.slope).toBeCloseTo(1, 12);
    expect(noisy.intercept).toBeCloseTo(1 / 3, 12);
  });

  it('formats numbers to four significant digits', () => {
    expect(formatNumber(28312)).toBe('28,312');
    expect(formatNumber(6.44)).toBe('6.440');
    expect(formatNumber(133)).toBe('133.0');
    expect(formatNumber(4.37e-5)).toBe('4.370e-5');
    expect(formatNumber(Number.NaN)).toBe('n/a');
  });
});

describe('engine of a row', () => {
  it('is passed to the deployment as the version preset itself', () => {
    for (const engine of [
      'vllm',
      'vllm-v0',
      'trtllm',
      'trtllm-bench',
      'sglang',
      'sglang-0.3',
    ] as const) {
      const input = engineInput(
        { ...setup, dtype: 'bfloat16', kvCacheDtype: 'auto', engine },
        'auto',
      );
      expect(input.engine).toBe(engine);
      expect(engineOptionsSchema.shape.engine.parse(input.engine)).toBe(engine);
    }
  });
});
