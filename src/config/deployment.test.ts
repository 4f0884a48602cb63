/**
 * @module Tests of deployment resolution: vLLM's batch defaults per GPU, the parallel layout, the
 * KV-cache capacity against a hand computation, precision effects, and the errors for settings
 * that do not fit or are out of range.
 */

import { describe, expect, it } from 'vitest';
import { thrown } from '../../test/support/thrown.js';
import { deviceMemoryBytes, loadCalibration } from '../catalog/calibration-catalog.js';
import { activationPeakBytesPerGpu } from '../core/kv-cache/kv-capacity.js';
import { InsufficientMemoryError, InvalidConfigError } from '../errors.js';
import { resolveDeployment } from './deployment.js';

const GIB = 2 ** 30;

/** Parameters of Llama-3.1-8B: 2 × 128256·4096 (embedding, lm head) + 32 layers + final norm. */
const LLAMA_8B_PARAMETERS =
  2 * 128_256 * 4096 +
  32 * (4096 * (32 + 2 * 8) * 128 + 32 * 128 * 4096 + 3 * 4096 * 14_336 + 2 * 4096) +
  4096;

describe('vLLM batch defaults', () => {
  it('H100 with Llama-3.1-8B-Instruct: 1024 seqs, 8192 tokens, block 16, 0.9, chunked prefill', () => {
    const deployment = resolveDeployment({});
    expect(deployment.model.id).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect(deployment.hardware.file.name).toBe('H100');
    expect(deployment.engineConfig).toMatchObject({
      maxNumSeqs: 1024,
      maxNumBatchedTokens: 8192,
      blockSize: 16,
      enableChunkedPrefill: true,
      maxModelLen: 131_072,
    });
    expect(deployment.gpuMemoryUtilization).toBe(0.9);
    expect(deployment.parallel).toEqual({ tp: 1, pp: 1 });
    expect(deployment.gpus).toBe(1);
    expect(deployment.scheduler.kind).toBe('vllm-v1');
  });

  it('A100-80GB gets the small defaults (vLLM excludes A100s)', () => {
    const { engineConfig } = resolveDeployment({ hardware: 'A100-80GB' });
    expect(engineConfig.maxNumSeqs).toBe(256);
    expect(engineConfig.maxNumBatchedTokens).toBe(2048);
  });

  it('RTXPRO6000 (96 GiB) gets the large defaults', () => {
    const deployment = resolveDeployment({ hardware: 'RTXPRO6000' });
    expect(deployment.hardwareSpec.memoryBytes).toBe(96 * GIB);
    expect(deployment.engineConfig.maxNumSeqs).toBe(1024);
    expect(deployment.engineConfig.maxNumBatchedTokens).toBe(8192);
  });

  it('explicit values override the defaults', () => {
    const { engineConfig } = resolveDeployment({ maxNumSeqs: 64, maxNumBatchedTokens: 512 });
    expect(engineConfig.maxNumSeqs).toBe(64);
    expect(engineConfig.maxNumBatchedTokens).toBe(512);
  });
});

describe('parallel layout', () => {
  it('npuNum alone sets tp', () => {
    const deployment = resolveDeployment({ npuNum: 4 });
    expect(deployment.parallel).toEqual({ tp: 4, pp: 1 });
    expect(deployment.gpus).toBe(4);
  });

  it('accepts npuNum equal to tp × pp', () => {
    expect(resolveDeployment({ npuNum: 4, tp: 2, pp: 2 }).parallel).toEqual({ tp: 2, pp: 2 });
  });

  it('rejects npuNum different from tp × pp', () => {
    const error = thrown(() => resolveDeployment({ npuNum: 4, tp: 2 }));
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error.message).toContain('--npu-num');
  });

  it('rejects a tp that does not divide the attention heads', () => {
    const error = thrown(() => resolveDeployment({ tp: 3 }));
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error.message).toContain('--tp 3');
    expect(error.message).toContain('32 attention heads');
  });
});

describe('KV-cache capacity', () => {
  it('Llama-3.1-8B on H100 matches a hand computation', () => {
    const deployment = resolveDeployment({});
    const capacity = deployment.kvCapacity;
    // K and V × 32 layers × 8 KV heads × head_dim 128 × 2 bytes (bf16).
    expect(capacity.kvBytesPerTokenPerGpu).toBe(2 * 32 * 8 * 128 * 2);
    expect(capacity.kvBytesPerTokenPerGpu).toBe(131_072);
    expect(LLAMA_8B_PARAMETERS).toBe(8_030_261_248);
    expect(capacity.weightBytesPerGpu).toBe(LLAMA_8B_PARAMETERS * 2);
    expect(Math.abs(capacity.weightBytesPerGpu - 8.03e9 * 2) / (8.03e9 * 2)).toBeLessThan(0.001);

    const reserve = loadCalibration().memoryReserve;
    const activation = activationPeakBytesPerGpu({
      model: deployment.model.spec,
      precision: deployment.precision,
      parallel: deployment.parallel,
      memoryBytesPerGpu: 80 * GIB,
      gpuMemoryUtilization: 0.9,
      blockSize: 16,
      maxNumBatchedTokens: 8192,
      maxNumSeqs: 1024,
      reserve,
    });
    expect(capacity.activationPeakBytesPerGpu).toBe(activation);
    expect(capacity.nonTorchBytesPerGpu).toBe(reserve.nonTorchBytesPerGpu);
    // Sanity of the two reserves for an 8B model: activations 0.5–3 GiB, the runtime 0.1–3 GiB.
    expect(activation / GIB).toBeGreaterThan(0.5);
    expect(activation / GIB).toBeLessThan(3);
    expect(reserve.nonTorchBytesPerGpu / GIB).toBeGreaterThan(0.1);
    expect(reserve.nonTorchBytesPerGpu / GIB).toBeLessThan(3);

    // The budget is a fraction of what the driver reports, a little under the nominal 80 GiB.
    const device = deviceMemoryBytes('H100') ?? 0;
    expect(device / GIB).toBeGreaterThan(79);
    expect(device / GIB).toBeLessThan(80);
    const free = 0.9 * device - LLAMA_8B_PARAMETERS * 2 - activation - reserve.nonTorchBytesPerGpu;
    const expectedTokens = Math.floor(free / (131_072 * 16)) * 16;
    expect(capacity.budgetBytesPerGpu).toBeCloseTo(0.9 * device, 0);
    expect(capacity.capacityTokens).toBe(expectedTokens);
    expect(capacity.totalBlocks).toBe(expectedTokens / 16);
    expect(deployment.engineConfig.totalKvBlocks).toBe(capacity.totalBlocks);
    // Roughly 53-54 GiB of KV cache, i.e. about 440k tokens.
    expect(capacity.capacityTokens).toBeGreaterThan(400_000);
    expect(capacity.capacityTokens).toBeLessThan(460_000);
  });

  it('an fp8 KV cache halves the bytes per token and about doubles the capacity', () => {
    const bf16 = resolveDeployment({}).kvCapacity;
    const fp8 = resolveDeployment({ kvCacheDtype: 'fp8' });
    expect(fp8.precision.kvCacheDtype).toBe('fp8');
    expect(fp8.kvCapacity.kvBytesPerTokenPerGpu).toBe(bf16.kvBytesPerTokenPerGpu / 2);
    const ratio = fp8.kvCapacity.capacityTokens / bf16.capacityTokens;
    expect(ratio).toBeGreaterThan(1.99);
    expect(ratio).toBeLessThan(2.01);
  });

  it('tp = 2 halves the KV bytes per token and the weights per GPU', () => {
    const one = resolveDeployment({}).kvCapacity;
    const two = resolveDeployment({ tp: 2 }).kvCapacity;
    expect(two.kvBytesPerTokenPerGpu).toBe(one.kvBytesPerTokenPerGpu / 2);
    expect(two.weightBytesPerGpu).toBe(one.weightBytesPerGpu / 2);
    expect(two.capacityTokens).toBeGreaterThan(2 * one.capacityTokens);
  });

  it('--npu-mem overrides the GPU memory and changes the capacity', () => {
    const catalog = resolveDeployment({ npuMem: 80 });
    const bigger = resolveDeployment({ npuMem: 100 });
    expect(bigger.hardwareSpec.memoryBytes).toBe(100 * GIB);
    expect(bigger.kvCapacity.memoryBytesPerGpu).toBe(100 * GIB);
    expect(bigger.hardware.spec.memoryBytes).toBe(80 * GIB);
    // 20 GiB more at 0.9 utilisation adds 18 GiB of cache: 18·2^30 / 131072 = 147456 tokens.
    expect(bigger.kvCapacity.capacityTokens - catalog.kvCapacity.capacityTokens).toBeGreaterThan(
      147_456 - 16,
    );
    expect(bigger.kvCapacity.capacityTokens - catalog.kvCapacity.capacityTokens).toBeLessThan(
      147_456 + 16,
    );
    // Without --npu-mem the driver's figure (a little under 80 GiB) is the base.
    expect(resolveDeployment({}).kvCapacity.capacityTokens).toBeLessThan(
      catalog.kvCapacity.capacityTokens,
    );
    const smaller = resolveDeployment({ npuMem: 40 });
    expect(smaller.kvCapacity.capacityTokens).toBeLessThan(catalog.kvCapacity.capacityTokens);
  });
});

describe('memory that does not fit', () => {
  it('RTX4090 with Llama-3.1-8B at the full context suggests a --max-model-len that works', () => {
    const error = thrown(() => resolveDeployment({ hardware: 'RTX4090' }));
    expect(error).toBeInstanceOf(InsufficientMemoryError);
    expect((error as InsufficientMemoryError).code).toBe('LLMSIM_ERR_INSUFFICIENT_MEMORY');
    expect(error.message).not.toContain('\n');
    const suggested = /set --max-model-len (\d+)/.exec(error.message)?.[1];
    expect(suggested).toBeDefined();
    const maxModelLen = Number(suggested);
    expect(maxModelLen).toBeGreaterThan(0);
    expect(maxModelLen).toBeLessThan(131_072);
    const deployment = resolveDeployment({ hardware: 'RTX4090', maxModelLen });
    expect(deployment.engineConfig.maxModelLen).toBe(maxModelLen);
    expect(deployment.kvCapacity.capacityTokens).toBeGreaterThanOrEqual(maxModelLen);
  });

  it('Llama-3.1-405B does not fit on one H100', () => {
    const error = thrown(() => resolveDeployment({ model: 'meta-llama/Llama-3.1-405B' }));
    expect(error).toBeInstanceOf(InsufficientMemoryError);
    expect(error.message).toContain('does not fit');
    expect(error.message).toContain('H100');
  });

  it('rejects a --max-model-len beyond the model’s context window', () => {
    const error = thrown(() =>
      resolveDeployment({ model: 'meta-llama/Meta-Llama-3-8B', maxModelLen: 16_384 }),
    );
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error.message).toContain('--max-model-len');
  });
});

describe('chunked prefill off', () => {
  it('raises max-num-batched-tokens to max-model-len', () => {
    const deployment = resolveDeployment({ enableChunkedPrefill: false, maxModelLen: 16_384 });
    expect(deployment.engineConfig.enableChunkedPrefill).toBe(false);
    expect(deployment.scheduler.kind).toBe('prefill-first');
    expect(deployment.engineConfig.maxNumBatchedTokens).toBe(16_384);
    const full = resolveDeployment({ enableChunkedPrefill: false });
    expect(full.engineConfig.maxNumBatchedTokens).toBe(131_072);
  });

  it('keeps the default budget when max-model-len is below it', () => {
    const deployment = resolveDeployment({ enableChunkedPrefill: false, maxModelLen: 4096 });
    expect(deployment.engineConfig.maxNumBatchedTokens).toBe(8192);
  });

  it('rejects an explicit budget smaller than max-model-len', () => {
    const error = thrown(() =>
      resolveDeployment({
        enableChunkedPrefill: false,
        maxModelLen: 16_384,
        maxNumBatchedTokens: 4096,
      }),
    );
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error.message).toContain('--max-num-batched-tokens 4096');
  });
});

describe('invalid values', () => {
  it('gpuMemoryUtilization 1.5 names --gpu-memory-utilization', () => {
    const error = thrown(() => resolveDeployment({ gpuMemoryUtilization: 1.5 }));
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).code).toBe('LLMSIM_ERR_INVALID_CONFIG');
    expect(error.message).toContain('--gpu-memory-utilization');
  });

  it('blockSize 7 names --block-size', () => {
    // A number outside the literal union: the cast mimics an unchecked CLI value.
    const error = thrown(() => resolveDeployment({ blockSize: 7 as 16 }));
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error.message).toContain('--block-size');
  });

  it('max-num-batched-tokens below max-num-seqs is rejected', () => {
    const error = thrown(() => resolveDeployment({ maxNumSeqs: 512, maxNumBatchedTokens: 256 }));
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error.message).toContain('--max-num-seqs');
  });
});

describe('engine presets', () => {
  it('vllm is the default and keeps its defaults', () => {
    const deployment = resolveDeployment({});
    expect(deployment.enginePreset.id).toBe('vllm');
    expect(deployment.scheduler.kind).toBe('vllm-v1');
    expect(deployment.engineConfig.blockSize).toBe(16);
  });

  it('trtllm sizes the cache as a fraction of free memory and never evicts', () => {
    const vllm = resolveDeployment({ maxNumSeqs: 256, maxNumBatchedTokens: 8192 });
    const trtllm = resolveDeployment({
      engine: 'trtllm',
      maxNumSeqs: 256,
      maxNumBatchedTokens: 8192,
    });
    expect(trtllm.engineConfig.blockSize).toBe(32);
    expect(trtllm.engineConfig.enableChunkedPrefill).toBe(false);
    expect(trtllm.scheduler.kind).toBe('in-flight whole-prompt no-evict');
    const { kvCapacity: v } = vllm;
    const free =
      v.deviceMemoryBytesPerGpu -
      v.weightBytesPerGpu -
      v.activationPeakBytesPerGpu -
      v.nonTorchBytesPerGpu;
    expect(trtllm.kvCapacity.kvCacheBytesPerGpu).toBeCloseTo(0.9 * free, 0);
    // 0.9 of what is free is more than vLLM's 0.9 of the total minus the same reserves.
    expect(trtllm.kvCapacity.capacityTokens).toBeGreaterThan(vllm.kvCapacity.capacityTokens);
  });

  it('sglang uses a per-token pool and its memory-dependent limits', () => {
    const sglang = resolveDeployment({ engine: 'sglang' });
    expect(sglang.engineConfig.blockSize).toBe(1);
    expect(sglang.engineConfig.maxNumBatchedTokens).toBe(8192);
    expect(sglang.gpuMemoryUtilization).toBeLessThan(0.9);
    expect(sglang.engineConfig.maxNumSeqs).toBeGreaterThan(0);
  });

  it('explicit flags win over the preset', () => {
    const deployment = resolveDeployment({
      engine: 'trtllm',
      blockSize: 16,
      gpuMemoryUtilization: 0.5,
    });
    expect(deployment.engineConfig.blockSize).toBe(16);
    expect(deployment.gpuMemoryUtilization).toBe(0.5);
  });
});
