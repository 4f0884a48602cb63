/**
 * @module A benchmark's results in vLLM's `bench serve` shapes: the printed table (labels, order,
 * widths and rounding of vllm/benchmarks/serve.py) and the saved result JSON (the same keys, so
 * scripts that read vLLM's result files read ours). Per-request lists follow vLLM's
 * `--save-detailed` layout; `generated_texts` is left out (the client does not keep the text).
 * Keys of our own sit under `llmservingsim`.
 */

import { type BenchMetrics, type MetricSummary, percentileWord } from './bench-metrics.js';
import type { BenchRun } from './bench-types.js';

/** The four latency metrics, with vLLM's attribute names, labels and section headers. */
export const LATENCY_METRICS = [
  { key: 'ttft', name: 'TTFT', header: 'Time to First Token' },
  { key: 'tpot', name: 'TPOT', header: 'Time per Output Token (excl. 1st token)' },
  { key: 'itl', name: 'ITL', header: 'Inter-token Latency' },
  { key: 'e2el', name: 'E2EL', header: 'End-to-end Latency' },
] as const;

/** vLLM's `backend` for the route driven. */
function backendOf(run: BenchRun): string {
  return run.settings.endpoint === 'chat' ? 'openai-chat' : 'openai';
}

/** Python's `'{s:{c}^{n}}'` centring: the odd padding character goes to the right. */
export function centred(text: string, fill: string, width: number): string {
  const padding = Math.max(0, width - text.length);
  const left = Math.floor(padding / 2);
  return fill.repeat(left) + text + fill.repeat(padding - left);
}

/** Python's `'{:<40} {:<10}'` row (with `.2f` for numbers given as `decimals`). */
function row(label: string, value: string): string {
  return `${label.padEnd(40)} ${value.padEnd(10)}`;
}

function fixed(value: number): string {
  return value.toFixed(2);
}

/** The results table, as `vllm bench serve` prints it. */
export function formatBenchTable(run: BenchRun, metrics: BenchMetrics): string {
  const lines: string[] = [];
  const { settings } = run;
  lines.push(centred(' Serving Benchmark Result ', '=', 50));
  lines.push(row('Successful requests:', String(metrics.completed)));
  lines.push(row('Failed requests:', String(metrics.failed)));
  if (settings.maxConcurrency !== undefined) {
    lines.push(row('Maximum request concurrency:', String(settings.maxConcurrency)));
  }
  if (settings.requestRatePerS !== null && Number.isFinite(settings.requestRatePerS)) {
    lines.push(row('Request rate configured (RPS):', fixed(settings.requestRatePerS)));
  }
  lines.push(row('Benchmark duration (s):', fixed(metrics.durationS)));
  lines.push(row('Total input tokens:', String(metrics.totalInputTokens)));
  lines.push(row('Total generated tokens:', String(metrics.totalOutputTokens)));
  lines.push(row('Request throughput (req/s):', fixed(metrics.requestThroughput)));
  if (metrics.requestGoodput !== null) {
    lines.push(row('Request goodput (req/s):', fixed(metrics.requestGoodput)));
  }
  lines.push(row('Output token throughput (tok/s):', fixed(metrics.outputThroughput)));
  lines.push(row('Peak output token throughput (tok/s):', fixed(metrics.maxOutputTokensPerS)));
  lines.push(row('Peak concurrent requests:', fixed(metrics.maxConcurrentRequests)));
  lines.push(row('Total token throughput (tok/s):', fixed(metrics.totalTokenThroughput)));
  for (const metric of LATENCY_METRICS) {
    const summary: MetricSummary = metrics[metric.key];
    lines.push(centred(metric.header, '-', 50));
    lines.push(row(`Mean ${metric.name} (ms):`, fixed(summary.meanMs)));
    lines.push(row(`Median ${metric.name} (ms):`, fixed(summary.medianMs)));
    for (const { percentile, valueMs } of summary.percentilesMs) {
      lines.push(row(`P${percentileWord(percentile)} ${metric.name} (ms):`, fixed(valueMs)));
    }
  }
  lines.push('='.repeat(50));
  return `${lines.map((line) => line.trimEnd()).join('\n')}\n`;
}

/** vLLM's `date` field: local time as YYYYMMDD-HHMMSS. */
function vllmDate(iso: string): string {
  const date = new Date(iso);
  const two = (value: number) => String(value).padStart(2, '0');
  return (
    `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-` +
    `${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`
  );
}

/** A JSON-safe number: vLLM writes `inf` rates as the string "inf". */
function rateValue(rate: number | null): number | string | null {
  if (rate === null) return null;
  return Number.isFinite(rate) ? rate : 'inf';
}

/** The per-request lists of vLLM's detailed result (seconds, by request index). */
const DETAILED_KEYS = [
  'input_lens',
  'output_lens',
  'ttfts',
  'itls',
  'latencies',
  'start_times',
  'queue_times',
  'errors',
] as const;

/**
 * The result document `vllm bench serve --save-result --save-detailed` writes, from our run.
 * With `detailed` false the per-request lists are left out, as vLLM leaves them out without
 * `--save-detailed`.
 */
export function vllmResultJson(
  run: BenchRun,
  metrics: BenchMetrics,
  options: { readonly detailed: boolean },
): Record<string, unknown> {
  const { settings, records } = run;
  const result: Record<string, unknown> = {
    date: vllmDate(run.startedAt),
    endpoint_type: backendOf(run),
    backend: backendOf(run),
    label: null,
    model_id: settings.model,
    tokenizer_id: run.tokenizer.name,
    num_prompts: settings.numPrompts,
    request_rate: rateValue(settings.requestRatePerS),
    burstiness: settings.burstiness,
    max_concurrency: settings.maxConcurrency ?? null,
    duration: metrics.durationS,
    completed: metrics.completed,
    failed: metrics.failed,
    total_input_tokens: metrics.totalInputTokens,
    total_output_tokens: metrics.totalOutputTokens,
    request_throughput: metrics.requestThroughput,
    request_goodput: metrics.requestGoodput,
    output_throughput: metrics.outputThroughput,
    total_token_throughput: metrics.totalTokenThroughput,
    input_lens: metrics.inputLens,
    output_lens: metrics.outputLens,
    ttfts: records.map((record) => record.ttftS),
    itls: records.map((record) => record.itlS),
    latencies: records.map((record) => record.e2elS),
    start_times: records.map((record) => record.sendS),
    queue_times: records.map((record) => Math.max(0, record.sendS - record.arrivalS)),
    errors: records.map((record) => record.error),
    max_output_tokens_per_s: metrics.maxOutputTokensPerS,
    max_concurrent_requests: metrics.maxConcurrentRequests,
    rtfx: 0,
  };
  if (!options.detailed) {
    for (const key of DETAILED_KEYS) delete result[key];
  }
  for (const metric of LATENCY_METRICS) {
    const summary = metrics[metric.key];
    result[`mean_${metric.key}_ms`] = summary.meanMs;
    result[`median_${metric.key}_ms`] = summary.medianMs;
    result[`std_${metric.key}_ms`] = summary.stdMs;
    for (const { percentile, valueMs } of summary.percentilesMs) {
      result[`p${percentileWord(percentile)}_${metric.key}_ms`] = valueMs;
    }
  }
  result.llmservingsim = {
    endpoint: settings.endpoint,
    base_url: settings.baseUrl,
    dataset: settings.dataset,
    dataset_description: run.datasetDescription,
    input_len: settings.inputLen ?? null,
    output_len: settings.outputLen ?? null,
    ignore_eos: settings.ignoreEos,
    stream: settings.stream,
    seed: settings.seed,
    tokenizer_exact: run.tokenizer.exact,
    goodput_slos_ms: metrics.goodputSlos ?? null,
    notes: run.notes,
  };
  return result;
}
