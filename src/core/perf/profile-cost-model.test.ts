import { describe, expect, it } from 'vitest';
import { LLAMA_3_1_8B } from '../../../test/support/model-fixtures.js';
import { AnalyticalCostModel } from './analytical-cost-model.js';
import { ringAllGatherSeconds } from './collective.js';
import {
  type BatchShape,
  batchShapeOf,
  type CostModel,
  type ParallelConfig,
  type StepCostPrediction,
} from './cost-model.js';
import type { ModelSpec } from './model-spec.js';
import {
  type AttentionSample,
  type CollectiveProfile,
  type OperatorProfile,
  PROFILE_FORMAT,
  type SequenceOperatorTiming,
  type TokenOperatorTiming,
} from './operator-profile.js';
import { ProfileCostModel } from './profile-cost-model.js';

const LAYERS = 4;
const US = 1e-6;

const tinyModel: ModelSpec = {
  name: 'tiny',
  hiddenSize: 1000,
  numLayers: LAYERS,
  numAttentionHeads: 8,
  numKeyValueHeads: 2,
  headDim: 125,
  intermediateSize: 4000,
  vocabSize: 5000,
  maxPositionEmbeddings: 32768,
  tieWordEmbeddings: false,
  attentionBias: false,
  checkpointDtype: 'bf16',
};

/** Linear timings (µs), so interpolation between the points is exact and expectations are sums. */
const linear = (a: number, b: number) => (x: number) => a + b * x;
const tokenPoints = [1, 16, 256, 2048];
const sequencePoints = [1, 64, 256];

function tokenOperator(
  name: TokenOperatorTiming['name'],
  scope: 'layer' | 'step',
  count: number,
  time: (x: number) => number,
): TokenOperatorTiming {
  return { name, scope, count, points: tokenPoints, timesUs: tokenPoints.map(time) };
}

function sequenceOperator(
  name: SequenceOperatorTiming['name'],
  time: (x: number) => number,
): SequenceOperatorTiming {
  return { name, points: sequencePoints, timesUs: sequencePoints.map(time) };
}

const embedding = linear(1, 0.01);
const qkv = linear(10, 0.1);
const norm = linear(2, 0.001);
const oProj = linear(5, 0.05);
const gateUp = linear(20, 0.2);
const down = linear(10, 0.1);
const finalNorm = linear(3, 0.002);
const lmHead = linear(100, 1);
const sampler = linear(10, 0.5);
const prefillAttention = (chunk: number, kv: number) => 5 + 0.1 * chunk + 0.02 * kv;
const decodeAttention = (n: number, kv: number) => 4 + 0.5 * n + 0.001 * n * kv;
const mixedAttention = (chunk: number, kvp: number, n: number, kvd: number) =>
  1.5 * (prefillAttention(chunk, kvp) + decodeAttention(n, kvd));

function attentionRows(): AttentionSample[] {
  const rows: AttentionSample[] = [];
  const chunks = [16, 256, 2048];
  const prefillKvs = [0, 1024, 8192];
  const decodes = [1, 16, 128];
  const decodeKvs = [16, 1024, 8192];
  for (const c of chunks)
    for (const kv of prefillKvs) rows.push([c, kv, 0, 0, prefillAttention(c, kv)]);
  for (const n of decodes)
    for (const kv of decodeKvs) rows.push([0, 0, n, kv, decodeAttention(n, kv)]);
  for (const c of chunks)
    for (const kvp of prefillKvs)
      for (const n of decodes)
        for (const kvd of decodeKvs) rows.push([c, kvp, n, kvd, mixedAttention(c, kvp, n, kvd)]);
  return rows;
}

function profileOf(overrides: Partial<OperatorProfile> = {}): OperatorProfile {
  return {
    format: PROFILE_FORMAT,
    hardware: 'TEST-GPU',
    model: 'tiny',
    dtype: 'bf16',
    tp: 1,
    framework: 'synthetic',
    source: {
      dataset: 'synthetic',
      path: 'test',
      licence: 'MIT',
      note: 'hand-made linear timings',
    },
    tokenOperators: [
      tokenOperator('embedding', 'step', 1, embedding),
      tokenOperator('input_layernorm', 'layer', 2, norm),
      tokenOperator('qkv_proj', 'layer', 1, qkv),
      tokenOperator('o_proj', 'layer', 1, oProj),
      tokenOperator('gate_up_proj', 'layer', 1, gateUp),
      tokenOperator('down_proj', 'layer', 1, down),
      tokenOperator('final_layernorm', 'step', 1, finalNorm),
    ],
    sequenceOperators: [sequenceOperator('lm_head', lmHead), sequenceOperator('sampler', sampler)],
    attention: attentionRows(),
    ...overrides,
  };
}

/** A fallback whose every component is a recognisable constant. */
class StubFallback implements CostModel {
  readonly kind = 'stub';
  readonly breakdown: Readonly<Record<string, number>> = {
    embedding: 1,
    qkv_proj: 2,
    attention_prefill: 3,
    attention_decode: 4,
    o_proj: 5,
    mlp: 6,
    moe: 7,
    elementwise: 8,
    all_reduce: 9,
    lm_head: 10,
    sampler: 11,
    pipeline_p2p: 12,
    overhead: 0.5,
  };
  calls = 0;

  predict(_batch: BatchShape, _parallel: ParallelConfig): StepCostPrediction {
    this.calls++;
    return { seconds: 0, stageSeconds: 0, overheadSeconds: 0.5, breakdown: this.breakdown };
  }
}

function modelOf(
  options: { profile?: OperatorProfile; model?: ModelSpec; collectives?: CollectiveProfile } = {},
) {
  const fallback = new StubFallback();
  const model = new ProfileCostModel({
    profile: options.profile ?? profileOf(),
    model: options.model ?? tinyModel,
    fallback,
    ...(options.collectives ? { collectives: options.collectives } : {}),
  });
  return { model, fallback };
}

/** One prefill chunk of 100 tokens after 50 cached ones (not its last chunk) and three decodes. */
const mixedBatch = batchShapeOf([
  { newTokens: 100, priorTokens: 50, isDecode: false, samples: false },
  { newTokens: 1, priorTokens: 99, isDecode: true, samples: true },
  { newTokens: 1, priorTokens: 199, isDecode: true, samples: true },
  { newTokens: 1, priorTokens: 299, isDecode: true, samples: true },
]);
const tp1 = { tp: 1, pp: 1 };

describe('ProfileCostModel', () => {
  it('sums the measured operators at the batch tokens, per layer and per step', () => {
    const { breakdown } = modelOf().model.predict(mixedBatch, tp1);
    const tokens = 103;
    expect(breakdown.embedding).toBeCloseTo(embedding(tokens) * US, 12);
    expect(breakdown.qkv_proj).toBeCloseTo(LAYERS * qkv(tokens) * US, 12);
    expect(breakdown.o_proj).toBeCloseTo(LAYERS * oProj(tokens) * US, 12);
    expect(breakdown.mlp).toBeCloseTo(LAYERS * (gateUp(tokens) + down(tokens)) * US, 12);
    expect(breakdown.elementwise).toBeCloseTo(
      (LAYERS * 2 * norm(tokens) + finalNorm(tokens)) * US,
      12,
    );
  });

  it('runs the LM head and sampler for every scheduled sequence, as vLLM V1 does', () => {
    const { breakdown } = modelOf().model.predict(mixedBatch, tp1);
    // Four sequences although only three sample a token.
    expect(breakdown.lm_head).toBeCloseTo(lmHead(4) * US, 12);
    expect(breakdown.sampler).toBeCloseTo(sampler(4) * US, 12);
  });

  it('looks attention up at (chunk, prior KV, decodes, mean decode history) for every layer', () => {
    const { breakdown } = modelOf().model.predict(mixedBatch, tp1);
    // Decode histories 99, 199, 299: the batch counts KV 600 including the three new tokens.
    const perLayer = mixedAttention(100, 50, 3, 199);
    expect(
      (breakdown.attention_prefill as number) + (breakdown.attention_decode as number),
    ).toBeCloseTo(LAYERS * perLayer * US, 12);
    const decodeOnly = batchShapeOf([
      { newTokens: 1, priorTokens: 499, isDecode: true, samples: true },
    ]);
    const decode = modelOf().model.predict(decodeOnly, tp1).breakdown;
    expect(decode.attention_prefill).toBe(0);
    expect(decode.attention_decode).toBeCloseTo(LAYERS * decodeAttention(1, 499) * US, 12);
  });

  it('scales a step of several prefills by its query–key pairs against one summed sequence', () => {
    // Four 200-token prompts: the table holds one 800-token prefill, which has 4× the pairs.
    const prompts = batchShapeOf(
      Array.from({ length: 4 }, () => ({
        newTokens: 200,
        priorTokens: 0,
        isDecode: false,
        samples: true,
      })),
    );
    const ratio = (4 * 200 * 100.5) / (800 * 400.5);
    expect(modelOf().model.predict(prompts, tp1).breakdown.attention_prefill).toBeCloseTo(
      LAYERS * prefillAttention(800, 0) * ratio * US,
      12,
    );
    const summed = new ProfileCostModel({
      profile: profileOf(),
      model: tinyModel,
      fallback: new StubFallback(),
      prefillAttentionScaling: 'sum',
    });
    expect(summed.predict(prompts, tp1).breakdown.attention_prefill).toBeCloseTo(
      LAYERS * prefillAttention(800, 0) * US,
      12,
    );
    // Never below the cheapest measured prefill (a kernel launch): 64 one-token prompts.
    const tiny = batchShapeOf(
      Array.from({ length: 64 }, () => ({
        newTokens: 1,
        priorTokens: 0,
        isDecode: false,
        samples: true,
      })),
    );
    expect(modelOf().model.predict(tiny, tp1).breakdown.attention_prefill).toBeCloseTo(
      LAYERS * prefillAttention(16, 0) * US,
      12,
    );
  });

  it('adds the fallback overhead once and its pipeline hand-off', () => {
    const { model } = modelOf();
    const single = model.predict(mixedBatch, tp1);
    const gpu = Object.entries(single.breakdown)
      .filter(([key]) => key !== 'overhead' && key !== 'pipeline_p2p')
      .reduce((sum, [, value]) => sum + value, 0);
    expect(single.overheadSeconds).toBe(0.5);
    expect(single.breakdown.overhead).toBe(0.5);
    expect(single.breakdown.pipeline_p2p).toBe(0);
    expect(single.stageSeconds).toBeCloseTo(gpu, 12);
    expect(single.seconds).toBeCloseTo(0.5 + gpu, 12);

    const piped = model.predict(mixedBatch, { tp: 1, pp: 2 });
    expect(piped.breakdown.pipeline_p2p).toBe(12);
    expect(piped.stageSeconds).toBeCloseTo((gpu + 12) / 2, 12);
    expect(piped.seconds).toBeCloseTo(0.5 + gpu + 12, 12);
  });

  it('takes from the fallback exactly the components the profile does not measure', () => {
    const sparse = profileOf({
      tokenOperators: profileOf().tokenOperators.filter(
        (operator) => operator.name !== 'gate_up_proj' && operator.name !== 'down_proj',
      ),
      sequenceOperators: [],
      attention: attentionRows().filter((row) => row[2] === 0),
    });
    const { model } = modelOf({ profile: sparse });
    const explained = model.explain(mixedBatch, tp1);
    const { breakdown } = explained.prediction;
    expect(breakdown.mlp).toBe(6);
    expect(breakdown.lm_head).toBe(10);
    expect(breakdown.sampler).toBe(11);
    expect(breakdown.attention_decode).toBe(4);
    expect(breakdown.attention_prefill).toBeCloseTo(LAYERS * prefillAttention(100, 50) * US, 12);
    expect(explained.sources).toMatchObject({
      mlp: 'fallback',
      lm_head: 'fallback',
      attention_decode: 'fallback',
      attention_prefill: 'profile',
      qkv_proj: 'profile',
      moe: 'none',
      all_reduce: 'none',
      overhead: 'fallback',
    });
    const fallbackSeconds = 6 + 10 + 11 + 4;
    const gpu = explained.prediction.stageSeconds;
    expect(explained.measuredFraction).toBeCloseTo((gpu - fallbackSeconds) / gpu, 12);
    expect(modelOf().model.explain(mixedBatch, tp1).measuredFraction).toBe(1);
  });

  it('prices MoE layers at the expected distinct experts of uniform routing', () => {
    const moeModel: ModelSpec = {
      ...tinyModel,
      moe: {
        numExperts: 8,
        numExpertsPerToken: 2,
        expertIntermediateSize: 500,
        numSharedExperts: 0,
        sharedExpertIntermediateSize: 0,
      },
    };
    const moeTime = (tokens: number, experts: number) => 10 + tokens + 5 * experts;
    const moe = [1, 2, 4, 8].flatMap((experts) =>
      [1, 16, 256].map((tokens): readonly [number, number, number] => [
        tokens,
        experts,
        moeTime(tokens, experts),
      ]),
    );
    const { model } = modelOf({ profile: profileOf({ moe }), model: moeModel });
    const batch = batchShapeOf([{ newTokens: 3, priorTokens: 0, isDecode: false, samples: true }]);
    const experts = 8 * (1 - (1 - 2 / 8) ** 3);
    expect(model.predict(batch, tp1).breakdown.moe).toBeCloseTo(
      LAYERS * moeTime(3, experts) * US,
      12,
    );
    // Without a MoE table the fallback prices it.
    expect(modelOf({ model: moeModel }).model.predict(batch, tp1).breakdown.moe).toBe(7);
  });

  it('adds tensor-parallel collectives the profile could not see', () => {
    const tp2 = { tp: 2, pp: 1 };
    const profile = profileOf({ tp: 2 });
    expect(modelOf({ profile }).model.predict(mixedBatch, tp2).breakdown.all_reduce).toBe(9);

    const allReduceUs = (bytes: number) => 5 + bytes * 1e-5;
    const points = [1024, 2 ** 20, 2 ** 26];
    const collectives: CollectiveProfile = {
      format: PROFILE_FORMAT,
      hardware: 'TEST-GPU',
      topology: 'test',
      source: { dataset: 'synthetic', path: 'test', licence: 'MIT', note: '' },
      allReduce: [{ gpus: 2, points, timesUs: points.map(allReduceUs) }],
      sendRecv: [],
    };
    const explained = modelOf({ profile, collectives }).model.explain(mixedBatch, tp2);
    const { breakdown } = explained.prediction;
    const activationBytes = 103 * 1000 * 2;
    expect(breakdown.all_reduce).toBeCloseTo(2 * LAYERS * allReduceUs(activationBytes) * US, 12);
    expect(explained.sources.all_reduce).toBe('collective-profile');
    // The sharded logits of four sequences are gathered: half an all-reduce of the same bytes.
    const logitsBytes = 4 * 5000 * 2;
    expect(breakdown.lm_head).toBeCloseTo((lmHead(4) + allReduceUs(logitsBytes) / 2) * US, 12);
    expect(explained.prediction.breakdown.pipeline_p2p).toBe(0);
  });

  it('prices the logits gather by the link model when there is no collective profile', () => {
    const link = { bandwidthBytesPerS: 1e10, latencyS: 1e-6 };
    const model = new ProfileCostModel({
      profile: profileOf({ tp: 2 }),
      model: tinyModel,
      fallback: new StubFallback(),
      link,
    });
    const { breakdown } = model.predict(mixedBatch, { tp: 2, pp: 1 });
    expect(breakdown.lm_head).toBeCloseTo(
      lmHead(4) * US + ringAllGatherSeconds(4 * 5000 * 2, 2, link),
      12,
    );
  });

  it('refuses a parallel layout the profile was not measured at', () => {
    expect(() => modelOf().model.predict(mixedBatch, { tp: 2, pp: 1 })).toThrow(RangeError);
  });

  it('reports the same breakdown components as the analytical model', () => {
    const analytical = new AnalyticalCostModel({
      model: LLAMA_3_1_8B,
      hardware: {
        name: 'round',
        description: 'test GPU',
        memoryBytes: 80 * 2 ** 30,
        memoryBandwidthBytesPerS: 1e12,
        peakFlopsPerS: { bf16: 1e15, fp16: 1e15, fp8: 2e15 },
        interconnect: { kind: 'nvlink', bandwidthBytesPerSPerDirection: 1e11, latencyS: 1e-6 },
      },
      precision: { weightDtype: 'bf16', activationDtype: 'bf16', kvCacheDtype: 'bf16' },
      calibration: {
        computeEfficiency: 1,
        memoryEfficiency: 1,
        collectiveBandwidthEfficiency: 1,
        stepOverheadS: 0.001,
      },
    });
    const model = new ProfileCostModel({
      profile: profileOf(),
      model: LLAMA_3_1_8B,
      fallback: analytical,
    });
    const profiled = model.predict(mixedBatch, tp1);
    const reference = analytical.predict(mixedBatch, tp1);
    expect(Object.keys(profiled.breakdown).sort()).toEqual(Object.keys(reference.breakdown).sort());
    expect(profiled.overheadSeconds).toBe(0.001);
  });

  it('charges an empty step only the overhead', () => {
    const empty = batchShapeOf([]);
    const prediction = modelOf().model.predict(empty, tp1);
    expect(prediction.seconds).toBe(0.5);
    expect(prediction.stageSeconds).toBe(0);
  });

  it('asks the fallback once per prediction', () => {
    const { model, fallback } = modelOf();
    model.predict(mixedBatch, tp1);
    model.predict(mixedBatch, tp1);
    expect(fallback.calls).toBe(2);
  });
});
