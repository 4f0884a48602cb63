/**
 * @module Simulates one validation row the way `simulate` would (the same deployment resolution,
 * workload generation and engine run) and pairs each published value with the prediction.
 * Expected failures (the setup does not fit, no profile for it) become an error outcome.
 */

import { join } from 'node:path';
import { resolveHardware } from '../catalog/hardware-catalog.js';
import { resolveModel } from '../catalog/model-catalog.js';
import { type Deployment, engineOptionsOf, resolveDeployment } from '../config/deployment.js';
import type { EngineOptionsInput } from '../config/engine-options.js';
import { trtllmBenchBatchSettings } from '../config/engine-presets.js';
import { resolveWorkload, type WorkloadOptionsInput } from '../config/workload-options.js';
import { runSimulation } from '../core/engine/run-simulation.js';
import {
  MetricsCollector,
  type MetricsSummary,
  type RequestRecord,
  type TimeSeriesRow,
} from '../core/metrics/metrics-collector.js';
import { type LatencyStats, summarize } from '../core/metrics/percentiles.js';
import { countParameters } from '../core/perf/model-spec.js';
import { LlmServingSimError } from '../errors.js';
import { signedErrorPercent, timeSeriesErrorPercent } from './error-statistics.js';
import type { LoadedRow } from './scenario-catalog.js';
import {
  METRIC_UNITS,
  type MeasuredValue,
  type MetricName,
  type ScenarioWorkload,
  type Setup,
  type SimulatedRow,
  type Statistic,
} from './scenario-schema.js';
import { type RunTimeSeries, readVllmRun } from './vllm-run.js';

/** Step-time model to validate (passed to the deployment as `costModel`). */
export type CostModelChoice = 'auto' | 'analytical' | 'profile';

export interface RowRunOptions {
  readonly costModel: CostModelChoice;
  /** Seed of synthetic workloads. */
  readonly seed: number;
  /** Changes the resolved deployment before it runs (calibration fits vary one constant). */
  readonly adjustDeployment?: (deployment: Deployment) => Deployment;
}

/** One published value next to its prediction. */
export interface Comparison {
  readonly metric: MetricName;
  readonly statistic: Statistic;
  readonly unit: string;
  readonly measured: number;
  readonly predicted: number;
  readonly signedErrorPercent: number;
}

/** Measured and predicted per-tick series of a trace replay, with the error of each. */
export interface TimeSeriesComparison {
  readonly measured: RunTimeSeries;
  readonly predicted: RunTimeSeries;
  /** Mean absolute error per tick over the measured mean, in percent, per series. */
  readonly errorPercent: Readonly<Record<keyof RunTimeSeries, number>>;
}

export type RowOutcome =
  | {
      readonly kind: 'predicted';
      readonly comparisons: readonly Comparison[];
      readonly timeSeries?: TimeSeriesComparison;
      /** Things a reader of the numbers should know (rejected requests, preemptions). */
      readonly warnings: readonly string[];
    }
  | { readonly kind: 'error'; readonly message: string };

/** What one engine run produced. */
interface RunResult {
  readonly deployment: Deployment;
  readonly summary: MetricsSummary;
  readonly records: readonly RequestRecord[];
  readonly timeSeries: readonly TimeSeriesRow[];
}

/** Simulates `loaded.row` and compares; deployment and workload errors become an error outcome. */
export function simulateRow(
  loaded: LoadedRow & { readonly row: SimulatedRow },
  options: RowRunOptions,
): RowOutcome {
  try {
    return predictRow(loaded.row, loaded.directory, options);
  } catch (error) {
    if (error instanceof LlmServingSimError) return { kind: 'error', message: error.message };
    throw error;
  }
}

function predictRow(row: SimulatedRow, directory: string, options: RowRunOptions): RowOutcome {
  const workload = row.workload;
  switch (workload.kind) {
    case 'trace':
      return predictTrace(row, join(directory, workload.run), options);
    case 'batch-1-sweep':
      return predictSweep(row, workload, options);
    case 'static-batch':
      return predictStaticBatch(row, workload, options);
    case 'synthetic': {
      const result = run(
        { ...engineInput(row.setup, options.costModel), ...benchLimits(row.setup, workload) },
        definedOnly({
          numRequests: workload.numRequests,
          requestRate:
            workload.requestRate === 'inf' ? Number.POSITIVE_INFINITY : workload.requestRate,
          inputLen: workload.inputLen,
          outputLen: workload.outputLen,
          concurrency: workload.concurrency,
          seed: options.seed,
        }),
        options,
      );
      return {
        kind: 'predicted',
        comparisons: compare(row.measured, (value) => predictedValue(value, result)),
        warnings: warningsOf(result),
      };
    }
  }
}

/**
 * trtllm-bench sizes its engine from the dataset when the run does not: `max_seq_len` = longest
 * prompt + longest output, and the batch limits from its own heuristic (see
 * `trtllmBenchBatchSettings`). Applied to fixed-length synthetic rows, where the dataset's lengths
 * are the row's; stated settings win.
 */
function benchLimits(
  setup: Setup,
  workload: Extract<ScenarioWorkload, { kind: 'synthetic' }>,
): Partial<EngineOptionsInput> {
  if (setup.engine !== 'trtllm-bench') return {};
  const input = Number(workload.inputLen);
  const output = Number(workload.outputLen);
  if (!Number.isInteger(input) || !Number.isInteger(output)) return {};
  const model = resolveModel(setup.model).spec;
  const hardware = resolveHardware(setup.hardware).spec;
  const weightBytesPerParameter = setup.dtype === 'fp8' ? 1 : 2;
  const settings = trtllmBenchBatchSettings({
    parameterCount: countParameters(model).total,
    weightBytesPerParameter,
    kvBytesPerElement: setup.kvCacheDtype?.startsWith('fp8') === true ? 1 : 2,
    numAttentionLayers: model.numLayers,
    numKeyValueHeads: model.numKeyValueHeads,
    headDim: model.headDim,
    memoryBytesPerGpu: hardware.memoryBytes,
    tp: setup.tp ?? 1,
    pp: setup.pp ?? 1,
    averageInputTokens: input,
    averageOutputTokens: output,
    maxInputTokens: input,
  });
  return definedOnly({
    maxModelLen: setup.maxModelLen ?? input + output,
    maxNumSeqs: setup.maxNumSeqs ?? settings.maxNumSeqs,
    maxNumBatchedTokens: setup.maxNumBatchedTokens ?? settings.maxNumBatchedTokens,
  });
}

/** Settings of the row as `resolveDeployment` takes them. */
export function engineInput(setup: Setup, costModel: CostModelChoice): EngineOptionsInput {
  return definedOnly({
    model: setup.model,
    hardware: setup.hardware,
    tp: setup.tp,
    pp: setup.pp,
    dtype: setup.dtype,
    kvCacheDtype: setup.kvCacheDtype,
    maxNumSeqs: setup.maxNumSeqs,
    maxNumBatchedTokens: setup.maxNumBatchedTokens,
    maxModelLen: setup.maxModelLen,
    enableChunkedPrefill: setup.enableChunkedPrefill,
    gpuMemoryUtilization: setup.gpuMemoryUtilization,
    blockSize: setup.blockSize,
    costModel,
    engine: setup.engine,
  });
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

function run(
  engine: EngineOptionsInput,
  workloadInput: WorkloadOptionsInput,
  options: RowRunOptions,
): RunResult {
  return runDeployment(resolve(engine, options), workloadInput);
}

function resolve(engine: EngineOptionsInput, options: RowRunOptions): Deployment {
  const deployment = resolveDeployment(engine);
  return options.adjustDeployment ? options.adjustDeployment(deployment) : deployment;
}

function runDeployment(deployment: Deployment, workloadInput: WorkloadOptionsInput): RunResult {
  const workload = resolveWorkload(workloadInput);
  const records: RequestRecord[] = [];
  const timeSeries: TimeSeriesRow[] = [];
  const collector = new MetricsCollector({
    onRecord: (record) => records.push(record),
    onTimeSeriesRow: (row) => timeSeries.push(row),
  });
  const result = runSimulation({
    ...engineOptionsOf(deployment, collector),
    workload: workload.requests,
    ...(workload.maxConcurrency !== undefined ? { maxConcurrency: workload.maxConcurrency } : {}),
  });
  collector.finish(result.endS);
  return { deployment, summary: collector.summary(), records, timeSeries };
}

function compare(
  measured: readonly MeasuredValue[],
  predict: (value: MeasuredValue) => number,
): Comparison[] {
  return measured.map((value) => {
    const predicted = predict(value);
    return {
      metric: value.metric,
      statistic: value.statistic,
      unit: value.unit,
      measured: value.value,
      predicted,
      signedErrorPercent: signedErrorPercent(value.value, predicted),
    };
  });
}

type RequestStats = Record<'ttft' | 'tpot' | 'e2eLatency', LatencyStats>;

/** Each run's request statistics, computed once however many published metrics read them. */
const requestStatsByRun = new WeakMap<RunResult, RequestStats>();

/** Exact statistics of the run's per-request latencies, in seconds. */
function requestStats(result: RunResult): RequestStats {
  let stats = requestStatsByRun.get(result);
  if (stats === undefined) {
    stats = summarizeRequests(result);
    requestStatsByRun.set(result, stats);
  }
  return stats;
}

function summarizeRequests(result: RunResult): RequestStats {
  return {
    ttft: summarize(result.records.map((record) => record.ttftS)),
    tpot: summarize(
      result.records.filter((record) => record.outputTokens > 1).map((record) => record.tpotS),
    ),
    e2eLatency: summarize(result.records.map((record) => record.e2eS)),
  };
}

function pick(stats: LatencyStats, statistic: Statistic): number {
  switch (statistic) {
    case 'mean':
      return stats.mean;
    case 'median':
      return stats.p50;
    case 'p90':
      return stats.p90;
    case 'p99':
      return stats.p99;
    default:
      return Number.NaN;
  }
}

/** The prediction for a published value of a synthetic or static-batch run. */
function predictedValue(value: MeasuredValue, result: RunResult): number {
  const { summary } = result;
  switch (value.metric) {
    case 'outputThroughput':
      return summary.throughput.outputTokensPerS;
    case 'outputThroughputPerGpu':
      return summary.throughput.outputTokensPerS / result.deployment.gpus;
    case 'totalThroughput':
      return summary.throughput.totalTokensPerS;
    case 'requestThroughput':
      return summary.throughput.requestsPerS;
    case 'duration':
      return summary.durationS;
    case 'batchLatency':
      return summary.durationS * 1000;
    case 'itl':
      // Per-token gaps are not kept per request; the collector's histogram is within 0.005%.
      return pick(summary.itlS, value.statistic) * 1000;
    case 'ttft':
    case 'tpot':
    case 'e2eLatency':
      return pick(requestStats(result)[value.metric], value.statistic) * 1000;
    case 'itlIntercept':
    case 'itlSlope':
      return Number.NaN;
  }
}

function warningsOf(result: RunResult): string[] {
  const warnings: string[] = [];
  const { requests } = result.summary;
  if (requests.rejected > 0) {
    warnings.push(
      `${requests.rejected} requests rejected (prompt not shorter than max-model-len ` +
        `${result.deployment.engineConfig.maxModelLen})`,
    );
  }
  if (requests.preemptions > 0) {
    warnings.push(`${requests.preemptions} preemptions of ${requests.preempted} requests`);
  }
  return warnings;
}

/**
 * A static batch (TensorRT-LLM's `gptSessionBenchmark`): the whole batch is admitted at once, its
 * prompts run in one step and its sequences decode together to the end. Modelled as a batch that
 * arrives at t = 0 on an engine whose limits admit exactly it: `maxNumSeqs` = batch, no chunking,
 * a token budget holding every prompt, and a context of input + output. A batch whose KV cache
 * does not fit is an error, since the static engine would not have run it either.
 */
function predictStaticBatch(
  row: SimulatedRow,
  workload: Extract<ScenarioWorkload, { kind: 'static-batch' }>,
  options: RowRunOptions,
): RowOutcome {
  const outputTokens = workload.outputTokens ?? 1;
  const sequenceTokens = workload.inputTokens + outputTokens;
  const deployment = resolve(
    {
      ...engineInput(row.setup, options.costModel),
      maxNumSeqs: workload.batchSize,
      maxNumBatchedTokens: Math.max(workload.batchSize * workload.inputTokens, sequenceTokens),
      enableChunkedPrefill: false,
      maxModelLen: sequenceTokens,
    },
    options,
  );
  const { blockSize, totalKvBlocks } = deployment.engineConfig;
  const neededBlocks = workload.batchSize * Math.ceil(sequenceTokens / blockSize);
  if (neededBlocks > totalKvBlocks) {
    return {
      kind: 'error',
      message:
        `a static batch of ${workload.batchSize} x ${sequenceTokens} tokens needs ` +
        `${neededBlocks * blockSize} KV-cache tokens; ${deployment.model.id} on ` +
        `${deployment.gpus} x ${deployment.hardware.file.name} (kv ${deployment.precision.kvCacheDtype}) ` +
        `holds ${totalKvBlocks * blockSize}`,
    };
  }
  const result = runDeployment(deployment, {
    numRequests: workload.batchSize,
    inputLen: String(workload.inputTokens),
    outputLen: String(outputTokens),
    seed: options.seed,
  });
  return {
    kind: 'predicted',
    comparisons: compare(row.measured, (value) => predictedValue(value, result)),
    warnings: warningsOf(result),
  };
}

/**
 * A batch-1 sweep: one request at each input length, its mean inter-token gap ((e2e − ttft) /
 * (output − 1)) as the ITL there, and a least-squares line of ITL against input length.
 */
function predictSweep(
  row: SimulatedRow,
  workload: Extract<ScenarioWorkload, { kind: 'batch-1-sweep' }>,
  options: RowRunOptions,
): RowOutcome {
  const deployment = resolve(engineInput(row.setup, options.costModel), options);
  const points = workload.inputTokens.map((inputTokens) => {
    const result = runDeployment(deployment, {
      numRequests: 1,
      inputLen: String(inputTokens),
      outputLen: String(workload.outputTokens),
      seed: options.seed,
    });
    const record = result.records[0];
    return { x: inputTokens, y: record === undefined ? Number.NaN : record.tpotS * 1000 };
  });
  const line = fitLine(points);
  return {
    kind: 'predicted',
    comparisons: compare(row.measured, (value) =>
      value.metric === 'itlIntercept'
        ? line.intercept
        : value.metric === 'itlSlope'
          ? line.slope
          : Number.NaN,
    ),
    warnings: [],
  };
}

/** Ordinary least squares through the points. */
export function fitLine(points: readonly { x: number; y: number }[]): {
  intercept: number;
  slope: number;
} {
  const count = points.length;
  const meanX = points.reduce((sum, point) => sum + point.x, 0) / count;
  const meanY = points.reduce((sum, point) => sum + point.y, 0) / count;
  let covariance = 0;
  let variance = 0;
  for (const point of points) {
    covariance += (point.x - meanX) * (point.y - meanY);
    variance += (point.x - meanX) ** 2;
  }
  const slope = covariance / variance;
  return { intercept: meanY - slope * meanX, slope };
}

const TRACE_METRICS = ['ttft', 'tpot', 'e2eLatency'] as const;
const TRACE_STATISTICS = ['mean', 'median', 'p90', 'p99'] as const;

/**
 * A vLLM run replayed from its own requests (arrival offsets and lengths), compared on TTFT, TPOT
 * and E2E (mean, p50, p90, p99) and on the per-second series vLLM logged.
 */
function predictTrace(row: SimulatedRow, folder: string, options: RowRunOptions): RowOutcome {
  const measured = readVllmRun(folder);
  const result = run(
    engineInput(row.setup, options.costModel),
    { trace: join(folder, 'requests.jsonl') },
    options,
  );
  const predictedStats = requestStats(result);
  const measuredStats = { ttft: measured.ttftS, tpot: measured.tpotS, e2eLatency: measured.e2eS };
  const comparisons: Comparison[] = [];
  for (const metric of TRACE_METRICS) {
    for (const statistic of TRACE_STATISTICS) {
      const measuredMs = pick(measuredStats[metric], statistic) * 1000;
      const predictedMs = pick(predictedStats[metric], statistic) * 1000;
      comparisons.push({
        metric,
        statistic,
        unit: METRIC_UNITS[metric],
        measured: measuredMs,
        predicted: predictedMs,
        signedErrorPercent: signedErrorPercent(measuredMs, predictedMs),
      });
    }
  }
  const predicted: RunTimeSeries = {
    promptTokensPerS: result.timeSeries.map((tick) => tick.promptTokensPerS),
    generationTokensPerS: result.timeSeries.map((tick) => tick.generationTokensPerS),
    running: result.timeSeries.map((tick) => tick.running),
    waiting: result.timeSeries.map((tick) => tick.waiting),
  };
  const series = measured.timeSeries;
  return {
    kind: 'predicted',
    comparisons,
    timeSeries: {
      measured: series,
      predicted,
      errorPercent: {
        promptTokensPerS: timeSeriesErrorPercent(
          series.promptTokensPerS,
          predicted.promptTokensPerS,
        ),
        generationTokensPerS: timeSeriesErrorPercent(
          series.generationTokensPerS,
          predicted.generationTokensPerS,
        ),
        running: timeSeriesErrorPercent(series.running, predicted.running),
        waiting: timeSeriesErrorPercent(series.waiting, predicted.waiting),
      },
    },
    warnings: warningsOf(result),
  };
}
