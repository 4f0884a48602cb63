/**
 * @module Engine presets for `--engine vllm|trtllm|sglang`: the defaults that decide KV-cache
 * capacity and batching in each serving engine, every value with the place it was read from
 * (repository + path + commit or pull request, or documentation page + version). Only defaults an
 * engine documents or sets in its source are here; where none was found the vLLM value is kept
 * and its source says so. docs/ENGINES.md explains each choice and what the published
 * measurements do and do not show about engine differences.
 */

import { InsufficientMemoryError } from '../errors.js';
import { type BatchDefaults, vllmBatchDefaults } from './engine-options.js';

/** Engines `--engine` accepts. */
export type EngineName = 'vllm' | 'trtllm' | 'sglang';

/**
 * A preset per engine version family. `trtllm` is the server (`trtllm-serve`, LLM API) and
 * `trtllm-bench` the offline throughput benchmark that produced NVIDIA's tables; `sglang` is the
 * 0.5.x family and `sglang-0.3` the release of the SGLang-vs-vLLM comparison.
 */
export type EnginePresetId = EngineName | 'vllm-v0' | 'trtllm-bench' | 'sglang-0.3';

/** A value and where it comes from. */
export interface Sourced<T> {
  readonly value: T;
  readonly source: string;
}

/** The GPU and layout a default may depend on. */
export interface GpuContext {
  readonly memoryBytesPerGpu: number;
  /** Catalog name (vLLM treats A100s apart). */
  readonly hardwareName: string;
  readonly tp: number;
  readonly pp: number;
}

/** What the batch defaults may depend on besides the GPU. */
export interface BatchContext extends GpuContext {
  /** Context length the engine serves (`max_model_len`, SGLang `context_len`). */
  readonly maxModelLen: number;
  /**
   * KV-cache capacity of the instance in tokens. SGLang derives `max_running_requests` from it;
   * its capacity does not depend on the batch limits, so there is no cycle.
   */
  readonly kvCapacityTokens: number;
}

/**
 * How an engine turns GPU memory into KV-cache bytes (per GPU):
 * - `fraction-of-total` with activations inside (vLLM): `f × memory − weights − activation peak −
 *   non-torch`; the fraction bounds everything the process uses.
 * - `fraction-of-total` with activations outside (SGLang `mem_fraction_static`): `f × (memory −
 *   non-torch) − weights`; the fraction covers weights and the KV pool only, activations and CUDA
 *   graphs live in the remaining `1 − f`.
 * - `fraction-of-free` (TensorRT-LLM `free_gpu_memory_fraction`): `f × (memory − weights −
 *   activation peak − non-torch)`, a fraction of what is free after a profiling pass.
 */
export type MemoryBudgetKind = 'fraction-of-total' | 'fraction-of-free';

export interface MemoryBudgetRule {
  readonly kind: MemoryBudgetKind;
  /** For `fraction-of-total`: whether the activation peak is taken out of the fraction. */
  readonly activationsInsideFraction: boolean;
  /** The fraction the engine uses when the user sets none. */
  readonly defaultFraction: (gpu: GpuContext) => number;
  readonly source: string;
}

/** What happens to a prompt longer than the token budget when chunked prefill is off. */
export type LongPromptPolicy = 'raise-budget' | 'reject';

export interface EnginePreset {
  readonly id: EnginePresetId;
  readonly engine: EngineName;
  /** Versions (and entry point) the values were read for. */
  readonly versions: string;
  readonly memoryBudget: MemoryBudgetRule;
  /** `max_num_seqs` / `max_batch_size` / `max_running_requests` and the per-step token budget. */
  readonly batchDefaults: {
    readonly resolve: (context: BatchContext) => BatchDefaults;
    readonly source: string;
  };
  /** Tokens per KV block (SGLang's pool is per token). */
  readonly blockSize: Sourced<number>;
  readonly chunkedPrefill: Sourced<boolean>;
  /** Whether one step may hold prefill chunks and decodes together. */
  readonly mixesPrefillAndDecode: Sourced<boolean>;
  /** Without chunked prefill: raise the budget to the longest prompt, or reject longer prompts. */
  readonly longPromptWithoutChunking: Sourced<LongPromptPolicy>;
  /** Whether the CPU side of a step (scheduling, output handling) overlaps the GPU's work. */
  readonly overlapsCpuWithGpu: Sourced<boolean>;
  /** Whether a request is admitted only when KV for its whole output is free (no preemption). */
  readonly noEvictAdmission: Sourced<boolean>;
  /** Behaviour of these versions the simulator does not model. */
  readonly notSimulated: readonly string[];
}

const MIB = 2 ** 20;

/** The memory figures one GPU's KV budget is computed from. */
export interface KvBudgetInput {
  readonly memoryBytes: number;
  readonly weightBytes: number;
  readonly activationPeakBytes: number;
  readonly nonTorchBytes: number;
  /** The fraction in force (user setting or `defaultFraction`). */
  readonly fraction: number;
}

/** KV-cache bytes one GPU gets under `rule` (may be ≤ 0 when the model does not fit). */
export function kvBudgetBytes(rule: MemoryBudgetRule, input: KvBudgetInput): number {
  const { memoryBytes, weightBytes, activationPeakBytes, nonTorchBytes, fraction } = input;
  if (rule.kind === 'fraction-of-free') {
    return fraction * (memoryBytes - weightBytes - activationPeakBytes - nonTorchBytes);
  }
  if (rule.activationsInsideFraction) {
    return fraction * memoryBytes - weightBytes - activationPeakBytes - nonTorchBytes;
  }
  return fraction * (memoryBytes - nonTorchBytes) - weightBytes;
}

// ---------------------------------------------------------------------------------------------
// vLLM
// ---------------------------------------------------------------------------------------------

const VLLM_SCHEDULER_SOURCE =
  'vLLM V1 scheduler (vllm/v1/core/sched/scheduler.py): chunked prefill on, prefill chunks and ' +
  'decodes share one token budget, recompute preemption of the newest running request when a ' +
  'block cannot be allocated; simulated by src/core/scheduler/vllm-v1-scheduler.ts';

const VLLM_PRESET: EnginePreset = {
  id: 'vllm',
  engine: 'vllm',
  versions: 'vLLM V1 engine, OpenAI API server (the simulator default; see engine-options.ts)',
  memoryBudget: {
    kind: 'fraction-of-total',
    activationsInsideFraction: true,
    defaultFraction: () => 0.9,
    source:
      'vLLM --gpu-memory-utilization (default 0.9) bounds the whole process; the KV cache gets ' +
      'what is left after weights, the profiled activation peak and non-torch memory ' +
      '(vllm/v1/worker/gpu_worker.py determine_available_memory); src/core/kv-cache/kv-capacity.ts',
  },
  batchDefaults: {
    resolve: (context) => vllmBatchDefaults(context.memoryBytesPerGpu, context.hardwareName),
    source: 'EngineArgs.get_batch_defaults in vllm/engine/arg_utils.py (vllmBatchDefaults)',
  },
  blockSize: { value: 16, source: 'vLLM --block-size default 16 (engine-options.ts)' },
  chunkedPrefill: { value: true, source: VLLM_SCHEDULER_SOURCE },
  mixesPrefillAndDecode: { value: true, source: VLLM_SCHEDULER_SOURCE },
  longPromptWithoutChunking: {
    value: 'raise-budget',
    source:
      'vLLM raises max_num_batched_tokens to max_model_len when chunked prefill is off ' +
      '(SchedulerConfig; deployment.ts)',
  },
  overlapsCpuWithGpu: {
    value: false,
    source:
      'vLLM async scheduling was opt-in (--async-scheduling, vllm-project/vllm PR #19970, ' +
      '2025-06) up to v0.11.0 (the gpustack rows); PR #27614 (opened 2025-10-27) turns it on by ' +
      'default in later releases, so the stepOverheadS fitted on vLLM 0.19.1 is already the ' +
      'residual left after overlap',
  },
  noEvictAdmission: { value: false, source: VLLM_SCHEDULER_SOURCE },
  notSimulated: [
    'V0 multi-step scheduling (--num-scheduler-steps N, vLLM 0.6.x): N decode steps run back to ' +
      'back without rescheduling, tokens stream in chunks of N and new requests wait for the ' +
      'window to end (published rows P-066, P-068, P-069, P-072, P-073, P-098)',
    'V0 defaults of 0.5.x/0.6.x (max_num_seqs 256, chunked prefill only for long contexts)',
    'async scheduling of later V1 releases (folded into the fitted step overhead)',
  ],
};

/**
 * vLLM's V0 engine (0.5–0.7, and 0.8+ with VLLM_USE_V1=0): the same memory rule, 256 sequences,
 * chunked prefill off by default (512 tokens per step when it is turned on), and scheduling,
 * input preparation and output processing in Python between GPU steps. The per-sequence part of
 * that CPU time is fitted (calibration/engine-overheads.json) and added to every step.
 */
const VLLM_V0_PRESET: EnginePreset = {
  ...VLLM_PRESET,
  id: 'vllm-v0',
  versions: 'vLLM V0 engine, 0.5.x–0.7.x OpenAI API server and benchmark scripts',
  batchDefaults: {
    resolve: (context) => ({
      maxNumSeqs: 256,
      maxNumBatchedTokens: Math.max(2048, context.maxModelLen),
    }),
    source:
      'SchedulerConfig defaults of vLLM 0.5/0.6 (vllm/config.py): max_num_seqs 256; ' +
      'max_num_batched_tokens = max(max_model_len, 2048) without chunked prefill, 512 with it',
  },
  chunkedPrefill: {
    value: false,
    source:
      'EngineArgs.enable_chunked_prefill defaults to off in 0.5/0.6 (turned on automatically only ' +
      'for contexts over 32K tokens)',
  },
  mixesPrefillAndDecode: {
    value: false,
    source: 'V0 scheduler without chunked prefill: prompt steps and decode steps never mix',
  },
  overlapsCpuWithGpu: {
    value: false,
    source:
      'V0 runs the scheduler, input preparation and detokenization between GPU steps (output ' +
      'processing was made asynchronous only in 0.6.0, multi-step scheduling is not simulated)',
  },
  notSimulated: VLLM_PRESET.notSimulated,
};

// ---------------------------------------------------------------------------------------------
// TensorRT-LLM
// ---------------------------------------------------------------------------------------------

const TRTLLM_FREE_FRACTION_SOURCE =
  'TensorRT-LLM PyTorch backend KvCacheCreator.estimate_max_tokens / _cal_max_tokens ' +
  '(tensorrt_llm/_torch/pyexecutor/_util.py): after a profiling run with max_num_tokens of dummy ' +
  'context requests, KV = (total − peak torch memory − memory outside torch) × ' +
  'free_gpu_memory_fraction, default 0.9 when unset (_get_free_gpu_memory_fraction); ' +
  'trtllm-serve passes free_gpu_memory_fraction=0.9 (tensorrt_llm/commands/serve.py get_llm_args, ' +
  'commit 00209af149e7774406881a37283dce303571eb11)';

const TRTLLM_NO_EVICT_SOURCE =
  'CapacitySchedulerPolicy GUARANTEED_NO_EVICT is the default, so a started request is never ' +
  'paused (nvidia.github.io/TensorRT-LLM performance-tuning-guide/useful-runtime-flags); ' +
  'it admits a request only if the blocks to its completion (prompt + max_new_tokens, ' +
  'KVCacheManager::getRemainingBlocksToCompletion in cpp/tensorrt_llm/batch_manager) are free; ' +
  'trtllm-serve sets it explicitly (serve.py get_llm_args) and trtllm-bench defaults ' +
  '--scheduler_policy guaranteed_no_evict (tensorrt_llm/bench/benchmark/throughput.py)';

const TRTLLM_OVERLAP_SOURCE =
  'PyTorch backend overlap scheduler, on by default since NVIDIA/TensorRT-LLM PR #4174 ' +
  '(2025-05, disable_overlap_scheduler=False in TorchLlmArgs): the CPU work of step n runs while ' +
  'the GPU computes step n+1, enabled by default per ' +
  'nvidia.github.io/TensorRT-LLM/features/overlap-scheduler.html';

const TRTLLM_NO_CHUNK_LONG_PROMPT_SOURCE =
  'Without chunked context a prompt must fit max_num_tokens; trtllm-serve rejects longer inputs ' +
  '(reported in NVIDIA/TensorRT-LLM issue #4947, 2025-06, which asks for chunking by default)';

const TRTLLM_MIXED_SOURCE =
  'In-flight batching schedules context (prefill) and generation requests in the same iteration ' +
  'under max_batch_size and max_num_tokens (nvidia.github.io/TensorRT-LLM performance-tuning-guide/' +
  'tuning-max-batch-size-and-max-num-tokens)';

const TRTLLM_NOT_SIMULATED = [
  'static batching of TensorRT-LLM ≤ v0.6 gptSessionBenchmark (published rows P-035…P-050)',
  'dynamic batch-size tuning (DynamicBatchConfig enable_batch_size_tuning in trtllm-serve)',
  'CUDA-graph padding of decode batches',
  'the one extra decode step the overlap scheduler adds before a finished request is seen',
];

const TRTLLM_PRESET: EnginePreset = {
  id: 'trtllm',
  engine: 'trtllm',
  versions: 'TensorRT-LLM 1.0–1.2 PyTorch backend, trtllm-serve and the LLM API',
  memoryBudget: {
    kind: 'fraction-of-free',
    activationsInsideFraction: false,
    defaultFraction: () => 0.9,
    source: TRTLLM_FREE_FRACTION_SOURCE,
  },
  batchDefaults: {
    resolve: () => ({ maxNumSeqs: 2048, maxNumBatchedTokens: 8192 }),
    source:
      'trtllm-serve takes max_batch_size and max_num_tokens from BuildConfig defaults (2048, 8192) ' +
      '(tensorrt_llm/commands/serve.py get_llm_args; tensorrt_llm/builder.py BuildConfig, commit ' +
      '008b2b8d23af95e4e19fa6f354f9c5f6349b2bfc); TorchLlmArgs declares the same 2048 and 8192 ' +
      '(tensorrt_llm/llmapi/llm_args.py)',
  },
  blockSize: {
    value: 32,
    source: 'KvCacheConfig.tokens_per_block default 32 (tensorrt_llm/llmapi/llm_args.py, 1.x)',
  },
  chunkedPrefill: {
    value: false,
    source:
      'enable_chunked_prefill defaults to False in TorchLlmArgs and in trtllm-serve get_llm_args ' +
      '(the PR to turn it on, NVIDIA/TensorRT-LLM #9499, was closed)',
  },
  mixesPrefillAndDecode: { value: true, source: TRTLLM_MIXED_SOURCE },
  longPromptWithoutChunking: { value: 'reject', source: TRTLLM_NO_CHUNK_LONG_PROMPT_SOURCE },
  overlapsCpuWithGpu: { value: true, source: TRTLLM_OVERLAP_SOURCE },
  noEvictAdmission: { value: true, source: TRTLLM_NO_EVICT_SOURCE },
  notSimulated: TRTLLM_NOT_SIMULATED,
};

/** What trtllm-bench's batch heuristic reads (one model instance). */
export interface TrtllmBenchBatchInput {
  /** Parameters of the whole model (`ModelConfig.param_count`). */
  readonly parameterCount: number;
  /** 2 unquantized, 1 FP8, 0.5 NVFP4 (`BYTES_PER_ELEM` in tuning.py). */
  readonly weightBytesPerParameter: number;
  /** 2, or 1 for an FP8 KV cache. */
  readonly kvBytesPerElement: number;
  readonly numAttentionLayers: number;
  readonly numKeyValueHeads: number;
  readonly headDim: number;
  readonly memoryBytesPerGpu: number;
  readonly tp: number;
  readonly pp: number;
  /** Dataset averages (`--target_input_len`/`--target_output_len` default to them). */
  readonly averageInputTokens: number;
  readonly averageOutputTokens: number;
  /** Longest prompt of the dataset (the budget is raised to fit it without chunking). */
  readonly maxInputTokens: number;
  /** `--kv_cache_free_gpu_mem_fraction`, default 0.90. */
  readonly kvCacheFreeGpuMemFraction?: number;
  /** `--enable_chunked_context`, default off on the PyTorch backend. */
  readonly chunkedContext?: boolean;
}

/**
 * The max_batch_size / max_num_tokens `trtllm-bench throughput` picks when none is given
 * (tensorrt_llm/bench/build/tuning.py calc_engine_setting + finetune_setting, same arithmetic at
 * commit 04cba882084a25665e7f80f5bda71b35b9790b6f and the older stored versions; called from
 * tensorrt_llm/bench/benchmark/utils/general.py get_settings, commit
 * 0171265edef1c67ef334e0db2427148161aa2815). It sizes requests by the dataset's average
 * ISL + OSL against a crude KV estimate (all GPUs' memory minus the weights, times the fraction),
 * then rounds both up generously; KV heads count at least one per TP rank.
 */
export function trtllmBenchBatchSettings(input: TrtllmBenchBatchInput): BatchDefaults {
  const fraction = input.kvCacheFreeGpuMemFraction ?? 0.9;
  const kvHeads = Math.max(input.tp, input.numKeyValueHeads);
  const kvBytesPerToken =
    2 * input.numAttentionLayers * kvHeads * input.headDim * input.kvBytesPerElement;
  const gpus = input.tp * input.pp;
  const engineBytes = input.parameterCount * input.weightBytesPerParameter;
  const cacheBytes = (input.memoryBytesPerGpu * gpus - engineBytes) * fraction;
  const sequenceTokens = input.averageInputTokens + input.averageOutputTokens;
  const kvMaxRequests = cacheBytes / (kvBytesPerToken * sequenceTokens);
  if (kvMaxRequests < 1) {
    throw new InsufficientMemoryError(
      'trtllm-bench would find no room for one request in the KV cache: use more GPUs',
    );
  }

  const rawBatch = Math.min(kvMaxRequests, 4096) / input.pp;
  const rawTokens = Math.min(
    rawBatch * (1 + input.averageInputTokens / input.averageOutputTokens),
    32768,
  );
  let maxBatch: number;
  if (rawBatch < 256) maxBatch = Math.max(64, 32 * Math.ceil(rawBatch / 32));
  else if (rawBatch < 1024) maxBatch = 128 * Math.ceil(rawBatch / 128);
  else maxBatch = 256 * Math.ceil(rawBatch / 256);
  let maxTokens: number;
  if (rawTokens < 4096) maxTokens = Math.max(2048, 256 * Math.ceil(rawTokens / 256));
  else if (rawTokens < 8192) maxTokens = 512 * Math.ceil(rawTokens / 512);
  else maxTokens = 1024 * Math.ceil(rawTokens / 1024);
  // Without chunked context get_settings widens the budget to the longest prompt plus a decode
  // token for every sequence.
  if (!(input.chunkedContext ?? false)) {
    maxTokens = Math.max(maxTokens, input.maxInputTokens + maxBatch);
  }
  return { maxNumSeqs: maxBatch, maxNumBatchedTokens: maxTokens };
}

const TRTLLM_BENCH_PRESET: EnginePreset = {
  ...TRTLLM_PRESET,
  id: 'trtllm-bench',
  versions:
    'trtllm-bench throughput, PyTorch backend, v1.0-era (the perf-overview tables, published rows ' +
    'P-001…P-034)',
  memoryBudget: {
    ...TRTLLM_PRESET.memoryBudget,
    source:
      `${TRTLLM_FREE_FRACTION_SOURCE}; trtllm-bench --kv_cache_free_gpu_mem_fraction defaults to ` +
      '0.90 (tensorrt_llm/bench/benchmark/throughput.py) and NVIDIA often ran 0.95 ' +
      '(docs/source/performance/perf-overview.md, commit 00f37686aa854010d68bcbd0f4ab000221541ca6)',
  },
  batchDefaults: {
    // The heuristic needs the model and the dataset; the fixed values are the fallback the
    // benchmark itself uses for untuned quantizations (BuildConfig defaults).
    resolve: () => ({ maxNumSeqs: 2048, maxNumBatchedTokens: 8192 }),
    source:
      'trtllmBenchBatchSettings (tuning.py heuristic) when the dataset is known; otherwise the ' +
      'BuildConfig defaults 2048 / 8192 that get_benchmark_engine_settings falls back to ' +
      '(tensorrt_llm/bench/build/build.py)',
  },
  chunkedPrefill: {
    value: false,
    source:
      'trtllm-bench --enable_chunked_context: off by default for the PyTorch backend since ' +
      'NVIDIA/TensorRT-LLM PR #6956 (2025-08-15: the default became backend-dependent, on only for ' +
      'the TensorRT backend); earlier builds defaulted to on (--enable_chunked_context/' +
      '--disable_chunked_context, default True), so tables measured before that may have chunked',
  },
  longPromptWithoutChunking: {
    value: 'raise-budget',
    source:
      'trtllm-bench raises max_num_tokens to max ISL + max_batch_size when chunking is off ' +
      '(tensorrt_llm/bench/benchmark/utils/general.py get_settings, commit ' +
      '0171265edef1c67ef334e0db2427148161aa2815)',
  },
};

// ---------------------------------------------------------------------------------------------
// SGLang
// ---------------------------------------------------------------------------------------------

const SGLANG_05_SERVER_ARGS =
  'sglang python/sglang/srt/server_args.py ServerArgs._handle_gpu_memory_settings as rewritten by ' +
  'sgl-project/sglang PR #10975 (merged 2025-09-27: chunk size and CUDA-graph batch cap by GPU ' +
  'memory, then mem_fraction_static from them), taken to be the code of the v0.5.3.post3 and ' +
  'v0.5.5.post1 releases the gpustack rows used';

const SGLANG_KV_POOL_SOURCE =
  'model_runner.profile_max_num_token: KV pool = free memory after loading weights − ' +
  '(free memory before loading) × (1 − mem_fraction_static) (sglang python/sglang/srt/' +
  'model_executor/model_runner.py, unchanged from the 0.3 era to 0.5.x)';

/** SGLang 0.5.x: prefill chunk and CUDA-graph batch cap by GPU memory (MiB, as nvidia-smi). */
function sglang05GpuClass(
  memoryMiB: number,
  tp: number,
): {
  chunkedPrefillSize: number;
  cudaGraphMaxBs: number;
} {
  if (memoryMiB < 20 * 1024) return { chunkedPrefillSize: 2048, cudaGraphMaxBs: 8 };
  if (memoryMiB < 35 * 1024) return { chunkedPrefillSize: 2048, cudaGraphMaxBs: tp < 4 ? 24 : 80 };
  if (memoryMiB < 60 * 1024) return { chunkedPrefillSize: 4096, cudaGraphMaxBs: tp < 4 ? 32 : 160 };
  if (memoryMiB < 160 * 1024) {
    return { chunkedPrefillSize: 8192, cudaGraphMaxBs: tp < 4 ? 256 : 512 };
  }
  return { chunkedPrefillSize: 16384, cudaGraphMaxBs: 512 };
}

/** SGLang 0.5.x default `--chunked-prefill-size` for a GPU. */
export function sglangChunkedPrefillSize(gpu: GpuContext): number {
  return sglang05GpuClass(gpu.memoryBytesPerGpu / MIB, gpu.tp).chunkedPrefillSize;
}

/**
 * SGLang 0.5.x default `--mem-fraction-static`: `(memory − reserved) / memory`, rounded to three
 * decimals, with reserved MiB = 512 + 1.5 × max(chunked_prefill_size, 2048) + 2 ×
 * cuda_graph_max_bs + 1024 × tp × pp / 8, at least 10 GiB on GPUs over 60 GiB (no speculative
 * decoding, no DP attention).
 */
export function sglangMemFractionStatic(gpu: GpuContext): number {
  const memoryMiB = gpu.memoryBytesPerGpu / MIB;
  const { chunkedPrefillSize, cudaGraphMaxBs } = sglang05GpuClass(memoryMiB, gpu.tp);
  let reservedMiB =
    512 +
    Math.max(chunkedPrefillSize, 2048) * 1.5 +
    cudaGraphMaxBs * 2 +
    ((gpu.tp * gpu.pp) / 8) * 1024;
  if (memoryMiB > 60 * 1024) reservedMiB = Math.max(reservedMiB, 10 * 1024);
  return Math.round(((memoryMiB - reservedMiB) / memoryMiB) * 1000) / 1000;
}

/**
 * SGLang's `max_running_requests` when unset: half the KV pool in tokens, capped by the request
 * pool, which holds `kv / context_len × 512` requests clamped to [2048, `poolCap`].
 */
function sglangMaxRunningRequests(
  context: BatchContext,
  poolCap: number,
  poolSlack: number,
): number {
  const pool = Math.min(
    Math.max(Math.floor((context.kvCapacityTokens / context.maxModelLen) * 512), 2048),
    poolCap,
  );
  return Math.max(1, Math.min(Math.floor(context.kvCapacityTokens / 2), pool - poolSlack));
}

const SGLANG_NOT_SIMULATED = [
  'radix (prefix) cache and the lpm schedule policy that uses it',
  'admission by an estimated new-token ratio (init 0.7, decaying; SGLANG_INIT_NEW_TOKEN_RATIO in ' +
    'global_config.py) and retraction of decoding requests when the pool runs out; the simulator ' +
    'admits and preempts as vLLM does',
  'separate per-request chunk (chunked_prefill_size) and per-batch prefill limit ' +
    '(max_prefill_tokens 16384): the simulator has one token budget, set to chunked_prefill_size',
  'CUDA-graph batch cap (cuda_graph_max_bs) on decode speed',
];

const SGLANG_PREFILL_ONLY_SOURCE =
  'enable_mixed_chunk defaults to False (server_args.py, 0.3.0 and 0.5.x): a step is either a ' +
  'prefill (extend) batch or a decode batch, and a waiting prefill goes first ' +
  '(Scheduler.get_next_batch_to_run)';

const SGLANG_LONG_PROMPT_SOURCE =
  'with chunking off (--chunked-prefill-size -1) the prefill limit is raised to the context ' +
  'length when that is larger (--max-prefill-tokens help text, server_args.py of 0.3.x)';

const SGLANG_PRESET: EnginePreset = {
  id: 'sglang',
  engine: 'sglang',
  versions: 'SGLang 0.5.x (v0.5.3.post3, v0.5.5.post1), launch_server defaults',
  memoryBudget: {
    kind: 'fraction-of-total',
    activationsInsideFraction: false,
    defaultFraction: sglangMemFractionStatic,
    source: `${SGLANG_05_SERVER_ARGS}; ${SGLANG_KV_POOL_SOURCE}`,
  },
  batchDefaults: {
    resolve: (context) => ({
      maxNumSeqs: sglangMaxRunningRequests(context, 4096, 0),
      maxNumBatchedTokens: sglangChunkedPrefillSize(context),
    }),
    source:
      'max_running_requests = min(max_total_num_tokens // 2, req_to_token_pool size), pool = ' +
      'min(max(max_total_num_tokens / context_len × 512, 2048), 4096) (sglang model_runner.py ' +
      'init_memory_pool and the scheduler, 0.5.x); token budget = chunked_prefill_size ' +
      `(2048 under 35 GiB, 4096 under 60 GiB, 8192 under 160 GiB, else 16384: ${SGLANG_05_SERVER_ARGS})`,
  },
  blockSize: {
    value: 1,
    source:
      'page_size defaults to 1: the KV pool is allocated per token (server_args.py page_size; ' +
      'MHATokenToKVPool sized in tokens, model_runner.py)',
  },
  chunkedPrefill: {
    value: true,
    source: `chunked_prefill_size > 0 by default (${SGLANG_05_SERVER_ARGS})`,
  },
  mixesPrefillAndDecode: { value: false, source: SGLANG_PREFILL_ONLY_SOURCE },
  longPromptWithoutChunking: { value: 'raise-budget', source: SGLANG_LONG_PROMPT_SOURCE },
  overlapsCpuWithGpu: {
    value: true,
    source:
      'overlap scheduler on by default since sgl-project/sglang PR #2067 (merged 2024-11; the ' +
      'flag became --disable-overlap-schedule), described in the v0.4 release blog ' +
      '(lmsys.org/blog/2024-12-04-sglang-v0-4, zero-overhead batch scheduler)',
  },
  noEvictAdmission: {
    value: false,
    source:
      "SGLang admits with an estimated share of each request's remaining output and retracts " +
      'decoding requests when the pool runs out (the --schedule-conservativeness help in ' +
      'server_args.py of 0.3.x names retraction; global_config.py new-token-ratio constants)',
  },
  notSimulated: SGLANG_NOT_SIMULATED,
};

const SGLANG_03_SERVER_ARGS =
  'sglang python/sglang/srt/server_args.py of the 0.3 series (the version with ' +
  'additional_ports, attention_backend and disable_mla fields, Sept 2024)';

/** SGLang 0.3.x default `--mem-fraction-static`, by tensor-parallel size only. */
export function sglang03MemFractionStatic(gpu: GpuContext): number {
  if (gpu.tp >= 16) return 0.79;
  if (gpu.tp >= 8) return 0.83;
  if (gpu.tp >= 4) return 0.85;
  if (gpu.tp >= 2) return 0.87;
  return 0.88;
}

const SGLANG_03_PRESET: EnginePreset = {
  ...SGLANG_PRESET,
  id: 'sglang-0.3',
  versions:
    'SGLang 0.3.0 launch_server (sgl-project/sglang benchmark/benchmark_vllm_060, rows P-070, P-071, P-075)',
  memoryBudget: {
    kind: 'fraction-of-total',
    activationsInsideFraction: false,
    defaultFraction: sglang03MemFractionStatic,
    source:
      `${SGLANG_03_SERVER_ARGS}: mem_fraction_static 0.88 at TP1, 0.87 TP≥2, 0.85 TP≥4, 0.83 ` +
      `TP≥8, 0.79 TP≥16; ${SGLANG_KV_POOL_SOURCE}`,
  },
  batchDefaults: {
    resolve: (context) => ({
      maxNumSeqs: sglangMaxRunningRequests(context, 5120, 1),
      maxNumBatchedTokens: 8192,
    }),
    source:
      `chunked_prefill_size 8192 on every GPU (${SGLANG_03_SERVER_ARGS}; the memory-dependent ` +
      'default came with sgl-project/sglang PR #2044, 2024-11); max_running_requests = ' +
      'min(max_total_num_tokens // 2, req_to_token_pool.size − 1) with the pool clamped to ' +
      '[2048, 5120] (the 0.2/0.3-era model_runner.py and tp_worker.py in the code index)',
  },
  chunkedPrefill: {
    value: true,
    source: `chunked_prefill_size: int = 8192 (${SGLANG_03_SERVER_ARGS})`,
  },
  overlapsCpuWithGpu: {
    value: false,
    source:
      `0.3.0 has no overlap scheduler (${SGLANG_03_SERVER_ARGS}); it arrived as an opt-in ` +
      '--enable-overlap-schedule later in 0.3.x and became the default with PR #2067 (2024-11)',
  },
};

const PRESETS: Readonly<Record<EnginePresetId, EnginePreset>> = {
  vllm: VLLM_PRESET,
  'vllm-v0': VLLM_V0_PRESET,
  trtllm: TRTLLM_PRESET,
  'trtllm-bench': TRTLLM_BENCH_PRESET,
  sglang: SGLANG_PRESET,
  'sglang-0.3': SGLANG_03_PRESET,
};

/** The preset of an engine (or of one of its documented version families). */
export function enginePreset(id: EnginePresetId): EnginePreset {
  return PRESETS[id];
}

/** Every preset id, for listings and tests. */
export const ENGINE_PRESET_IDS: readonly EnginePresetId[] = Object.keys(
  PRESETS,
) as EnginePresetId[];
