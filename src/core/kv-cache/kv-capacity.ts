/**
 * @module How many KV-cache blocks an instance has, computed the way vLLM sizes its cache: the
 * memory budget (`gpu_memory_utilization` × GPU memory) minus weights, the activation peak of a
 * profiling forward pass, and memory used outside PyTorch, divided by the bytes of one block.
 */

import type { ParallelConfig } from '../perf/cost-model.js';
import { countParameters, type ModelSpec } from '../perf/model-spec.js';
import { bytesPerElement, type PrecisionConfig } from '../perf/precision.js';

/** Memory outside weights and KV cache that the model reserves (from the calibration data). */
export interface MemoryReserve {
  /** Per-GPU memory allocated outside PyTorch (CUDA context, cuBLAS workspace, NCCL buffers). */
  readonly nonTorchBytesPerGpu: number;
}

export interface KvCapacityOptions {
  readonly model: ModelSpec;
  readonly precision: PrecisionConfig;
  readonly parallel: ParallelConfig;
  /** Memory of one GPU. */
  readonly memoryBytesPerGpu: number;
  readonly gpuMemoryUtilization: number;
  readonly blockSize: number;
  /** Tokens of the profiling forward pass (vLLM profiles with `max_num_batched_tokens`). */
  readonly maxNumBatchedTokens: number;
  /** Sequences of the profiling sampler pass (vLLM uses `max_num_seqs`). */
  readonly maxNumSeqs: number;
  readonly reserve: MemoryReserve;
}

/** The memory budget of one GPU and the KV cache it leaves. All byte figures are per GPU. */
export interface KvCapacity {
  readonly memoryBytesPerGpu: number;
  /** `gpu_memory_utilization` × memory. */
  readonly budgetBytesPerGpu: number;
  readonly weightBytesPerGpu: number;
  readonly activationPeakBytesPerGpu: number;
  readonly nonTorchBytesPerGpu: number;
  /** What is left for the KV cache (may be ≤ 0 when the model does not fit). */
  readonly kvCacheBytesPerGpu: number;
  /** KV bytes one token occupies on one GPU (its share of layers and KV heads). */
  readonly kvBytesPerTokenPerGpu: number;
  readonly blockSize: number;
  /** Blocks of the instance (each spans all layers across the pipeline stages). */
  readonly totalBlocks: number;
  /** `totalBlocks × blockSize`. */
  readonly capacityTokens: number;
}

/** KV bytes per token on one GPU: K and V for its layers and its KV heads (replicated past tp). */
export function kvBytesPerTokenPerGpu(
  model: ModelSpec,
  kvCacheDtype: PrecisionConfig['kvCacheDtype'],
  parallel: ParallelConfig,
): number {
  const layersPerStage = Math.ceil(model.numLayers / parallel.pp);
  const kvHeadsPerRank = Math.max(1, Math.ceil(model.numKeyValueHeads / parallel.tp));
  return 2 * layersPerStage * kvHeadsPerRank * model.headDim * bytesPerElement(kvCacheDtype);
}

/**
 * Peak activation memory of the profiling pass on one GPU: per token, the residual stream and
 * its normalised copy, attention input/output, the QKV output and the MLP's gate/up and activated
 * intermediates; plus the fp32 logits of the dummy sampler pass over `maxNumSeqs` sequences.
 */
export function activationPeakBytesPerGpu(options: KvCapacityOptions): number {
  const { model, precision, parallel, maxNumBatchedTokens, maxNumSeqs } = options;
  const tp = parallel.tp;
  const qkvOut =
    (model.numAttentionHeads / tp + 2 * Math.max(1, model.numKeyValueHeads / tp)) * model.headDim;
  const ffn = model.moe
    ? (model.moe.numExpertsPerToken * model.moe.expertIntermediateSize +
        model.moe.numSharedExperts * model.moe.sharedExpertIntermediateSize) /
      tp
    : model.intermediateSize / tp;
  const perToken =
    bytesPerElement(precision.activationDtype) * (4 * model.hiddenSize + qkvOut + 3 * ffn);
  const logits = Math.min(maxNumSeqs, maxNumBatchedTokens) * model.vocabSize * 4;
  return maxNumBatchedTokens * perToken + logits;
}

/** Sizes the KV cache of one instance. */
export function computeKvCapacity(options: KvCapacityOptions): KvCapacity {
  const { model, precision, parallel, memoryBytesPerGpu, gpuMemoryUtilization, blockSize } =
    options;
  const parameters = countParameters(model);
  const weightBytesPerGpu =
    (parameters.total * bytesPerElement(precision.weightDtype)) / (parallel.tp * parallel.pp);
  const budgetBytesPerGpu = memoryBytesPerGpu * gpuMemoryUtilization;
  const activationPeak = activationPeakBytesPerGpu(options);
  const nonTorch = options.reserve.nonTorchBytesPerGpu;
  const kvCacheBytesPerGpu = budgetBytesPerGpu - weightBytesPerGpu - activationPeak - nonTorch;
  const perToken = kvBytesPerTokenPerGpu(model, precision.kvCacheDtype, parallel);
  const totalBlocks = Math.max(0, Math.floor(kvCacheBytesPerGpu / (perToken * blockSize)));
  return {
    memoryBytesPerGpu,
    budgetBytesPerGpu,
    weightBytesPerGpu,
    activationPeakBytesPerGpu: activationPeak,
    nonTorchBytesPerGpu: nonTorch,
    kvCacheBytesPerGpu,
    kvBytesPerTokenPerGpu: perToken,
    blockSize,
    totalBlocks,
    capacityTokens: totalBlocks * blockSize,
  };
}
