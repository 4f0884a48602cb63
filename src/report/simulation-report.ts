/**
 * @module The run report of `simulate --output`: a recorder fed from the metrics collector's
 * callbacks during the run, and `simulationReport`, which turns what it kept plus the run's summary
 * document into a `RunReport`.
 *
 * Memory: the latency CDFs need per-request values (the collector keeps only histograms, whose
 * buckets it does not expose), so the recorder keeps TTFT, TPOT, E2E and queue time of each
 * completed request in growable Float64Arrays: 32 bytes per request, 32 MB for a million. The time
 * series is thinned as it arrives (`TimeSeriesBins`), so it stays bounded however long the run.
 */

import type { RequestRecord, TimeSeriesRow } from '../core/metrics/metrics-collector.js';
import type { ConfigurationSection, RunReport, StatisticsTable } from './run-report.js';
import type { LatencyStatsMs, SummaryDocument } from './summary-document.js';
import {
  DEFAULT_TIME_SERIES_POINTS,
  TimeSeriesBins,
  type TimeSeriesPoint,
} from './time-series-bins.js';

/** A growable list of numbers in a Float64Array (doubling), so a million values cost 8 MB. */
export class SampleBuffer {
  private values = new Float64Array(1024);
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = value;
  }

  /** The values so far (a view, not a copy). */
  view(): Float64Array {
    return this.values.subarray(0, this.count);
  }
}

/** Per-request latencies (seconds) and the thinned time series of a run. */
export interface SimulationRecording {
  readonly ttftS: Float64Array;
  /** Requests with one output token have no TPOT and are left out. */
  readonly tpotS: Float64Array;
  readonly e2eS: Float64Array;
  readonly queueS: Float64Array;
  readonly timeSeries: readonly TimeSeriesPoint[];
  /** Simulated seconds averaged into each time-series point. */
  readonly secondsPerPoint: number;
}

/**
 * Keeps what the report draws. Wire `recordRequest` to `MetricsCollector`'s `onRecord` and
 * `recordTimeSeriesRow` to its `onTimeSeriesRow`: the collector closes a second before it reports
 * a request that ends after it, so requests recorded since the last row completed in that row's
 * second, which gives requests/s.
 */
export class SimulationRecorder {
  private readonly ttft = new SampleBuffer();
  private readonly tpot = new SampleBuffer();
  private readonly e2e = new SampleBuffer();
  private readonly queue = new SampleBuffer();
  private readonly bins: TimeSeriesBins;
  private completedInSecond = 0;

  constructor(maxTimeSeriesPoints: number = DEFAULT_TIME_SERIES_POINTS) {
    this.bins = new TimeSeriesBins(maxTimeSeriesPoints);
  }

  recordRequest(record: RequestRecord): void {
    this.ttft.push(record.ttftS);
    if (!Number.isNaN(record.tpotS)) this.tpot.push(record.tpotS);
    this.e2e.push(record.e2eS);
    this.queue.push(record.queueS);
    this.completedInSecond++;
  }

  recordTimeSeriesRow(row: TimeSeriesRow): void {
    this.bins.add({
      timeS: row.second,
      promptTokensPerS: row.promptTokensPerS,
      generationTokensPerS: row.generationTokensPerS,
      requestsPerS: this.completedInSecond,
      running: row.running,
      // A second in which no step ended has no batch (not a batch of 0).
      ...(row.steps > 0 ? { batchSize: row.meanBatchSize } : {}),
      waiting: row.waiting,
      kvUsage: row.kvUsage,
    });
    this.completedInSecond = 0;
  }

  recording(): SimulationRecording {
    return {
      ttftS: this.ttft.view(),
      tpotS: this.tpot.view(),
      e2eS: this.e2e.view(),
      queueS: this.queue.view(),
      timeSeries: this.bins.points(),
      secondsPerPoint: this.bins.rowsPerPoint,
    };
  }
}

/**
 * The summary document of `simulate` as the report reads it: its engine table may hold any
 * settings (the report lists them as they are).
 */
export type SimulationSummary = Omit<SummaryDocument, 'engine'> & {
  readonly engine: Readonly<Record<string, string | number | boolean>>;
};

const STAT_COLUMNS = ['mean', 'p50', 'p90', 'p95', 'p99'] as const;

/** The report of a `simulate` run from its summary document and what the recorder kept. */
export function simulationReport(input: {
  readonly summary: SimulationSummary;
  readonly recording: SimulationRecording;
}): RunReport {
  const { summary, recording } = input;
  const latencyRows: [string, LatencyStatsMs][] = [
    ['TTFT', summary.ttft_ms],
    ['TPOT', summary.tpot_ms],
    ['ITL', summary.itl_ms],
    ['E2E', summary.e2e_ms],
    ['Queue', summary.queue_ms],
  ];
  const statistics: StatisticsTable = {
    title: 'Latency (as in summary.json)',
    unit: 'ms',
    columns: STAT_COLUMNS,
    rows: latencyRows.map(([label, stats]) => ({
      label,
      values: STAT_COLUMNS.map((column) => stats[column]),
    })),
  };
  const configuration: ConfigurationSection[] = [
    {
      title: 'Deployment',
      entries: [
        { key: 'model', value: summary.model },
        { key: 'hardware', value: summary.hardware },
        { key: 'tp', value: summary.tp },
        { key: 'pp', value: summary.pp },
        { key: 'gpus', value: summary.gpus },
      ],
    },
    {
      title: 'Engine',
      entries: Object.entries(summary.engine).map(([key, value]) => ({ key, value })),
    },
    {
      title: 'KV cache',
      entries: [
        { key: 'capacity_tokens', value: summary.kv_cache.capacity_tokens },
        { key: 'block_size', value: summary.kv_cache.block_size },
        { key: 'total_blocks', value: summary.kv_cache.total_blocks },
      ],
    },
    { title: 'Workload', entries: [{ key: 'description', value: summary.workload.description }] },
  ];
  const notes = [
    'Times are simulated seconds. The summary tables repeat summary.json; the CDFs are drawn from ' +
      'the per-request values of requests.csv (TPOT leaves out one-token outputs).',
    'Time series: one row of timeseries.csv per simulated second (running, waiting and KV-cache ' +
      'use at the end of the second; tokens and completed requests within it).',
  ];
  if (recording.secondsPerPoint > 1) {
    notes.push(
      `Each time-series point is the mean of ${recording.secondsPerPoint} consecutive seconds.`,
    );
  }
  return {
    title: `${summary.model} on ${summary.gpus} × ${summary.hardware}`,
    kind: 'simulation',
    subtitle: `tp ${summary.tp} · pp ${summary.pp} · ${summary.workload.description}`,
    summary: [
      {
        title: 'Requests',
        figures: [
          { label: 'completed', value: summary.requests.completed },
          { label: 'rejected', value: summary.requests.rejected },
          { label: 'preempted', value: summary.requests.preempted },
          { label: 'preemptions', value: summary.requests.preemptions },
          { label: 'duration', value: summary.duration_s, unit: 's', digits: 2 },
        ],
      },
      {
        title: 'Throughput',
        figures: [
          { label: 'requests', value: summary.throughput.requests_per_s, unit: 'req/s', digits: 2 },
          {
            label: 'input tokens',
            value: summary.throughput.input_tokens_per_s,
            unit: 'tok/s',
            digits: 1,
          },
          {
            label: 'output tokens',
            value: summary.throughput.output_tokens_per_s,
            unit: 'tok/s',
            digits: 1,
          },
          {
            label: 'total tokens',
            value: summary.throughput.total_tokens_per_s,
            unit: 'tok/s',
            digits: 1,
          },
        ],
      },
      {
        title: 'Tokens and KV cache',
        figures: [
          { label: 'input tokens', value: summary.workload.input_tokens },
          { label: 'output tokens', value: summary.workload.output_tokens },
          {
            label: 'KV-cache peak use',
            value: summary.kv_cache.peak_usage * 100,
            unit: '%',
            digits: 1,
          },
          { label: 'engine steps', value: summary.simulator.steps },
          { label: 'simulator wall time', value: summary.simulator.wall_s, unit: 's', digits: 2 },
        ],
      },
    ],
    statistics: [statistics],
    latencies: [
      { name: 'TTFT', valuesS: recording.ttftS },
      { name: 'TPOT', valuesS: recording.tpotS },
      { name: 'E2E', valuesS: recording.e2eS },
      { name: 'Queue', valuesS: recording.queueS },
    ],
    timeSeries: recording.timeSeries,
    configuration,
    notes,
  };
}
