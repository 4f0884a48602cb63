/**
 * @module The user-facing engine settings (flag names follow vLLM's), their validation, and
 * vLLM's defaults. Shared by every command that builds an engine.
 */

import { z } from 'zod';

/** Model served when none is named. */
export const DEFAULT_MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
/** Hardware simulated when none is named. */
export const DEFAULT_HARDWARE = 'H100';

const positiveInteger = z.number().int().positive();

/** Engine settings as the user gives them; unset values take vLLM's defaults when resolved. */
export const engineOptionsSchema = z.object({
  model: z.string().min(1).default(DEFAULT_MODEL),
  hardware: z.string().min(1).default(DEFAULT_HARDWARE),
  tp: positiveInteger.optional(),
  pp: positiveInteger.optional(),
  /** GPUs of the instance; must equal tp × pp (alone, it sets tp). */
  npuNum: positiveInteger.optional(),
  /** Memory per GPU in GiB, overriding the catalog (the original tool's `--npu_mem`). */
  npuMem: z.number().positive().optional(),
  /** Unset: the engine preset's fraction (vLLM 0.9). */
  gpuMemoryUtilization: z.number().gt(0).lte(1).optional(),
  dtype: z
    .enum(['auto', 'bfloat16', 'bf16', 'float16', 'fp16', 'half', 'fp8', 'int4'])
    .default('auto'),
  kvCacheDtype: z
    .enum(['auto', 'fp8', 'fp8_e4m3', 'fp8_e5m2', 'bfloat16', 'float16'])
    .default('auto'),
  maxNumSeqs: positiveInteger.optional(),
  maxNumBatchedTokens: positiveInteger.optional(),
  maxModelLen: positiveInteger.optional(),
  blockSize: z
    .union(
      [z.literal(1), z.literal(8), z.literal(16), z.literal(32), z.literal(64), z.literal(128)],
      {
        error: 'must be one of 1, 8, 16, 32, 64, 128',
      },
    )
    .optional(),
  /** Unset: the engine preset's default (on for vLLM). */
  enableChunkedPrefill: z.boolean().optional(),
  /** Step-time model: a measured profile when one matches (auto), or the roofline model. */
  costModel: z.enum(['auto', 'analytical', 'profile']).default('auto'),
  /** Serving engine (or documented version family) whose defaults to simulate. */
  engine: z
    .enum(['vllm', 'vllm-v0', 'trtllm', 'trtllm-bench', 'sglang', 'sglang-0.3'])
    .default('vllm'),
});

export type EngineOptionsInput = z.input<typeof engineOptionsSchema>;
export type EngineOptions = z.output<typeof engineOptionsSchema>;

/** vLLM's OpenAI-server batch defaults for a GPU (see `vllmBatchDefaults`). */
export interface BatchDefaults {
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens: number;
}

/**
 * vLLM (V1 engine, OpenAI API server) picks larger batches on GPUs with at least 70 GiB that are
 * not A100s (H100, H200, MI300X, …): 1024 sequences and 8192 tokens; otherwise 256 and 2048.
 * Source: `EngineArgs.get_batch_defaults` in vllm/engine/arg_utils.py.
 */
export function vllmBatchDefaults(memoryBytesPerGpu: number, hardwareName: string): BatchDefaults {
  const large = memoryBytesPerGpu >= 70 * 2 ** 30 && !hardwareName.toLowerCase().includes('a100');
  return large
    ? { maxNumSeqs: 1024, maxNumBatchedTokens: 8192 }
    : { maxNumSeqs: 256, maxNumBatchedTokens: 2048 };
}
