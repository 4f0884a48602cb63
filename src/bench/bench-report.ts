/**
 * @module The HTML page of a benchmark (`bench --save-result FILE.html`): a `RunReport` built from
 * what the client observed — vLLM's figures, latency CDFs (with the simulator's curves dashed
 * beside them after `--compare-sim`), and per-second series reconstructed from the requests'
 * timings: tokens received, requests completed and requests in flight each second.
 */

import type { RunReport, StatisticsTable, TimeSeriesPoint } from '../report/run-report.js';
import {
  type BenchMetrics,
  forEachChunkTime,
  latencyListsOf,
  type MetricSummary,
  percentileWord,
} from './bench-metrics.js';
import type { BenchRun } from './bench-types.js';
import type { SimulatorTarget } from './simulator-target.js';
import { LATENCY_METRICS } from './vllm-result.js';

/** The simulator's twin of the run, when `--compare-sim` made one. */
export interface SimulatedTwin {
  readonly target: SimulatorTarget;
  readonly run: BenchRun;
  readonly metrics: BenchMetrics;
}

function add(array: Float64Array, index: number, value: number): void {
  array[index] = (array[index] ?? 0) + value;
}

/**
 * One row per second since the first send: output tokens received (first token at send + TTFT,
 * later ones after each ITL gap; without streaming all at the end), prompt tokens of requests
 * whose first token came that second, requests completed, and requests in flight at its end.
 */
export function benchTimeSeries(run: BenchRun): TimeSeriesPoint[] {
  const successful = run.records.filter((record) => record.success);
  if (successful.length === 0) return [];
  const startS = Math.min(...successful.map((record) => record.sendS));
  const endS = Math.max(...successful.map((record) => record.sendS + record.e2elS));
  const seconds = Math.floor(endS - startS) + 1;
  const generation = new Float64Array(seconds);
  const prompt = new Float64Array(seconds);
  const completed = new Float64Array(seconds);
  const inFlightDelta = new Float64Array(seconds + 1);
  const bucket = (timeS: number) => Math.min(seconds - 1, Math.max(0, Math.floor(timeS - startS)));
  for (const record of successful) {
    const firstS = record.sendS + record.ttftS;
    add(prompt, bucket(firstS), record.serverPromptTokens ?? record.plannedInputTokens);
    if (record.itlS.length === 0) add(generation, bucket(firstS), record.outputTokens);
    else forEachChunkTime(record, (timeS) => add(generation, bucket(timeS), 1));
    const doneS = record.sendS + record.e2elS;
    add(completed, bucket(doneS), 1);
    // In flight at the end of second k: sent before k + 1 and not done by then.
    add(inFlightDelta, bucket(record.sendS), 1);
    add(inFlightDelta, bucket(doneS), -1);
  }
  let inFlight = 0;
  return Array.from({ length: seconds }, (_, second) => {
    inFlight += inFlightDelta[second] ?? 0;
    return {
      timeS: second,
      promptTokensPerS: prompt[second] ?? 0,
      generationTokensPerS: generation[second] ?? 0,
      requestsPerS: completed[second] ?? 0,
      running: inFlight,
    };
  });
}

function statisticsTable(title: string, metrics: BenchMetrics): StatisticsTable {
  const percentiles = metrics.ttft.percentilesMs.map((entry) => entry.percentile);
  const row = (name: string, summary: MetricSummary) => ({
    label: name,
    values: [
      summary.meanMs,
      summary.medianMs,
      summary.stdMs,
      ...summary.percentilesMs.map((entry) => entry.valueMs),
    ],
  });
  return {
    title,
    unit: 'ms',
    columns: ['mean', 'median', 'std', ...percentiles.map((p) => `p${percentileWord(p)}`)],
    rows: LATENCY_METRICS.map((metric) => row(metric.name, metrics[metric.key])),
  };
}

/** The report page's content for a benchmark run (and its simulated twin, if any). */
export function benchReport(run: BenchRun, metrics: BenchMetrics, twin?: SimulatedTwin): RunReport {
  const { settings } = run;
  const measured = latencyListsOf(run);
  const simulated = twin === undefined ? undefined : latencyListsOf(twin.run);
  const rate = settings.requestRatePerS;
  const distribution = (name: string, key: keyof typeof measured) => ({
    name,
    valuesS: measured[key],
    ...(simulated === undefined
      ? {}
      : { label: 'measured', comparison: { label: 'simulated', valuesS: simulated[key] } }),
  });
  const target = twin?.target;
  return {
    title: `${settings.model} at ${settings.baseUrl}`,
    kind: 'benchmark',
    subtitle:
      `${run.datasetDescription} · ${settings.endpoint === 'chat' ? 'chat' : 'completions'} · ` +
      `${settings.stream ? 'streaming' : 'not streaming'} · ${run.startedAt}`,
    summary: [
      {
        title: 'Requests',
        figures: [
          { label: 'successful', value: metrics.completed },
          { label: 'failed', value: metrics.failed },
          { label: 'duration', value: metrics.durationS, unit: 's', digits: 2 },
          { label: 'peak concurrent', value: metrics.maxConcurrentRequests },
          ...(metrics.requestGoodput === null
            ? []
            : [{ label: 'goodput', value: metrics.requestGoodput, unit: 'req/s', digits: 2 }]),
        ],
      },
      {
        title: 'Throughput',
        figures: [
          { label: 'requests', value: metrics.requestThroughput, unit: 'req/s', digits: 2 },
          { label: 'output tokens', value: metrics.outputThroughput, unit: 'tok/s', digits: 1 },
          { label: 'total tokens', value: metrics.totalTokenThroughput, unit: 'tok/s', digits: 1 },
          { label: 'peak output', value: metrics.maxOutputTokensPerS, unit: 'tok/s', digits: 0 },
        ],
      },
      {
        title: 'Tokens',
        figures: [
          { label: 'input', value: metrics.totalInputTokens },
          { label: 'generated', value: metrics.totalOutputTokens },
        ],
      },
    ],
    statistics: [
      statisticsTable('Latency, measured by the client', metrics),
      ...(twin === undefined ? [] : [statisticsTable('Latency, simulated', twin.metrics)]),
    ],
    latencies: [
      distribution('TTFT', 'ttft'),
      distribution('TPOT', 'tpot'),
      distribution('ITL', 'itl'),
      distribution('E2EL', 'e2el'),
    ],
    timeSeries: benchTimeSeries(run),
    configuration: [
      {
        title: 'Benchmark',
        entries: [
          { key: 'base URL', value: settings.baseUrl },
          { key: 'endpoint', value: settings.endpoint },
          { key: 'model', value: settings.model },
          { key: 'prompts', value: settings.numPrompts },
          { key: 'request rate (req/s)', value: rate === null ? 'trace' : rate },
          { key: 'burstiness', value: settings.burstiness },
          { key: 'max concurrency', value: settings.maxConcurrency ?? null },
          { key: 'dataset', value: run.datasetDescription },
          { key: 'ignore_eos', value: settings.ignoreEos },
          { key: 'stream', value: settings.stream },
          { key: 'seed', value: settings.seed },
          {
            key: 'tokenizer',
            value: `${run.tokenizer.name}${run.tokenizer.exact ? '' : ' (estimate)'}`,
          },
        ],
      },
      ...(target === undefined
        ? []
        : [
            {
              title: 'Simulated deployment (--compare-sim)',
              entries: [
                {
                  key: 'settings from',
                  value: target.source === 'server' ? 'server /status' : 'flags',
                },
                { key: 'time scale', value: target.timeScale },
                { key: 'model', value: target.deployment.model.id },
                { key: 'hardware', value: target.deployment.hardware.file.name },
                { key: 'GPUs', value: target.deployment.gpus },
                {
                  key: 'TP × PP',
                  value: `${target.deployment.parallel.tp} × ${target.deployment.parallel.pp}`,
                },
                { key: 'engine', value: target.deployment.enginePreset.engine },
                { key: 'max_num_seqs', value: target.deployment.engineConfig.maxNumSeqs },
                {
                  key: 'max_num_batched_tokens',
                  value: target.deployment.engineConfig.maxNumBatchedTokens,
                },
                { key: 'KV capacity (tokens)', value: target.deployment.kvCapacity.capacityTokens },
              ],
            },
          ]),
    ],
    notes: [
      ...run.notes,
      'Latencies as vLLM bench serve defines them: TTFT to the first chunk with choices, TPOT ' +
        'excluding the first token, ITL between chunks, E2EL to the last chunk; only successful ' +
        'requests count.',
      'Over time: one row per second since the first request was sent; "running" is the ' +
        'requests in flight at the client at the end of each second.',
      ...(twin === undefined
        ? []
        : [
            'Dashed curves: the same requests (send times and token counts) through the offline ' +
              'simulator; it has no HTTP or tokenizer time.',
          ]),
    ],
  };
}
