/**
 * @module The metrics of a benchmark run, computed as vLLM's `bench serve` computes them
 * (`calculate_metrics` in vllm/benchmarks/serve.py): only successful requests count; TPOT is
 * (E2EL − TTFT) / (output tokens − 1) over requests with more than one output token; ITL pools
 * every gap of every request; percentiles are NumPy's default (linear interpolation); the
 * standard deviation is the population one (ddof = 0); an empty metric reports 0 (NumPy on
 * `[] or 0`). Goodput counts requests meeting every given SLO, a request with one output token
 * having TPOT 0. Pure: no I/O, no clock.
 */

import { percentileOfSorted } from '../core/metrics/percentiles.js';
import { InvalidConfigError } from '../errors.js';
import type { BenchRequestRecord, BenchRun } from './bench-types.js';

/** Service-level objectives for goodput, in milliseconds; absent keys are not checked. */
export interface GoodputSlos {
  readonly ttftMs?: number;
  readonly tpotMs?: number;
  readonly e2elMs?: number;
}

/** Summary of one latency metric, in milliseconds. */
export interface MetricSummary {
  readonly meanMs: number;
  readonly medianMs: number;
  readonly stdMs: number;
  /** In the order the percentiles were asked for. */
  readonly percentilesMs: readonly { readonly percentile: number; readonly valueMs: number }[];
}

/** The figures vLLM's `bench serve` prints and saves. */
export interface BenchMetrics {
  readonly completed: number;
  readonly failed: number;
  /** Prompt tokens of successful requests (the server's count where it reported one). */
  readonly totalInputTokens: number;
  readonly totalOutputTokens: number;
  readonly durationS: number;
  readonly requestThroughput: number;
  /** Good requests per second; null when no SLO was given. */
  readonly requestGoodput: number | null;
  readonly outputThroughput: number;
  readonly totalTokenThroughput: number;
  /** Most output tokens received within one whole second since the first send. */
  readonly maxOutputTokensPerS: number;
  /** Most successful requests in flight at one instant. */
  readonly maxConcurrentRequests: number;
  readonly ttft: MetricSummary;
  readonly tpot: MetricSummary;
  readonly itl: MetricSummary;
  readonly e2el: MetricSummary;
  /** Output tokens per request by index; 0 for a failed request (vLLM's `output_lens`). */
  readonly outputLens: readonly number[];
  /** Prompt tokens per request by index (vLLM's `input_lens`). */
  readonly inputLens: readonly number[];
  readonly goodputSlos: GoodputSlos | undefined;
}

/** What to compute besides the fixed figures. */
export interface BenchMetricsOptions {
  /** Percentiles (0–100) to report for every latency metric; vLLM's default is [99]. */
  readonly percentiles: readonly number[];
  readonly goodput?: GoodputSlos;
}

/** vLLM's default `--metric-percentiles`. */
export const DEFAULT_PERCENTILES: readonly number[] = [99];

/** Summarizes seconds as milliseconds the way NumPy does for `np.mean(values or 0)` etc. */
export function summarizeSeconds(
  valuesS: readonly number[],
  percentiles: readonly number[],
): MetricSummary {
  const sorted = Float64Array.from(valuesS.length === 0 ? [0] : valuesS).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  const mean = sum / sorted.length;
  let squares = 0;
  for (const value of sorted) squares += (value - mean) ** 2;
  return {
    meanMs: mean * 1000,
    medianMs: percentileOfSorted(sorted, 50) * 1000,
    stdMs: Math.sqrt(squares / sorted.length) * 1000,
    percentilesMs: percentiles.map((percentile) => ({
      percentile,
      valueMs: percentileOfSorted(sorted, percentile) * 1000,
    })),
  };
}

/** TPOT of a successful request in seconds, 0 with at most one output token. */
export function tpotOf(record: BenchRequestRecord): number {
  return record.outputTokens > 1 ? (record.e2elS - record.ttftS) / (record.outputTokens - 1) : 0;
}

function meetsSlos(record: BenchRequestRecord, slos: GoodputSlos): boolean {
  // vLLM compares `slo >= value` with both in seconds.
  if (slos.ttftMs !== undefined && slos.ttftMs / 1000 < record.ttftS) return false;
  if (slos.tpotMs !== undefined && slos.tpotMs / 1000 < tpotOf(record)) return false;
  if (slos.e2elMs !== undefined && slos.e2elMs / 1000 < record.e2elS) return false;
  return true;
}

/** Calls `visit` with the arrival of each chunk of a request: send + TTFT, then after each gap. */
export function forEachChunkTime(record: BenchRequestRecord, visit: (timeS: number) => void): void {
  let timeS = record.sendS + record.ttftS;
  visit(timeS);
  for (const gap of record.itlS) {
    timeS += gap;
    visit(timeS);
  }
}

/**
 * Peak output tokens in one second and peak concurrency, as vLLM computes them: token times are
 * send + TTFT + cumulative ITL, counted in whole-second buckets from the earliest send; the
 * concurrency is an exact sweep over [send, send + E2EL), an end before a start at equal times.
 */
function peaks(successful: readonly BenchRequestRecord[]): {
  maxOutputTokensPerS: number;
  maxConcurrentRequests: number;
} {
  if (successful.length === 0) return { maxOutputTokensPerS: 0, maxConcurrentRequests: 0 };
  let minStart = Number.POSITIVE_INFINITY;
  let maxEnd = Number.NEGATIVE_INFINITY;
  for (const record of successful) {
    minStart = Math.min(minStart, record.sendS);
    maxEnd = Math.max(maxEnd, record.sendS + record.e2elS);
  }
  const buckets = new Float64Array(Math.ceil(maxEnd - minStart) + 1);
  const events: [number, number][] = [];
  for (const record of successful) {
    forEachChunkTime(record, (time) => {
      const bucket = Math.trunc(time - minStart);
      if (bucket >= 0 && bucket < buckets.length) buckets[bucket] = (buckets[bucket] ?? 0) + 1;
    });
    events.push([record.sendS, 1], [record.sendS + record.e2elS, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let peak = 0;
  for (const [, delta] of events) {
    current += delta;
    peak = Math.max(peak, current);
  }
  let maxTokens = 0;
  for (const tokens of buckets) maxTokens = Math.max(maxTokens, tokens);
  return { maxOutputTokensPerS: maxTokens, maxConcurrentRequests: peak };
}

/** Per-request latencies (seconds) of the successful requests, pooled as vLLM pools them. */
export interface LatencyLists {
  readonly ttft: number[];
  /** Requests with more than one output token only. */
  readonly tpot: number[];
  /** Every gap of every request. */
  readonly itl: number[];
  readonly e2el: number[];
}

export function latencyListsOf(run: BenchRun): LatencyLists {
  const lists: LatencyLists = { ttft: [], tpot: [], itl: [], e2el: [] };
  for (const record of run.records) {
    if (!record.success) continue;
    lists.ttft.push(record.ttftS);
    lists.e2el.push(record.e2elS);
    if (record.outputTokens > 1) lists.tpot.push(tpotOf(record));
    for (const gap of record.itlS) lists.itl.push(gap);
  }
  return lists;
}

/** The metrics of a run. */
export function benchMetrics(run: BenchRun, options: BenchMetricsOptions): BenchMetrics {
  const successful = run.records.filter((record) => record.success);
  const lists = latencyListsOf(run);
  let totalInput = 0;
  let totalOutput = 0;
  let good = 0;
  for (const record of successful) {
    totalInput += record.serverPromptTokens ?? record.plannedInputTokens;
    totalOutput += record.outputTokens;
    if (options.goodput !== undefined && meetsSlos(record, options.goodput)) good++;
  }
  const durationS = run.durationS;
  const { percentiles } = options;
  return {
    completed: successful.length,
    failed: run.records.length - successful.length,
    totalInputTokens: totalInput,
    totalOutputTokens: totalOutput,
    durationS,
    requestThroughput: successful.length / durationS,
    requestGoodput: options.goodput === undefined ? null : good / durationS,
    outputThroughput: totalOutput / durationS,
    totalTokenThroughput: (totalInput + totalOutput) / durationS,
    ...peaks(successful),
    ttft: summarizeSeconds(lists.ttft, percentiles),
    tpot: summarizeSeconds(lists.tpot, percentiles),
    itl: summarizeSeconds(lists.itl, percentiles),
    e2el: summarizeSeconds(lists.e2el, percentiles),
    outputLens: run.records.map((record) => (record.success ? record.outputTokens : 0)),
    inputLens: run.records.map((record) => record.serverPromptTokens ?? record.plannedInputTokens),
    goodputSlos: options.goodput,
  };
}

const GOODPUT_KEYS = { ttft: 'ttftMs', tpot: 'tpotMs', e2el: 'e2elMs' } as const;

/** Parses vLLM's `--goodput` pairs such as `ttft:200 tpot:50` (milliseconds, ≥ 0). */
export function parseGoodput(pairs: readonly string[]): GoodputSlos {
  const slos: { ttftMs?: number; tpotMs?: number; e2elMs?: number } = {};
  for (const pair of pairs) {
    const [name, value, ...rest] = pair.split(':');
    const milliseconds = Number(value);
    if (
      rest.length > 0 ||
      value === undefined ||
      value.trim() === '' ||
      Number.isNaN(milliseconds)
    ) {
      throw new InvalidConfigError(
        `invalid --goodput '${pair}': expected KEY:VALUE pairs such as ttft:200 (milliseconds)`,
      );
    }
    const key = GOODPUT_KEYS[name as keyof typeof GOODPUT_KEYS];
    if (key === undefined) {
      throw new InvalidConfigError(
        `invalid --goodput '${pair}': the metric must be one of ttft, tpot, e2el`,
      );
    }
    if (milliseconds < 0) {
      throw new InvalidConfigError(`invalid --goodput '${pair}': the value must be non-negative`);
    }
    slos[key] = milliseconds;
  }
  return slos;
}

/** Parses `--percentiles 50,90,99` (each in [0, 100]). */
export function parsePercentiles(text: string): number[] {
  const values = text.split(',').map((part) => part.trim());
  return values.map((part) => {
    const value = Number(part);
    if (part === '' || !(value >= 0 && value <= 100)) {
      throw new InvalidConfigError(
        `invalid --percentiles '${text}': expected comma-separated numbers in 0..100`,
      );
    }
    return value;
  });
}

/** vLLM's key word for a percentile: `99`, `99.9`. */
export function percentileWord(percentile: number): string {
  return String(percentile);
}
