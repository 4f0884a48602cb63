/**
 * @module Tests of the engine presets: the documented defaults of each engine, the three KV
 * budget rules, SGLang's memory-dependent defaults and trtllm-bench's batch heuristic.
 */

import { describe, expect, it } from 'vitest';
import { InsufficientMemoryError } from '../errors.js';
import { vllmBatchDefaults } from './engine-options.js';
import {
  type BatchContext,
  ENGINE_PRESET_IDS,
  type EnginePreset,
  enginePreset,
  type GpuContext,
  kvBudgetBytes,
  sglang03MemFractionStatic,
  sglangChunkedPrefillSize,
  sglangMemFractionStatic,
  type TrtllmBenchBatchInput,
  trtllmBenchBatchSettings,
} from './engine-presets.js';

const GIB = 2 ** 30;
const MIB = 2 ** 20;

function gpu(memoryGiB: number, tp = 1, hardwareName = 'H100'): GpuContext {
  return { memoryBytesPerGpu: memoryGiB * GIB, hardwareName, tp, pp: 1 };
}

function batchContext(overrides: Partial<BatchContext> = {}): BatchContext {
  return { ...gpu(80), maxModelLen: 131072, kvCapacityTokens: 400_000, ...overrides };
}

function sourcedFields(preset: EnginePreset) {
  return [
    preset.blockSize,
    preset.chunkedPrefill,
    preset.mixesPrefillAndDecode,
    preset.longPromptWithoutChunking,
    preset.overlapsCpuWithGpu,
    preset.noEvictAdmission,
  ];
}

describe('enginePreset', () => {
  it('gives every preset its id, sources for every value and what it leaves out', () => {
    for (const id of ENGINE_PRESET_IDS) {
      const preset = enginePreset(id);
      expect(preset.id).toBe(id);
      expect(preset.versions.length).toBeGreaterThan(0);
      expect(preset.memoryBudget.source.length).toBeGreaterThan(20);
      expect(preset.batchDefaults.source.length).toBeGreaterThan(20);
      for (const field of sourcedFields(preset)) expect(field.source.length).toBeGreaterThan(20);
      expect(preset.notSimulated.length).toBeGreaterThan(0);
    }
  });

  it('keeps vLLM as the simulator already runs it', () => {
    const vllm = enginePreset('vllm');
    expect(vllm.memoryBudget.kind).toBe('fraction-of-total');
    expect(vllm.memoryBudget.activationsInsideFraction).toBe(true);
    expect(vllm.memoryBudget.defaultFraction(gpu(80))).toBe(0.9);
    for (const [memoryGiB, name] of [
      [80, 'H100'],
      [80, 'A100-80GB'],
      [24, 'L4'],
    ] as const) {
      expect(vllm.batchDefaults.resolve(batchContext({ ...gpu(memoryGiB, 1, name) }))).toEqual(
        vllmBatchDefaults(memoryGiB * GIB, name),
      );
    }
    expect(vllm.blockSize.value).toBe(16);
    expect(vllm.chunkedPrefill.value).toBe(true);
    expect(vllm.noEvictAdmission.value).toBe(false);
    expect(vllm.overlapsCpuWithGpu.value).toBe(false);
    expect(vllm.notSimulated.join(' ')).toContain('--num-scheduler-steps');
  });

  it('gives TensorRT-LLM a fraction of free memory, 2048 × 8192 batches and no eviction', () => {
    const trtllm = enginePreset('trtllm');
    expect(trtllm.memoryBudget.kind).toBe('fraction-of-free');
    expect(trtllm.memoryBudget.defaultFraction(gpu(80))).toBe(0.9);
    expect(trtllm.batchDefaults.resolve(batchContext())).toEqual({
      maxNumSeqs: 2048,
      maxNumBatchedTokens: 8192,
    });
    expect(trtllm.blockSize.value).toBe(32);
    expect(trtllm.chunkedPrefill.value).toBe(false);
    expect(trtllm.longPromptWithoutChunking.value).toBe('reject');
    expect(trtllm.mixesPrefillAndDecode.value).toBe(true);
    expect(trtllm.overlapsCpuWithGpu.value).toBe(true);
    expect(trtllm.noEvictAdmission.value).toBe(true);
    expect(trtllm.noEvictAdmission.source).toContain('GUARANTEED_NO_EVICT');
  });

  it('gives trtllm-bench the same memory rule and its own budget policy', () => {
    const bench = enginePreset('trtllm-bench');
    expect(bench.engine).toBe('trtllm');
    expect(bench.memoryBudget.kind).toBe('fraction-of-free');
    expect(bench.memoryBudget.defaultFraction(gpu(80))).toBe(0.9);
    expect(bench.memoryBudget.source).toContain('0.95');
    expect(bench.chunkedPrefill.value).toBe(false);
    expect(bench.chunkedPrefill.source).toContain('#6956');
    expect(bench.longPromptWithoutChunking.value).toBe('raise-budget');
    expect(bench.noEvictAdmission.value).toBe(true);
  });

  it('gives SGLang 0.5 a static fraction of all memory, per-token pages and no mixed steps', () => {
    const sglang = enginePreset('sglang');
    expect(sglang.memoryBudget.kind).toBe('fraction-of-total');
    expect(sglang.memoryBudget.activationsInsideFraction).toBe(false);
    expect(sglang.memoryBudget.defaultFraction(gpu(80))).toBe(0.836);
    expect(sglang.blockSize.value).toBe(1);
    expect(sglang.chunkedPrefill.value).toBe(true);
    expect(sglang.mixesPrefillAndDecode.value).toBe(false);
    expect(sglang.overlapsCpuWithGpu.value).toBe(true);
    expect(sglang.noEvictAdmission.value).toBe(false);
    expect(sglang.batchDefaults.resolve(batchContext()).maxNumBatchedTokens).toBe(8192);
  });

  it('gives SGLang 0.3 its fractions by TP, an 8192-token chunk everywhere and no overlap', () => {
    const sglang = enginePreset('sglang-0.3');
    expect(sglang.engine).toBe('sglang');
    expect(sglang.memoryBudget.defaultFraction(gpu(80, 4))).toBe(0.85);
    expect(sglang.batchDefaults.resolve(batchContext({ ...gpu(24) })).maxNumBatchedTokens).toBe(
      8192,
    );
    expect(sglang.overlapsCpuWithGpu.value).toBe(false);
  });
});

describe('kvBudgetBytes', () => {
  const input = {
    memoryBytes: 80 * GIB,
    weightBytes: 16 * GIB,
    activationPeakBytes: 2 * GIB,
    nonTorchBytes: 2 * GIB,
    fraction: 0.9,
  };

  it('takes weights, activations and non-torch memory out of the fraction for vLLM', () => {
    expect(kvBudgetBytes(enginePreset('vllm').memoryBudget, input) / GIB).toBeCloseTo(52, 9);
  });

  it('leaves activations in the remainder for SGLang', () => {
    // 0.9 × (80 − 2) − 16
    expect(kvBudgetBytes(enginePreset('sglang').memoryBudget, input) / GIB).toBeCloseTo(54.2, 9);
  });

  it('takes the fraction of what is free after profiling for TensorRT-LLM', () => {
    // 0.9 × (80 − 16 − 2 − 2)
    expect(kvBudgetBytes(enginePreset('trtllm').memoryBudget, input) / GIB).toBeCloseTo(54, 9);
  });

  it('goes negative when the weights do not fit', () => {
    const tooBig = { ...input, weightBytes: 79 * GIB };
    for (const id of ['vllm', 'trtllm', 'sglang'] as const) {
      expect(kvBudgetBytes(enginePreset(id).memoryBudget, tooBig)).toBeLessThan(0);
    }
  });
});

describe('SGLang 0.5 memory-dependent defaults', () => {
  it('reserves room for activations and CUDA graphs out of the GPU memory', () => {
    // 80 GiB = 81920 MiB: reserved 512 + 1.5 × 8192 + 2 × 256 + 1024 / 8 = 13440 MiB.
    expect(sglangMemFractionStatic(gpu(80))).toBe(0.836);
    // The 81559 MiB nvidia-smi reports for an H100 SXM.
    expect(
      sglangMemFractionStatic({
        memoryBytesPerGpu: 81559 * MIB,
        hardwareName: 'H100',
        tp: 1,
        pp: 1,
      }),
    ).toBe(0.835);
    // TP4: CUDA-graph cap 512 and 4/8 GiB more: 14336 MiB.
    expect(sglangMemFractionStatic(gpu(80, 4))).toBe(0.825);
    expect(sglangMemFractionStatic(gpu(141))).toBe(0.907);
    // Under 60 GiB: 4096-token chunks, no 10 GiB floor.
    expect(sglangMemFractionStatic(gpu(40))).toBe(0.833);
    expect(sglangMemFractionStatic(gpu(24))).toBe(0.847);
  });

  it('gives GPUs over 160 GiB 16k chunks and a 512-graph cap', () => {
    // 180 GiB = 184320 MiB: reserved 512 + 1.5 × 16384 + 2 × 512 + 128 = 26240 MiB.
    expect(sglangMemFractionStatic(gpu(180))).toBe(0.858);
  });

  it('sizes the prefill chunk by GPU memory', () => {
    expect(sglangChunkedPrefillSize(gpu(16))).toBe(2048);
    expect(sglangChunkedPrefillSize(gpu(24))).toBe(2048);
    expect(sglangChunkedPrefillSize(gpu(40))).toBe(4096);
    expect(sglangChunkedPrefillSize(gpu(80))).toBe(8192);
    expect(sglangChunkedPrefillSize(gpu(141))).toBe(8192);
    expect(sglangChunkedPrefillSize(gpu(180))).toBe(16384);
  });

  it('runs at most half the KV pool in requests, within the request pool', () => {
    const resolve = enginePreset('sglang').batchDefaults.resolve;
    // 400k tokens of a 128k context: pool max(1562, 2048) = 2048.
    expect(resolve(batchContext()).maxNumSeqs).toBe(2048);
    // A small pool: half of 3000 tokens.
    expect(resolve(batchContext({ kvCapacityTokens: 3000 })).maxNumSeqs).toBe(1500);
    // A pool of 2M tokens of a 32k context would hold 31250 requests; capped at 4096.
    expect(
      resolve(batchContext({ kvCapacityTokens: 2_000_000, maxModelLen: 32768 })).maxNumSeqs,
    ).toBe(4096);
  });
});

describe('SGLang 0.3 defaults', () => {
  it('picks mem_fraction_static by tensor-parallel size only', () => {
    expect([1, 2, 4, 8, 16].map((tp) => sglang03MemFractionStatic(gpu(80, tp)))).toEqual([
      0.88, 0.87, 0.85, 0.83, 0.79,
    ]);
    expect(sglang03MemFractionStatic(gpu(24))).toBe(0.88);
  });

  it('caps the request pool at 5120 and keeps one slot back', () => {
    const resolve = enginePreset('sglang-0.3').batchDefaults.resolve;
    expect(resolve(batchContext()).maxNumSeqs).toBe(2047);
    expect(
      resolve(batchContext({ kvCapacityTokens: 2_000_000, maxModelLen: 32768 })).maxNumSeqs,
    ).toBe(5119);
  });
});

describe('trtllmBenchBatchSettings', () => {
  // Llama-3.1-8B with an FP8 checkpoint and FP8 KV cache on one 80 GiB H100.
  const llama8bFp8: TrtllmBenchBatchInput = {
    parameterCount: 8_030_261_248,
    weightBytesPerParameter: 1,
    kvBytesPerElement: 1,
    numAttentionLayers: 32,
    numKeyValueHeads: 8,
    headDim: 128,
    memoryBytesPerGpu: 80 * GIB,
    tp: 1,
    pp: 1,
    averageInputTokens: 128,
    averageOutputTokens: 128,
    maxInputTokens: 128,
  };

  it('caps short requests at 4096 sequences and 8192 tokens (the 128/128 table row)', () => {
    expect(trtllmBenchBatchSettings(llama8bFp8)).toEqual({
      maxNumSeqs: 4096,
      maxNumBatchedTokens: 8192,
    });
  });

  it('raises the budget to the longest prompt plus a token per sequence without chunking', () => {
    const long = {
      ...llama8bFp8,
      averageInputTokens: 20000,
      averageOutputTokens: 2000,
      maxInputTokens: 20000,
    };
    // 48.6 requests fit: batch 64 (the floor), tokens 2048, then 20000 + 64.
    expect(trtllmBenchBatchSettings(long)).toEqual({ maxNumSeqs: 64, maxNumBatchedTokens: 20064 });
    expect(trtllmBenchBatchSettings({ ...long, chunkedContext: true })).toEqual({
      maxNumSeqs: 64,
      maxNumBatchedTokens: 2048,
    });
  });

  // One request of 1 + 1 tokens takes 4 bytes; memory of 4 × R bytes fits exactly R requests.
  function fitting(requests: number, pp = 1): TrtllmBenchBatchInput {
    return {
      parameterCount: 0,
      weightBytesPerParameter: 1,
      kvBytesPerElement: 1,
      numAttentionLayers: 1,
      numKeyValueHeads: 1,
      headDim: 1,
      memoryBytesPerGpu: (4 * requests) / pp,
      tp: 1,
      pp,
      averageInputTokens: 1,
      averageOutputTokens: 1,
      maxInputTokens: 1,
      kvCacheFreeGpuMemFraction: 1,
      chunkedContext: true,
    };
  }

  it('rounds the batch up in steps of 32, 128 and 256 with a floor of 64', () => {
    expect(trtllmBenchBatchSettings(fitting(10)).maxNumSeqs).toBe(64);
    expect(trtllmBenchBatchSettings(fitting(100)).maxNumSeqs).toBe(128);
    expect(trtllmBenchBatchSettings(fitting(300)).maxNumSeqs).toBe(384);
    expect(trtllmBenchBatchSettings(fitting(2000)).maxNumSeqs).toBe(2048);
    expect(trtllmBenchBatchSettings(fitting(9000)).maxNumSeqs).toBe(4096);
  });

  it('rounds the token budget in steps of 256, 512 and 1024 with a floor of 2048', () => {
    expect(trtllmBenchBatchSettings(fitting(100)).maxNumBatchedTokens).toBe(2048);
    expect(trtllmBenchBatchSettings(fitting(2000)).maxNumBatchedTokens).toBe(4096);
    expect(trtllmBenchBatchSettings(fitting(3000)).maxNumBatchedTokens).toBe(6144);
    expect(trtllmBenchBatchSettings(fitting(9000)).maxNumBatchedTokens).toBe(8192);
  });

  it('divides the batch over pipeline stages', () => {
    expect(trtllmBenchBatchSettings(fitting(2000, 2)).maxNumSeqs).toBe(1024);
  });

  it('refuses a model that leaves no room for one request', () => {
    expect(() => trtllmBenchBatchSettings({ ...llama8bFp8, memoryBytesPerGpu: 7 * GIB })).toThrow(
      InsufficientMemoryError,
    );
  });
});
