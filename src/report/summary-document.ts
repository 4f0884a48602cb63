/**
 * @module The summary JSON of an offline run (the documented contract: times in milliseconds unless
 * a key says `_s`), built from the deployment, the workload and the collected metrics.
 */

import type { Deployment } from '../config/deployment.js';
import type { MetricsSummary } from '../core/metrics/metrics-collector.js';
import type { LatencyStats } from '../core/metrics/percentiles.js';

/** Mean and percentiles in milliseconds. */
export interface LatencyStatsMs {
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
}

/** The summary document; see the README for each field. */
export interface SummaryDocument {
  readonly model: string;
  readonly hardware: string;
  readonly tp: number;
  readonly pp: number;
  readonly gpus: number;
  readonly requests: {
    readonly completed: number;
    readonly preempted: number;
    readonly preemptions: number;
    readonly rejected: number;
  };
  readonly duration_s: number;
  readonly throughput: {
    readonly requests_per_s: number;
    readonly input_tokens_per_s: number;
    readonly output_tokens_per_s: number;
    readonly total_tokens_per_s: number;
  };
  readonly ttft_ms: LatencyStatsMs;
  readonly tpot_ms: LatencyStatsMs;
  readonly itl_ms: LatencyStatsMs;
  readonly e2e_ms: LatencyStatsMs;
  readonly queue_ms: LatencyStatsMs;
  readonly kv_cache: {
    readonly capacity_tokens: number;
    readonly block_size: number;
    readonly total_blocks: number;
    readonly peak_usage: number;
  };
  readonly engine: {
    readonly max_num_seqs: number;
    readonly max_num_batched_tokens: number;
    readonly max_model_len: number;
    readonly chunked_prefill: boolean;
    readonly gpu_memory_utilization: number;
    readonly weight_dtype: string;
    readonly kv_cache_dtype: string;
    readonly scheduler: string;
    readonly cost_model: string;
    readonly cost_model_detail: string;
  };
  readonly workload: {
    readonly description: string;
    readonly input_tokens: number;
    readonly output_tokens: number;
  };
  readonly simulator: { readonly wall_s: number; readonly steps: number };
}

function toMs(stats: LatencyStats): LatencyStatsMs {
  return {
    mean: stats.mean * 1000,
    p50: stats.p50 * 1000,
    p90: stats.p90 * 1000,
    p95: stats.p95 * 1000,
    p99: stats.p99 * 1000,
  };
}

export interface SummaryDocumentInput {
  readonly deployment: Deployment;
  readonly workloadDescription: string;
  readonly metrics: MetricsSummary;
  readonly steps: number;
  readonly wallS: number;
}

export function buildSummaryDocument(input: SummaryDocumentInput): SummaryDocument {
  const { deployment, metrics } = input;
  const config = deployment.engineConfig;
  return {
    model: deployment.model.id,
    hardware: deployment.hardware.file.name,
    tp: deployment.parallel.tp,
    pp: deployment.parallel.pp,
    gpus: deployment.gpus,
    requests: {
      completed: metrics.requests.completed,
      preempted: metrics.requests.preempted,
      preemptions: metrics.requests.preemptions,
      rejected: metrics.requests.rejected,
    },
    duration_s: metrics.durationS,
    throughput: {
      requests_per_s: metrics.throughput.requestsPerS,
      input_tokens_per_s: metrics.throughput.inputTokensPerS,
      output_tokens_per_s: metrics.throughput.outputTokensPerS,
      total_tokens_per_s: metrics.throughput.totalTokensPerS,
    },
    ttft_ms: toMs(metrics.ttftS),
    tpot_ms: toMs(metrics.tpotS),
    itl_ms: toMs(metrics.itlS),
    e2e_ms: toMs(metrics.e2eS),
    queue_ms: toMs(metrics.queueS),
    kv_cache: {
      capacity_tokens: deployment.kvCapacity.capacityTokens,
      block_size: config.blockSize,
      total_blocks: config.totalKvBlocks,
      peak_usage: metrics.kvPeakUsage,
    },
    engine: {
      max_num_seqs: config.maxNumSeqs,
      max_num_batched_tokens: config.maxNumBatchedTokens,
      max_model_len: config.maxModelLen,
      chunked_prefill: config.enableChunkedPrefill,
      gpu_memory_utilization: deployment.gpuMemoryUtilization,
      weight_dtype: deployment.precision.weightDtype,
      kv_cache_dtype: deployment.precision.kvCacheDtype,
      scheduler: deployment.scheduler.kind,
      cost_model: deployment.costModel.kind,
      cost_model_detail: deployment.costModelChoice.description,
    },
    workload: {
      description: input.workloadDescription,
      input_tokens: metrics.inputTokens,
      output_tokens: metrics.outputTokens,
    },
    simulator: { wall_s: input.wallS, steps: input.steps },
  };
}
