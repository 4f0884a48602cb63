/**
 * @module vLLM's request and token metric families (counters and histograms), registered in one
 * Prometheus registry with vLLM's names, types, label names and buckets. The observations that
 * feed them are made by `metrics-request-observer.ts`; the gauges read at scrape time live in
 * `prometheus-metrics.ts`.
 *
 * Source of names, labels and buckets: vLLM `vllm/v1/metrics/loggers.py` (PrometheusStatLogger)
 * at commit 3168f587f0555dda23ee852316697cc12f314eab. prom-client takes a counter's name as
 * written, so the `_total` that Python's client appends is part of our names.
 */

import { Counter, Histogram, type Registry } from 'prom-client';
import {
  COMPLETION_COUNT_BUCKETS,
  ITERATION_TOKENS_BUCKET_LIMIT,
  oneTwoFiveBuckets,
  REQUEST_PHASE_BUCKETS_S,
  TOKEN_STEP_BUCKETS_S,
  TTFT_BUCKETS_S,
} from './metrics-buckets.js';

/** vLLM labels every engine metric with the served model name and the engine index. */
export const ENGINE_LABELS = ['model_name', 'engine'] as const;
export type EngineLabel = (typeof ENGINE_LABELS)[number];

/** vLLM's `finished_reason` values that this simulator produces (vLLM also has error, repetition). */
export const FINISHED_REASONS = ['stop', 'length', 'abort'] as const;
export type FinishedReason = (typeof FINISHED_REASONS)[number];

/** The counters and histograms fed by engine events. */
export interface VllmMetricFamilies {
  readonly preemptions: Counter<EngineLabel>;
  readonly promptTokens: Counter<EngineLabel>;
  readonly generationTokens: Counter<EngineLabel>;
  readonly requestSuccess: Counter<EngineLabel | 'finished_reason'>;
  readonly requestPromptTokens: Histogram<EngineLabel>;
  readonly requestGenerationTokens: Histogram<EngineLabel>;
  readonly iterationTokens: Histogram<EngineLabel>;
  readonly requestMaxGenerationTokens: Histogram<EngineLabel>;
  readonly requestParamsN: Histogram<EngineLabel>;
  readonly timeToFirstToken: Histogram<EngineLabel>;
  readonly interTokenLatency: Histogram<EngineLabel>;
  /** vLLM's deprecated name for the same observations as `interTokenLatency`. */
  readonly timePerOutputToken: Histogram<EngineLabel>;
  readonly requestTimePerOutputToken: Histogram<EngineLabel>;
  readonly e2eRequestLatency: Histogram<EngineLabel>;
  readonly requestQueueTime: Histogram<EngineLabel>;
  readonly requestInferenceTime: Histogram<EngineLabel>;
  readonly requestPrefillTime: Histogram<EngineLabel>;
  readonly requestDecodeTime: Histogram<EngineLabel>;
}

/**
 * Registers the families in `registry`. `maxModelLen` bounds the token-count buckets (vLLM's
 * 1-2-5 rule); with several models, pass the largest, since one family has one bucket set.
 */
export function registerVllmFamilies(
  registry: Registry,
  options: { readonly maxModelLen: number },
): VllmMetricFamilies {
  const registers = [registry];
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ENGINE_LABELS, registers });
  const histogram = (name: string, help: string, buckets: readonly number[]) =>
    new Histogram({ name, help, labelNames: ENGINE_LABELS, buckets: [...buckets], registers });
  const tokenCounts = oneTwoFiveBuckets(options.maxModelLen);
  return {
    preemptions: counter(
      'vllm:num_preemptions_total',
      'Cumulative number of preemptions by the engine.',
    ),
    promptTokens: counter(
      'vllm:prompt_tokens_total',
      'Prompt tokens prefilled, counted once per request when its first token is produced.',
    ),
    generationTokens: counter('vllm:generation_tokens_total', 'Output tokens generated.'),
    requestSuccess: new Counter({
      name: 'vllm:request_success_total',
      help: 'Finished requests, by finish reason.',
      labelNames: [...ENGINE_LABELS, 'finished_reason'],
      registers,
    }),
    requestPromptTokens: histogram(
      'vllm:request_prompt_tokens',
      'Prompt tokens of each finished request.',
      tokenCounts,
    ),
    requestGenerationTokens: histogram(
      'vllm:request_generation_tokens',
      'Output tokens of each finished request.',
      tokenCounts,
    ),
    iterationTokens: histogram(
      'vllm:iteration_tokens_total',
      'Tokens per engine step that produced output: prompts whose first token came out in the ' +
        'step plus the tokens generated in it.',
      oneTwoFiveBuckets(ITERATION_TOKENS_BUCKET_LIMIT),
    ),
    requestMaxGenerationTokens: histogram(
      'vllm:request_max_num_generation_tokens',
      'Most output tokens among the sequences of a finished request (n = 1 here).',
      tokenCounts,
    ),
    requestParamsN: histogram(
      'vllm:request_params_n',
      'The n parameter of each finished request (each choice is its own request here).',
      COMPLETION_COUNT_BUCKETS,
    ),
    timeToFirstToken: histogram(
      'vllm:time_to_first_token_seconds',
      'Time from arrival to first token, in seconds.',
      TTFT_BUCKETS_S,
    ),
    interTokenLatency: histogram(
      'vllm:inter_token_latency_seconds',
      'Gap between consecutive output tokens of a request, in seconds.',
      TOKEN_STEP_BUCKETS_S,
    ),
    timePerOutputToken: histogram(
      'vllm:time_per_output_token_seconds',
      'Deprecated vLLM name of vllm:inter_token_latency_seconds (same observations).',
      TOKEN_STEP_BUCKETS_S,
    ),
    requestTimePerOutputToken: histogram(
      'vllm:request_time_per_output_token_seconds',
      'Mean time per output token after the first, per finished request, in seconds.',
      TOKEN_STEP_BUCKETS_S,
    ),
    e2eRequestLatency: histogram(
      'vllm:e2e_request_latency_seconds',
      'Time from arrival to finish of each request, in seconds.',
      REQUEST_PHASE_BUCKETS_S,
    ),
    requestQueueTime: histogram(
      'vllm:request_queue_time_seconds',
      'Time from arrival to first scheduling (waiting phase), in seconds.',
      REQUEST_PHASE_BUCKETS_S,
    ),
    requestInferenceTime: histogram(
      'vllm:request_inference_time_seconds',
      'Time from first scheduling to last token (running phase), in seconds.',
      REQUEST_PHASE_BUCKETS_S,
    ),
    requestPrefillTime: histogram(
      'vllm:request_prefill_time_seconds',
      'Time from first scheduling to first token (prefill phase), in seconds.',
      REQUEST_PHASE_BUCKETS_S,
    ),
    requestDecodeTime: histogram(
      'vllm:request_decode_time_seconds',
      'Time from first token to last token (decode phase), in seconds.',
      REQUEST_PHASE_BUCKETS_S,
    ),
  };
}

/** Creates every series of one engine at zero, as vLLM does, so dashboards see them at once. */
export function zeroVllmSeries(
  families: VllmMetricFamilies,
  labels: Readonly<Record<EngineLabel, string>>,
): void {
  for (const family of Object.values(families) as (Counter<string> | Histogram<string>)[]) {
    if (family instanceof Histogram) family.zero(labels);
    else if (family !== families.requestSuccess) family.inc(labels, 0);
  }
  for (const reason of FINISHED_REASONS) {
    families.requestSuccess.inc({ ...labels, finished_reason: reason }, 0);
  }
}
