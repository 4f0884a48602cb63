import { describe, expect, it } from 'vitest';
import { LLAMA_3_1_8B } from '../../../test/support/model-fixtures.js';
import {
  activationPeakBytesPerGpu,
  computeKvCapacity,
  kvBytesPerTokenPerGpu,
} from './kv-capacity.js';

const GIB = 2 ** 30;
const bf16 = { weightDtype: 'bf16', activationDtype: 'bf16', kvCacheDtype: 'bf16' } as const;

const options = {
  model: LLAMA_3_1_8B,
  precision: bf16,
  parallel: { tp: 1, pp: 1 },
  memoryBytesPerGpu: 80 * GIB,
  gpuMemoryUtilization: 0.9,
  blockSize: 16,
  maxNumBatchedTokens: 8192,
  maxNumSeqs: 256,
  reserve: { nonTorchBytesPerGpu: 1.79 * GIB },
};

describe('KV capacity', () => {
  it('counts KV bytes per token as 2 × layers × KV heads × head_dim × dtype bytes', () => {
    expect(kvBytesPerTokenPerGpu(LLAMA_3_1_8B, 'bf16', { tp: 1, pp: 1 })).toBe(131072);
    expect(kvBytesPerTokenPerGpu(LLAMA_3_1_8B, 'fp8', { tp: 1, pp: 1 })).toBe(65536);
    expect(kvBytesPerTokenPerGpu(LLAMA_3_1_8B, 'bf16', { tp: 2, pp: 1 })).toBe(65536);
    expect(kvBytesPerTokenPerGpu(LLAMA_3_1_8B, 'bf16', { tp: 1, pp: 2 })).toBe(65536);
    // Past 8-way TP the 8 KV heads are replicated: still one head per GPU.
    expect(kvBytesPerTokenPerGpu(LLAMA_3_1_8B, 'bf16', { tp: 16, pp: 1 })).toBe(
      2 * 32 * 1 * 128 * 2,
    );
  });

  it('estimates the activation peak close to the 1.26 GiB vLLM measured for Llama-3-8B', () => {
    // vLLM PR #10511 log: Meta-Llama-3-8B on H100, profiling 8192 tokens and 256 sequences.
    const peak = activationPeakBytesPerGpu(options);
    expect(peak / GIB).toBeGreaterThan(1.26 * 0.85);
    expect(peak / GIB).toBeLessThan(1.26 * 1.15);
  });

  it('leaves budget − weights − activations − runtime for the cache, in whole blocks', () => {
    const capacity = computeKvCapacity(options);
    const weights = 8_030_261_248 * 2;
    expect(capacity.weightBytesPerGpu).toBe(weights);
    const expectedKv = 0.9 * 80 * GIB - weights - capacity.activationPeakBytesPerGpu - 1.79 * GIB;
    expect(capacity.kvCacheBytesPerGpu).toBeCloseTo(expectedKv, 0);
    expect(capacity.totalBlocks).toBe(Math.floor(expectedKv / (131072 * 16)));
    expect(capacity.capacityTokens).toBe(capacity.totalBlocks * 16);
  });

  it('reports zero blocks when the weights alone exceed the budget', () => {
    const capacity = computeKvCapacity({ ...options, memoryBytesPerGpu: 16 * GIB });
    expect(capacity.totalBlocks).toBe(0);
    expect(capacity.kvCacheBytesPerGpu).toBeLessThan(0);
  });
});
