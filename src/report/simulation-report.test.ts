import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../core/metrics/metrics-collector.js';
import { MetricsCollector } from '../core/metrics/metrics-collector.js';
import { renderRunReport } from './run-report.js';
import {
  SampleBuffer,
  SimulationRecorder,
  type SimulationSummary,
  simulationReport,
} from './simulation-report.js';

function record(id: number, tpotS = 0.02): RequestRecord {
  return {
    id: String(id),
    arrivalS: 0,
    inputTokens: 10,
    outputTokens: 5,
    queueS: 0,
    ttftS: 0.1 * id,
    tpotS,
    e2eS: 1 + 0.1 * id,
    preemptions: 0,
  };
}

const STATS = { mean: 1, p50: 2, p90: 3, p95: 4, p99: 5 };

const SUMMARY: SimulationSummary = {
  model: 'model-x',
  hardware: 'H100',
  tp: 2,
  pp: 1,
  gpus: 2,
  requests: { completed: 3, preempted: 0, preemptions: 0, rejected: 0 },
  duration_s: 4,
  throughput: {
    requests_per_s: 0.75,
    input_tokens_per_s: 7.5,
    output_tokens_per_s: 3.75,
    total_tokens_per_s: 11.25,
  },
  ttft_ms: { ...STATS, p50: 123.456 },
  tpot_ms: STATS,
  itl_ms: STATS,
  e2e_ms: STATS,
  queue_ms: STATS,
  kv_cache: { capacity_tokens: 1600, block_size: 16, total_blocks: 100, peak_usage: 0.5 },
  engine: { max_num_seqs: 256, chunked_prefill: true },
  workload: { description: 'synthetic', input_tokens: 30, output_tokens: 15 },
  simulator: { wall_s: 0.01, steps: 40 },
};

describe('SampleBuffer', () => {
  it('grows past its first capacity and keeps every value in order', () => {
    const buffer = new SampleBuffer();
    for (let index = 0; index < 5000; index++) buffer.push(index / 2);
    expect(buffer.length).toBe(5000);
    expect(buffer.view()[0]).toBe(0);
    expect(buffer.view()[4999]).toBe(2499.5);
    expect(buffer.view()).toHaveLength(5000);
  });
});

describe('SimulationRecorder', () => {
  it('keeps latencies, leaves out NaN TPOT, and counts completions into the next row', () => {
    const recorder = new SimulationRecorder();
    recorder.recordRequest(record(1));
    recorder.recordRequest(record(2, Number.NaN));
    recorder.recordTimeSeriesRow({
      second: 0,
      running: 3,
      waiting: 1,
      kvUsage: 0.25,
      promptTokensPerS: 100,
      generationTokensPerS: 50,
      steps: 10,
      meanBatchSize: 3.5,
    });
    recorder.recordRequest(record(3));
    recorder.recordTimeSeriesRow({
      second: 1,
      running: 0,
      waiting: 0,
      kvUsage: 0,
      promptTokensPerS: 0,
      generationTokensPerS: 5,
      steps: 0,
      meanBatchSize: 0,
    });
    const recording = recorder.recording();
    expect(Array.from(recording.ttftS)).toEqual([0.1, 0.2, 0.1 * 3]);
    expect(Array.from(recording.tpotS)).toEqual([0.02, 0.02]);
    expect(recording.timeSeries.map((point) => point.requestsPerS)).toEqual([2, 1]);
    expect(recording.timeSeries[0]).toMatchObject({
      running: 3,
      waiting: 1,
      kvUsage: 0.25,
      batchSize: 3.5,
    });
    // No step ended in the second: no batch size (rather than a batch of 0).
    expect(recording.timeSeries[1]?.batchSize).toBeUndefined();
  });

  it('counts every completed request of a real collector run exactly once in requests/s', () => {
    const recorder = new SimulationRecorder(4);
    const collector = new MetricsCollector({
      onRecord: (row) => recorder.recordRequest(row),
      onTimeSeriesRow: (row) => recorder.recordTimeSeriesRow(row),
    });
    const request = (id: number, endS: number) => ({
      id: String(id),
      arrivalS: 0,
      firstScheduledS: 0,
      firstTokenS: endS / 2,
      lastTokenS: endS,
      previousTokenS: endS / 2,
      finishS: endS,
      inputTokens: 4,
      outputTokens: 2,
      preemptions: 0,
      status: 'finished',
    });
    const ends = [0.5, 0.7, 2.2, 5.9, 9.1, 9.2];
    ends.forEach((endS, id) => {
      collector.requestArrive(request(id, endS) as never, 0);
    });
    ends.forEach((endS, id) => {
      collector.requestEnd(request(id, endS) as never, endS);
    });
    collector.finish(9.5);
    const { timeSeries, secondsPerPoint } = recorder.recording();
    expect(secondsPerPoint).toBe(4);
    const total = timeSeries.reduce(
      (sum, point, index) =>
        sum +
        (point.requestsPerS as number) * (index < timeSeries.length - 1 ? secondsPerPoint : 10 - 8),
      0,
    );
    expect(total).toBe(ends.length);
  });
});

describe('simulationReport', () => {
  const recorder = new SimulationRecorder();
  for (let id = 1; id <= 3; id++) recorder.recordRequest(record(id));
  const report = simulationReport({ summary: SUMMARY, recording: recorder.recording() });

  it('repeats the summary figures and percentiles and names the configuration', () => {
    expect(report.kind).toBe('simulation');
    expect(report.title).toBe('model-x on 2 × H100');
    const table = report.statistics?.[0];
    expect(table?.rows.find((row) => row.label === 'TTFT')?.values).toEqual([1, 123.456, 3, 4, 5]);
    const engine = report.configuration.find((section) => section.title === 'Engine');
    expect(engine?.entries).toEqual([
      { key: 'max_num_seqs', value: 256 },
      { key: 'chunked_prefill', value: true },
    ]);
    expect(report.latencies.map((distribution) => distribution.name)).toEqual([
      'TTFT',
      'TPOT',
      'E2E',
      'Queue',
    ]);
  });

  it('renders with the p50 TTFT as summary.json has it', () => {
    const html = renderRunReport(report);
    expect(html).toContain('<td class="number">123.46</td>');
    expect(html).toContain('<td>true</td>');
  });
});
