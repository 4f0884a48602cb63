/**
 * @module How many KV-cache blocks an instance has, computed the way vLLM's V1 engine sizes its
 * cache (0.10–0.20, `Worker.determine_available_memory`): `gpu_memory_utilization` × the memory
 * the driver reports, minus the weights, minus the torch peak of the profiling pass (a forward
 * pass of `max_num_batched_tokens` tokens, then the dummy sampler over `max_num_seqs` rows of
 * logits), minus the non-torch memory that appeared since start-up; what is left, divided by
 * the bytes of one block over all layers, in whole blocks. Also the comparison of this model
 * with measured capacities and the fit of its constants (both pure; the data lives in the
 * catalog).
 */

import type { ParallelConfig } from '../perf/cost-model.js';
import { countParameters, type ModelSpec } from '../perf/model-spec.js';
import { bytesPerElement, type PrecisionConfig } from '../perf/precision.js';

/** Memory outside weights and KV cache, fitted from vLLM start-up logs (calibration data). */
export interface MemoryReserve {
  /** Non-torch memory that appears during loading and profiling, per GPU, without tensor parallelism. */
  readonly nonTorchBytesPerGpu: number;
  /** The same with tensor parallelism (all-reduce buffers allocated after vLLM's start snapshot). */
  readonly nonTorchBytesPerGpuTensorParallel: number;
  /** Torch peak of the dummy sampler pass per logit (one sequence × one vocabulary entry). */
  readonly samplerBytesPerLogit: number;
}

export interface KvCapacityOptions {
  readonly model: ModelSpec;
  readonly precision: PrecisionConfig;
  readonly parallel: ParallelConfig;
  /** Memory of one GPU as catalogued (the nominal size). */
  readonly memoryBytesPerGpu: number;
  /**
   * Total memory the driver reports for one GPU (`torch.cuda.mem_get_info`), the base vLLM
   * multiplies by `gpu_memory_utilization`; a little below the nominal size (79.19 GiB on an
   * 80 GiB H100). Defaults to `memoryBytesPerGpu`.
   */
  readonly deviceMemoryBytesPerGpu?: number;
  readonly gpuMemoryUtilization: number;
  readonly blockSize: number;
  /** Tokens of the profiling forward pass (vLLM profiles with `max_num_batched_tokens`). */
  readonly maxNumBatchedTokens: number;
  /** Rows of the profiling sampler pass (vLLM uses `min(max_num_seqs, max_num_batched_tokens)`). */
  readonly maxNumSeqs: number;
  readonly reserve: MemoryReserve;
  /**
   * CUDA-graph memory taken out before sizing the cache. vLLM up to 0.20 captures graphs after
   * the cache is allocated, out of the unrequested `1 − gpu_memory_utilization` part, so this is
   * 0 there (the default); 0.21 turns `VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS` on by default
   * and subtracts its estimate.
   */
  readonly cudaGraphBytesPerGpu?: number;
  /**
   * How the engine turns these memory figures into KV-cache bytes per GPU (before CUDA graphs are
   * taken out). Defaults to vLLM's: `gpu_memory_utilization × device memory − weights − activation
   * peak − non-torch`; other engines' rules are in src/config/engine-presets.ts.
   */
  readonly kvBudget?: (memory: KvBudgetMemory) => number;
}

/** The per-GPU figures an engine's KV budget rule is computed from. */
export interface KvBudgetMemory {
  readonly deviceMemoryBytesPerGpu: number;
  readonly gpuMemoryUtilization: number;
  readonly weightBytesPerGpu: number;
  readonly activationPeakBytesPerGpu: number;
  readonly nonTorchBytesPerGpu: number;
}

/** vLLM's rule: the fraction bounds everything the process uses. */
function vllmKvBudget(memory: KvBudgetMemory): number {
  return (
    memory.deviceMemoryBytesPerGpu * memory.gpuMemoryUtilization -
    memory.weightBytesPerGpu -
    memory.activationPeakBytesPerGpu -
    memory.nonTorchBytesPerGpu
  );
}

/** The memory budget of one GPU and the KV cache it leaves. All byte figures are per GPU. */
export interface KvCapacity {
  readonly memoryBytesPerGpu: number;
  /** The total the budget is a fraction of (see `KvCapacityOptions.deviceMemoryBytesPerGpu`). */
  readonly deviceMemoryBytesPerGpu: number;
  /** `gpu_memory_utilization` × device memory. */
  readonly budgetBytesPerGpu: number;
  readonly weightBytesPerGpu: number;
  /** Torch peak of the profiling pass: the larger of the forward pass and the sampler pass. */
  readonly activationPeakBytesPerGpu: number;
  readonly forwardActivationBytesPerGpu: number;
  readonly samplerPeakBytesPerGpu: number;
  readonly nonTorchBytesPerGpu: number;
  readonly cudaGraphBytesPerGpu: number;
  /** What is left for the KV cache (may be ≤ 0 when the model does not fit). */
  readonly kvCacheBytesPerGpu: number;
  /** KV bytes one token occupies on one GPU (its share of layers and KV heads). */
  readonly kvBytesPerTokenPerGpu: number;
  readonly blockSize: number;
  /** Blocks of the instance (each spans all layers across the pipeline stages). */
  readonly totalBlocks: number;
  /** `totalBlocks × blockSize`, the figure vLLM logs as "GPU KV cache size: N tokens". */
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
 * Weights on the most loaded GPU. Quantized checkpoints (fp8, int4) quantize the decoder layers
 * only; embedding, LM head and norms stay in the 16-bit activation type, as vLLM loads them.
 * With pipeline parallelism the first stage holds the embedding and the last the LM head, so
 * the heavier of the two stages sets the figure.
 */
export function weightBytesPerGpu(
  model: ModelSpec,
  precision: PrecisionConfig,
  parallel: ParallelConfig,
): number {
  const parameters = countParameters(model);
  const perLayer = parameters.layers / model.numLayers;
  const layersPerStage = Math.ceil(model.numLayers / parallel.pp);
  const headParameters = parameters.lmHead === 0 ? parameters.embedding : parameters.lmHead;
  const vocabularyParameters =
    parallel.pp === 1
      ? parameters.embedding + parameters.lmHead
      : Math.max(parameters.embedding, headParameters);
  const finalNorm = model.hiddenSize;
  const bytes =
    layersPerStage * perLayer * bytesPerElement(precision.weightDtype) +
    (vocabularyParameters + finalNorm) * bytesPerElement(precision.activationDtype);
  return bytes / parallel.tp;
}

/**
 * Torch peak of the profiling forward pass: per token, the residual stream and its normalised
 * copy, attention input/output, the QKV output and the MLP's gate/up and activated
 * intermediates, for `max_num_batched_tokens` tokens.
 */
export function forwardActivationBytesPerGpu(options: KvCapacityOptions): number {
  const { model, precision, parallel, maxNumBatchedTokens } = options;
  const tp = parallel.tp;
  const qkvOut =
    (model.numAttentionHeads / tp + 2 * Math.max(1, model.numKeyValueHeads / tp)) * model.headDim;
  const ffn = model.moe
    ? (model.moe.numExpertsPerToken * model.moe.expertIntermediateSize +
        model.moe.numSharedExperts * model.moe.sharedExpertIntermediateSize) /
      tp
    : model.intermediateSize / tp;
  return (
    maxNumBatchedTokens *
    bytesPerElement(precision.activationDtype) *
    (4 * model.hiddenSize + qkvOut + 3 * ffn)
  );
}

/**
 * Torch peak of the dummy sampler pass that follows the forward pass: one row of logits per
 * sequence over the whole vocabulary (every tensor-parallel rank samples the gathered logits),
 * while the forward pass's hidden states are still held (and, past one pipeline stage, the
 * hidden and residual buffers received from the previous stage).
 */
export function samplerPeakBytesPerGpu(options: KvCapacityOptions): number {
  const { model, precision, parallel, maxNumBatchedTokens, maxNumSeqs, reserve } = options;
  const rows = Math.min(maxNumSeqs, maxNumBatchedTokens);
  const heldTensors = parallel.pp > 1 ? 3 : 1;
  const held =
    heldTensors *
    maxNumBatchedTokens *
    model.hiddenSize *
    bytesPerElement(precision.activationDtype);
  return rows * model.vocabSize * reserve.samplerBytesPerLogit + held;
}

/** The profiling pass's torch peak: the forward pass and the sampler pass run one after the other. */
export function activationPeakBytesPerGpu(options: KvCapacityOptions): number {
  return Math.max(forwardActivationBytesPerGpu(options), samplerPeakBytesPerGpu(options));
}

/** Non-torch memory growth of one GPU (much larger with tensor parallelism). */
export function nonTorchBytesPerGpu(reserve: MemoryReserve, parallel: ParallelConfig): number {
  return parallel.tp > 1 ? reserve.nonTorchBytesPerGpuTensorParallel : reserve.nonTorchBytesPerGpu;
}

/** Sizes the KV cache of one instance. */
export function computeKvCapacity(options: KvCapacityOptions): KvCapacity {
  const { model, precision, parallel, memoryBytesPerGpu, gpuMemoryUtilization, blockSize } =
    options;
  const deviceMemory = options.deviceMemoryBytesPerGpu ?? memoryBytesPerGpu;
  const budgetBytesPerGpu = deviceMemory * gpuMemoryUtilization;
  const weights = weightBytesPerGpu(model, precision, parallel);
  const forward = forwardActivationBytesPerGpu(options);
  const sampler = samplerPeakBytesPerGpu(options);
  const activationPeak = Math.max(forward, sampler);
  const nonTorch = nonTorchBytesPerGpu(options.reserve, parallel);
  const cudaGraph = options.cudaGraphBytesPerGpu ?? 0;
  const kvBudget = options.kvBudget ?? vllmKvBudget;
  const kvCacheBytesPerGpu =
    kvBudget({
      deviceMemoryBytesPerGpu: deviceMemory,
      gpuMemoryUtilization,
      weightBytesPerGpu: weights,
      activationPeakBytesPerGpu: activationPeak,
      nonTorchBytesPerGpu: nonTorch,
    }) - cudaGraph;
  const perToken = kvBytesPerTokenPerGpu(model, precision.kvCacheDtype, parallel);
  const totalBlocks = Math.max(0, Math.floor(kvCacheBytesPerGpu / (perToken * blockSize)));
  return {
    memoryBytesPerGpu,
    deviceMemoryBytesPerGpu: deviceMemory,
    budgetBytesPerGpu,
    weightBytesPerGpu: weights,
    activationPeakBytesPerGpu: activationPeak,
    forwardActivationBytesPerGpu: forward,
    samplerPeakBytesPerGpu: sampler,
    nonTorchBytesPerGpu: nonTorch,
    cudaGraphBytesPerGpu: cudaGraph,
    kvCacheBytesPerGpu,
    kvBytesPerTokenPerGpu: perToken,
    blockSize,
    totalBlocks,
    capacityTokens: totalBlocks * blockSize,
  };
}

/** Whether a measured capacity helped fit the reserve's constants or only tests them. */
export type KvCapacityRole = 'fit' | 'held-out';

/** One measured capacity and the options that reproduce its deployment. */
export interface KvCapacityCase {
  readonly id: string;
  readonly role: KvCapacityRole;
  /** Whether the run used a vLLM version this model describes (0.10–0.20). */
  readonly inModelledVersions: boolean;
  readonly options: KvCapacityOptions;
  /** "GPU KV cache size: N tokens" from the start-up log. */
  readonly measuredTokens: number;
  /** Torch peak increase of the profiling pass on the limiting GPU, when the log prints it. */
  readonly measuredActivationBytesPerGpu?: number;
  /** Non-torch increase on the limiting GPU, when the log prints it. */
  readonly measuredNonTorchBytesPerGpu?: number;
}

/** Our capacity next to the measured one. */
export interface KvCapacityComparison {
  readonly id: string;
  readonly role: KvCapacityRole;
  readonly inModelledVersions: boolean;
  readonly measuredTokens: number;
  readonly predictedTokens: number;
  /** `(predicted − measured) / measured`. */
  readonly signedError: number;
  readonly predicted: KvCapacity;
}

/** Computes our capacity for every case. */
export function compareKvCapacity(cases: readonly KvCapacityCase[]): KvCapacityComparison[] {
  return cases.map((testCase) => {
    const predicted = computeKvCapacity(testCase.options);
    return {
      id: testCase.id,
      role: testCase.role,
      inModelledVersions: testCase.inModelledVersions,
      measuredTokens: testCase.measuredTokens,
      predictedTokens: predicted.capacityTokens,
      signedError: (predicted.capacityTokens - testCase.measuredTokens) / testCase.measuredTokens,
      predicted,
    };
  });
}

/** Median and largest absolute relative error of a set of comparisons (0 when empty). */
export function summarizeKvCapacityErrors(rows: readonly KvCapacityComparison[]): {
  readonly count: number;
  readonly medianAbsoluteError: number;
  readonly maxAbsoluteError: number;
} {
  const errors = rows.map((row) => Math.abs(row.signedError)).sort((a, b) => a - b);
  return {
    count: errors.length,
    medianAbsoluteError: median(errors),
    maxAbsoluteError: errors.length === 0 ? 0 : (errors[errors.length - 1] ?? 0),
  };
}

/**
 * A forward pass smaller than this fraction of the measured peak cannot be the peak, so that
 * case's peak is the sampler's and tells the bytes per logit.
 */
const SAMPLER_DOMINATES_BELOW = 0.75;

/**
 * Fits the reserve from the measured components of the `fit` cases: non-torch growth is the
 * median of the cases without and with tensor parallelism, and the sampler's bytes per logit is
 * the median, over the cases whose forward pass cannot reach the measured peak, of (peak −
 * held hidden states) / logits. Returns undefined for a constant no fit case informs.
 */
export function fitMemoryReserve(cases: readonly KvCapacityCase[]): {
  readonly nonTorchBytesPerGpu: number | undefined;
  readonly nonTorchBytesPerGpuTensorParallel: number | undefined;
  readonly samplerBytesPerLogit: number | undefined;
} {
  const fitCases = cases.filter((testCase) => testCase.role === 'fit');
  const single: number[] = [];
  const tensorParallel: number[] = [];
  const perLogit: number[] = [];
  for (const testCase of fitCases) {
    const { options } = testCase;
    const nonTorch = testCase.measuredNonTorchBytesPerGpu;
    if (nonTorch !== undefined && options.parallel.pp === 1) {
      (options.parallel.tp > 1 ? tensorParallel : single).push(nonTorch);
    }
    const peak = testCase.measuredActivationBytesPerGpu;
    if (peak === undefined) continue;
    if (forwardActivationBytesPerGpu(options) >= SAMPLER_DOMINATES_BELOW * peak) continue;
    const withoutLogits = samplerPeakBytesPerGpu({
      ...options,
      reserve: { ...options.reserve, samplerBytesPerLogit: 0 },
    });
    const logits =
      Math.min(options.maxNumSeqs, options.maxNumBatchedTokens) * options.model.vocabSize;
    perLogit.push((peak - withoutLogits) / logits);
  }
  const fitted = (values: number[]) =>
    values.length === 0 ? undefined : median([...values].sort((a, b) => a - b));
  return {
    nonTorchBytesPerGpu: fitted(single),
    nonTorchBytesPerGpuTensorParallel: fitted(tensorParallel),
    samplerBytesPerLogit: fitted(perLogit),
  };
}

/** Median of values sorted ascending. */
function median(sorted: readonly number[]): number {
  if (sorted.length === 0) return 0;
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? 0) + upper) / 2;
}
