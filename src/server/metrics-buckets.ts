/**
 * @module Histogram bucket boundaries of vLLM's Prometheus metrics, so that dashboards built for
 * vLLM (which compute quantiles from `_bucket` series) read the same resolution from us.
 *
 * Source: vLLM `vllm/v1/metrics/buckets.py` and `vllm/v1/metrics/loggers.py` at commit
 * 3168f587f0555dda23ee852316697cc12f314eab (vllm-project/vllm main). Boundaries are facts taken
 * from there; the code is ours.
 */

/** Time to first token, seconds (vLLM `BucketType.PREFILL_LATENCY`): 1 ms to 2560 s. */
export const TTFT_BUCKETS_S: readonly number[] = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80,
  160, 640, 2560,
];

/**
 * Inter-token latency and per-request time per output token, seconds (vLLM
 * `BucketType.TOKEN_STEP_LATENCY`): 10 ms to 80 s.
 */
export const TOKEN_STEP_BUCKETS_S: readonly number[] = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80,
];

/**
 * End-to-end, queue, prefill, decode and inference time of a request, seconds (vLLM
 * `BucketType.ACCUMULATED_PHASE_LATENCY`): 100 ms to 7680 s.
 */
export const REQUEST_PHASE_BUCKETS_S: readonly number[] = [
  0.1, 0.2, 0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920,
  7680,
];

/** The `n` request parameter (vLLM `BucketType.COMPLETION_COUNT`). */
export const COMPLETION_COUNT_BUCKETS: readonly number[] = [1, 2, 5, 10, 20];

/**
 * vLLM's default bound of `vllm:iteration_tokens_total` buckets: `get_buckets(BATCH_SIZE)` is
 * called without `max_num_batched_tokens` in loggers.py, so the 1-2-5 series stops at 16384.
 */
export const ITERATION_TOKENS_BUCKET_LIMIT = 16384;

/**
 * vLLM's `build_1_2_5_buckets(maxValue)`: 1, 2, 5, 10, 20, 50, … up to and including `maxValue`.
 * The token-count histograms use it with `max_model_len`.
 */
export function oneTwoFiveBuckets(maxValue: number): number[] {
  const buckets: number[] = [];
  for (let power = 1; power <= maxValue; power *= 10) {
    for (const mantissa of [1, 2, 5]) {
      const value = mantissa * power;
      if (value <= maxValue) buckets.push(value);
    }
  }
  return buckets;
}
