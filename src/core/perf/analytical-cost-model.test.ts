import { describe, expect, it } from 'vitest';
import { LLAMA_3_1_8B } from '../../../test/support/model-fixtures.js';
import { type AnalyticalCalibration, AnalyticalCostModel } from './analytical-cost-model.js';
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
    // Context 1000 tokens × K and V × 8 heads × 128 × 2 bytes, plus q and o of 32 heads.
    expect(work.layer.attentionDecode.bytes).toBe(1000 * 2 * 8 * 128 * 2 + 2 * 32 * 128 * 2);
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
    expect(work.layer.attentionDecode.bytes).toBe(1000 * 2 * 1 * 128 * 2 + 2 * 2 * 128 * 2);
  });

  it('halves weight bytes with FP8 weights and KV bytes with an FP8 cache', () => {
    const fp8 = model({
      precision: { weightDtype: 'fp8', activationDtype: 'bf16', kvCacheDtype: 'fp8' },
    });
    const work = fp8.work(decodeOne, { tp: 1, pp: 1 });
    expect(work.layer.oProj.bytes).toBe(4096 * 4096 + 2 * 4096 * 2);
    expect(work.layer.attentionDecode.bytes).toBe(1000 * 2 * 8 * 128 + 2 * 32 * 128 * 2);
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
