import { describe, expect, it } from 'vitest';
import { LLAMA_3_1_8B } from '../../../test/support/model-fixtures.js';
import {
  type AnalyticalCalibration,
  AnalyticalCostModel,
  TILE_FLOPS_PER_KEY,
} from './analytical-cost-model.js';
import { batchShapeOf } from './cost-model.js';
import type { HardwareSpec } from './hardware-spec.js';
import type { ModelSpec } from './model-spec.js';
import type { PrecisionConfig } from './precision.js';

/** Round numbers make expected times easy: 1000 TFLOP/s, 1 TB/s, links at 100 GB/s per direction. */
const roundGpu: HardwareSpec = {
  name: 'round',
  description: 'test GPU',
  memoryBytes: 80 * 2 ** 30,
  memoryBandwidthBytesPerS: 1e12,
  peakFlopsPerS: { bf16: 1e15, fp16: 1e15, fp8: 2e15 },
  interconnect: { kind: 'nvlink', bandwidthBytesPerSPerDirection: 1e11, latencyS: 1e-6 },
};

const unitCalibration: AnalyticalCalibration = {
  computeEfficiency: 1,
  memoryEfficiency: 1,
  collectiveBandwidthEfficiency: 1,
  stepOverheadS: 0,
};

const bf16: PrecisionConfig = {
  weightDtype: 'bf16',
  activationDtype: 'bf16',
  kvCacheDtype: 'bf16',
};

function model(
  overrides: {
    precision?: PrecisionConfig;
    calibration?: AnalyticalCalibration;
    spec?: ModelSpec;
  } = {},
) {
  return new AnalyticalCostModel({
    model: overrides.spec ?? LLAMA_3_1_8B,
    hardware: roundGpu,
    precision: overrides.precision ?? bf16,
    calibration: overrides.calibration ?? unitCalibration,
  });
}

const decodeOne = batchShapeOf([{ newTokens: 1, priorTokens: 999, isDecode: true, samples: true }]);
const prefill = batchShapeOf([{ newTokens: 512, priorTokens: 0, isDecode: false, samples: true }]);

describe('AnalyticalCostModel work (hand-computed for Llama-3.1-8B)', () => {
  it('counts GEMM FLOPs and bytes of one decode token', () => {
    const work = model().work(decodeOne, { tp: 1, pp: 1 });
    // QKV: 4096 × (32 + 2·8)·128 = 4096 × 6144 weights.
    expect(work.layer.qkvProj.flops).toBe(2 * 4096 * 6144);
    expect(work.layer.qkvProj.bytes).toBe(4096 * 6144 * 2 + (4096 + 6144) * 2);
    expect(work.layer.oProj.flops).toBe(2 * 4096 * 4096);
    expect(work.layer.mlpGateUp.flops).toBe(2 * 4096 * 28672);
    expect(work.layer.mlpDown.bytes).toBe(14336 * 4096 * 2 + (14336 + 4096) * 2);
    expect(work.lmHead.flops).toBe(2 * 4096 * 128256);
    expect(work.layers).toBe(32);
  });

  it('reads the KV cache of the context in decode attention (GQA: 8 KV heads)', () => {
    const work = model().work(decodeOne, { tp: 1, pp: 1 });
    // Context 1000 tokens × K and V × 8 heads × 128 × 2 bytes, q and o of 32 heads, and the new
    // token's K and V written to the cache.
    expect(work.layer.attentionDecode.bytes).toBe(
      1000 * 2 * 8 * 128 * 2 + 2 * 32 * 128 * 2 + 2 * 8 * 128 * 2,
    );
    expect(work.layer.attentionDecode.flops).toBe(4 * 32 * 128 * 1000);
  });

  it('counts causal prefill attention FLOPs over query–key pairs', () => {
    const work = model().work(prefill, { tp: 1, pp: 1 });
    const pairs = 512 * (0 + 513 / 2);
    expect(work.layer.attentionPrefill.flops).toBe(4 * 32 * 128 * pairs);
    expect(work.layer.qkvProj.flops).toBe(2 * 512 * 4096 * 6144);
  });

  it('shards weights and heads over tensor parallelism and adds two all-reduces per layer', () => {
    const tp1 = model().work(prefill, { tp: 1, pp: 1 });
    const tp4 = model().work(prefill, { tp: 4, pp: 1 });
    expect(tp4.layer.mlpGateUp.flops).toBe(tp1.layer.mlpGateUp.flops / 4);
    expect(tp4.layer.qkvProj.flops).toBe(2 * 512 * 4096 * ((8 + 2 * 2) * 128));
    expect(tp1.layer.allReduceBytes).toBe(0);
    expect(tp4.layer.allReduceBytes).toBe(512 * 4096 * 2);
  });

  it('replicates KV heads when tp exceeds their number', () => {
    const work = model().work(decodeOne, { tp: 16, pp: 1 });
    expect(work.layer.attentionDecode.bytes).toBe(
      1000 * 2 * 1 * 128 * 2 + 2 * 2 * 128 * 2 + 2 * 1 * 128 * 2,
    );
  });

  it('halves weight bytes with FP8 weights and KV bytes with an FP8 cache', () => {
    const fp8 = model({
      precision: { weightDtype: 'fp8', activationDtype: 'bf16', kvCacheDtype: 'fp8' },
    });
    const work = fp8.work(decodeOne, { tp: 1, pp: 1 });
    expect(work.layer.oProj.bytes).toBe(4096 * 4096 + 2 * 4096 * 2);
    expect(work.layer.attentionDecode.bytes).toBe(
      1000 * 2 * 8 * 128 + 2 * 32 * 128 * 2 + 2 * 8 * 128,
    );
  });

  it('streams only the experts a small batch touches in an MoE layer', () => {
    const mixtral: ModelSpec = {
      ...LLAMA_3_1_8B,
      vocabSize: 32000,
      moe: {
        numExperts: 8,
        numExpertsPerToken: 2,
        expertIntermediateSize: 14336,
        numSharedExperts: 0,
        sharedExpertIntermediateSize: 0,
      },
    };
    const moe = model({ spec: mixtral });
    const one = moe.work(decodeOne, { tp: 1, pp: 1 }).layer.moeExperts;
    const expertBytes = 3 * 4096 * 14336 * 2;
    // One token touches exactly its top-2 experts: 8 × (1 − 6/8) = 2.
    expect(one.bytes).toBeCloseTo(2 * expertBytes + 2 * (2 * 4096 + 3 * 14336) * 2, 0);
    expect(one.flops).toBe(2 * 2 * 3 * 4096 * 14336);
    const many = moe.work(prefill, { tp: 1, pp: 1 }).layer.moeExperts;
    expect(many.bytes).toBeGreaterThan(7.99 * expertBytes);
    expect(many.bytes).toBeLessThan(8 * expertBytes + 512 * 2 * (2 * 4096 + 3 * 14336) * 2 + 1);
  });
});

describe('AnalyticalCostModel predict', () => {
  it('is memory-bound for a decode and compute-bound for a long prefill (roofline)', () => {
    const cost = model();
    const decode = cost.predict(decodeOne, { tp: 1, pp: 1 });
    const qkvBytes = 4096 * 6144 * 2 + (4096 + 6144) * 2;
    expect(decode.breakdown.qkv_proj).toBeCloseTo((qkvBytes / 1e12) * 32, 15);
    // At 4096 tokens a GEMM does 4096 FLOPs per weight byte, past this GPU's 1000 FLOP/byte ridge.
    const long = cost.predict(
      batchShapeOf([{ newTokens: 4096, priorTokens: 0, isDecode: false, samples: true }]),
      { tp: 1, pp: 1 },
    );
    expect(long.breakdown.qkv_proj).toBeCloseTo(((2 * 4096 * 4096 * 6144) / 1e15) * 32, 15);
  });

  it('adds the step overhead and sums the breakdown to the total (pp = 1)', () => {
    const cost = model({ calibration: { ...unitCalibration, stepOverheadS: 0.002 } });
    const prediction = cost.predict(decodeOne, { tp: 1, pp: 1 });
    const sum = Object.values(prediction.breakdown).reduce((total, value) => total + value, 0);
    expect(prediction.seconds).toBeCloseTo(sum, 15);
    expect(prediction.overheadSeconds).toBe(0.002);
    expect(prediction.stageSeconds).toBeCloseTo(prediction.seconds - 0.002, 15);
  });

  it('prices the all-reduces by the ring model', () => {
    const tp2 = model().predict(prefill, { tp: 2, pp: 1 });
    const bytes = 512 * 4096 * 2;
    // Ring over 2 GPUs: 2·(1/2)·bytes / 100 GB/s + 2 hops × 1 µs, twice per layer.
    const perAllReduce = bytes / 1e11 + 2e-6;
    expect(tp2.breakdown.all_reduce).toBeCloseTo(2 * perAllReduce * 32, 12);
  });

  it('splits a step over pipeline stages', () => {
    const cost = model();
    const single = cost.predict(prefill, { tp: 1, pp: 1 });
    const staged = cost.predict(prefill, { tp: 1, pp: 2 });
    const handOff = (512 * 4096 * 2) / 1e11 + 1e-6;
    expect(staged.stageSeconds).toBeCloseTo((single.stageSeconds + handOff) / 2, 12);
  });

  it('gets slower with context and with batch size', () => {
    const cost = model();
    const short = cost.predict(
      batchShapeOf([{ newTokens: 1, priorTokens: 100, isDecode: true, samples: true }]),
      { tp: 1, pp: 1 },
    );
    const long = cost.predict(
      batchShapeOf([{ newTokens: 1, priorTokens: 100_000, isDecode: true, samples: true }]),
      { tp: 1, pp: 1 },
    );
    expect(long.seconds).toBeGreaterThan(short.seconds);
    const wide = cost.predict(
      batchShapeOf(
        Array.from({ length: 256 }, () => ({
          newTokens: 1,
          priorTokens: 100,
          isDecode: true,
          samples: true,
        })),
      ),
      { tp: 1, pp: 1 },
    );
    expect(wide.seconds).toBeGreaterThan(short.seconds);
  });
});

/** A calibration with every refinement, in round numbers. */
const refined: AnalyticalCalibration = {
  ...unitCalibration,
  computeEfficiency: 0.5,
  memoryEfficiency: 0.8,
  gemmSharpness: 2,
  gemmFloorS: 5e-6,
  streaming: {
    norm: { bandwidthEfficiency: 2, floorS: 2e-6 },
    rope: { bandwidthEfficiency: 0.5, floorS: 3e-6 },
    activation: { bandwidthEfficiency: 1, floorS: 1e-6 },
    embedding: { bandwidthEfficiency: 0.25, floorS: 4e-6 },
    sampler: { bandwidthEfficiency: 1, floorS: 10e-6 },
  },
  attention: {
    prefillComputeEfficiency: 0.4,
    decodeMemoryEfficiency: 0.8,
    decodeSequenceS: 0.1e-6,
    floorS: 8e-6,
    tiles: { computeEfficiency: 1, concurrentTiles: 100, mixedDecodeMemoryEfficiency: 2 },
  },
  collectiveLatencyS: 20e-6,
};

describe('AnalyticalCostModel with fitted refinements', () => {
  const cost = model({ calibration: refined });
  const tp1 = { tp: 1, pp: 1 };

  it('prices a GEMM by the soft roofline plus its fixed cost', () => {
    // o_proj at 1000 tokens: 2·1000·4096·4096 FLOPs at 0.5 PFLOP/s; weights and activations
    // at 0.8 TB/s; (tc² + tm²)^½ + 5 µs.
    const flops = 2 * 1000 * 4096 * 4096;
    const bytes = 4096 * 4096 * 2 + 1000 * (4096 + 4096) * 2;
    const tc = flops / 5e14;
    const tm = bytes / 8e11;
    expect(cost.operatorSeconds('o_proj', 1000, 1)).toBeCloseTo(Math.hypot(tc, tm) + 5e-6, 15);
  });

  it('prices memory-bound kernels by their kind: fixed cost plus bytes at their bandwidth', () => {
    // Fused residual-add + RMSNorm moves 4·h·2 bytes per token; RoPE 2·(32 + 8)·128·2.
    expect(cost.operatorSeconds('input_layernorm', 100, 1)).toBeCloseTo(
      2e-6 + (4 * 100 * 4096 * 2) / 2e12,
      15,
    );
    expect(cost.operatorSeconds('rotary_emb', 100, 1)).toBeCloseTo(
      3e-6 + (2 * 100 * 40 * 128 * 2) / 5e11,
      15,
    );
    // A kind without a fit streams at memoryEfficiency with no fixed cost.
    expect(cost.operatorSeconds('residual_add', 100, 1)).toBeCloseTo(
      (3 * 100 * 4096 * 2) / 8e11,
      15,
    );
  });

  it('sums the same per-operator prices in a step', () => {
    const batch = batchShapeOf([
      { newTokens: 300, priorTokens: 0, isDecode: false, samples: true },
    ]);
    const step = cost.predict(batch, tp1);
    const op = (name: Parameters<typeof cost.operatorSeconds>[0], count = 300) =>
      cost.operatorSeconds(name, count, 1) as number;
    expect(step.breakdown.qkv_proj).toBeCloseTo(op('qkv_proj') * 32, 12);
    expect(step.breakdown.mlp).toBeCloseTo((op('gate_up_proj') + op('down_proj')) * 32, 12);
    expect(step.breakdown.elementwise).toBeCloseTo(
      (2 * op('input_layernorm') + op('rotary_emb') + op('act_fn')) * 32 + op('final_layernorm'),
      12,
    );
    expect(step.breakdown.lm_head).toBeCloseTo(op('lm_head', 1), 15);
    expect(step.breakdown.attention_prefill).toBeCloseTo(
      cost.attentionLayerSeconds(batch, 1) * 32,
      12,
    );
  });

  it('prices a decode-only batch by KV bytes, a cost per sequence and the layer floor', () => {
    const batch = batchShapeOf(
      Array.from({ length: 10 }, () => ({
        newTokens: 1,
        priorTokens: 999,
        isDecode: true,
        samples: true,
      })),
    );
    const bytes = 10 * 1000 * 4096 + 10 * (2 * 32 * 128 * 2 + 4096);
    expect(cost.attentionLayerSeconds(batch, 1)).toBeCloseTo(bytes / 8e11 + 10 * 0.1e-6 + 8e-6, 15);
  });

  it('prices decodes batched with a prefill in the prefill kernel (tile model)', () => {
    const decodes = Array.from({ length: 10 }, () => ({
      newTokens: 1,
      priorTokens: 999,
      isDecode: true,
      samples: true,
    }));
    const chunk = { newTokens: 16, priorTokens: 0, isDecode: false, samples: true };
    const mixed = cost.attentionLayerSeconds(batchShapeOf([chunk, ...decodes]), 1);
    const prefillOnly = cost.attentionLayerSeconds(batchShapeOf([chunk]), 1);
    // 10 sequences × 32 query heads = 320 tiles over 100 at once: 3.2 waves of 1000 keys, each
    // key costing TILE_FLOPS_PER_KEY · 100 tiles / (1 PFLOP/s · 1).
    const perKey = (TILE_FLOPS_PER_KEY * 100) / 1e15;
    const walk = 3.2 * 1000 * perKey;
    // Each of 4 query heads per KV head re-reads the KV: 4 × bytes at 2 TB/s.
    const reread = (4 * (10 * 1000 * 4096 + 10 * (2 * 32 * 128 * 2 + 4096))) / 2e12;
    expect(mixed - prefillOnly).toBeCloseTo(Math.max(walk, reread), 12);
    // Measurements of the varlen kernel alone price decodes that way without a prefill too.
    const alone = cost.attentionLayerSeconds(batchShapeOf(decodes), 1, true);
    expect(alone).toBeCloseTo(Math.max(walk, reread) + 8e-6, 12);
  });

  it('bounds a short chunk after a long context by its tile walking every key', () => {
    const late = batchShapeOf([
      { newTokens: 16, priorTokens: 16_000, isDecode: false, samples: true },
    ]);
    const perKey = (TILE_FLOPS_PER_KEY * 100) / 1e15;
    expect(cost.attentionLayerSeconds(late, 1)).toBeCloseTo(16_016 * perKey + 8e-6, 12);
  });

  it('charges a fitted latency per all-reduce call whatever the GPU count', () => {
    const batch = batchShapeOf([
      { newTokens: 512, priorTokens: 0, isDecode: false, samples: true },
    ]);
    const bytes = 512 * 4096 * 2;
    for (const tp of [2, 8]) {
      const step = cost.predict(batch, { tp, pp: 1 });
      const perCall = ((2 * (tp - 1)) / tp) * (bytes / 1e11) + 20e-6;
      expect(step.breakdown.all_reduce).toBeCloseTo(2 * perCall * 32, 12);
    }
  });

  it('computes logits for every scheduled sequence, partial prefill chunks included', () => {
    const batch = batchShapeOf([
      { newTokens: 100, priorTokens: 0, isDecode: false, samples: false },
      { newTokens: 1, priorTokens: 10, isDecode: true, samples: true },
    ]);
    expect(cost.work(batch, tp1).lmHead.flops).toBe(2 * 2 * 4096 * 128256);
  });

  it('memoises per token count without changing any result', () => {
    const fresh = () => model({ calibration: refined });
    const shapes = [decodeOne, prefill, decodeOne, prefill];
    const memoised = fresh();
    for (const shape of shapes) {
      expect(memoised.predict(shape, { tp: 2, pp: 1 })).toEqual(
        fresh().predict(shape, { tp: 2, pp: 1 }),
      );
    }
    // Past the memo's range (and at fractional counts) the parts are priced directly.
    const huge = { ...prefill, prefillTokens: 70_000 };
    const fractional = { ...prefill, prefillTokens: 511.5 };
    expect(memoised.predict(huge, tp1).breakdown.mlp).toBeGreaterThan(
      memoised.predict(prefill, tp1).breakdown.mlp as number,
    );
    expect(memoised.predict(fractional, tp1).breakdown.qkv_proj).toBeLessThan(
      memoised.predict(prefill, tp1).breakdown.qkv_proj as number,
    );
  });

  it('reports the same breakdown components for every step', () => {
    const a = cost.predict(decodeOne, tp1);
    const b = cost.predict(prefill, tp1);
    expect(Object.keys(a.breakdown)).toEqual(Object.keys(b.breakdown));
  });
});
