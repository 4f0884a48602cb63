import { describe, expect, it } from 'vitest';
import { LLAMA_3_1_8B } from '../../test/support/model-fixtures.js';
import {
  type AnalyticalCalibration,
  AnalyticalCostModel,
} from '../core/perf/analytical-cost-model.js';
import type { HardwareSpec } from '../core/perf/hardware-spec.js';
import {
  type AttentionSample,
  isHeldOut,
  type OperatorProfile,
  PROFILE_FORMAT,
  type SequenceOperatorName,
  sampleKey,
  type TokenOperatorName,
} from '../core/perf/operator-profile.js';
import { fitAnalytical, type GpuInput } from './fit-analytical.js';
import { attentionSampleBatch } from './profile-rows.js';

const gpu: HardwareSpec = {
  name: 'SYN',
  description: 'synthetic GPU',
  memoryBytes: 80 * 2 ** 30,
  memoryBandwidthBytesPerS: 2e12,
  peakFlopsPerS: { bf16: 5e14, fp16: 5e14, fp8: 1e15 },
  interconnect: { kind: 'nvlink', bandwidthBytesPerSPerDirection: 2e11, latencyS: 2e-6 },
};

/** The constants the synthetic measurements are generated with. */
const truth: AnalyticalCalibration = {
  computeEfficiency: 0.7,
  memoryEfficiency: 0.85,
  gemmSharpness: 2.5,
  gemmFloorS: 4e-6,
  collectiveBandwidthEfficiency: 0.8,
  collectiveLatencyS: 25e-6,
  stepOverheadS: 0,
  streaming: {
    norm: { bandwidthEfficiency: 1.5, floorS: 2.5e-6 },
    rope: { bandwidthEfficiency: 0.6, floorS: 3e-6 },
    activation: { bandwidthEfficiency: 0.9, floorS: 2e-6 },
    embedding: { bandwidthEfficiency: 0.3, floorS: 3.5e-6 },
    sampler: { bandwidthEfficiency: 1.2, floorS: 15e-6 },
  },
  attention: {
    prefillComputeEfficiency: 0.45,
    decodeMemoryEfficiency: 0.8,
    decodeSequenceS: 0.1e-6,
    floorS: 9e-6,
    tiles: { computeEfficiency: 1.1, concurrentTiles: 120, mixedDecodeMemoryEfficiency: 1.6 },
  },
};

const precision = { weightDtype: 'bf16', activationDtype: 'bf16', kvCacheDtype: 'bf16' } as const;
const generator = new AnalyticalCostModel({
  model: LLAMA_3_1_8B,
  hardware: gpu,
  precision,
  calibration: truth,
});

const tokens = [1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048];
const sequences = [1, 2, 4, 8, 16, 32, 64, 128, 256];
const curve = (name: TokenOperatorName | SequenceOperatorName, points: number[]) => ({
  points,
  timesUs: points.map((x) => (generator.operatorSeconds(name, x, 1) as number) * 1e6),
});

function syntheticProfile(distortHeldOut = 1): OperatorProfile {
  const layer = (name: TokenOperatorName, count = 1) => ({
    name,
    scope: 'layer' as const,
    count,
    ...curve(name, tokens),
  });
  const attention: AttentionSample[] = [];
  for (const chunk of [0, 16, 128, 512, 2048]) {
    for (const prior of chunk > 0 ? [0, 1024, 8192] : [0]) {
      for (const decodes of [0, 1, 8, 64]) {
        for (const kv of decodes > 0 ? [128, 1024, 8192] : [0]) {
          if (chunk === 0 && decodes === 0) continue;
          const coordinates = [chunk, prior, decodes, kv];
          const us = generator.attentionLayerSeconds(attentionSampleBatch(coordinates), 1) * 1e6;
          attention.push([chunk, prior, decodes, kv, us]);
        }
      }
    }
  }
  const profile: OperatorProfile = {
    format: PROFILE_FORMAT,
    hardware: 'SYN',
    model: 'synthetic/llama',
    dtype: 'bf16',
    tp: 1,
    framework: 'synthetic',
    source: {
      dataset: 'test',
      path: 'none',
      licence: 'none',
      note: 'generated from known constants',
    },
    tokenOperators: [
      { name: 'embedding', scope: 'step', count: 1, ...curve('embedding', tokens) },
      layer('input_layernorm', 2),
      layer('qkv_proj'),
      layer('rotary_emb'),
      layer('o_proj'),
      layer('gate_up_proj'),
      layer('act_fn'),
      layer('down_proj'),
    ],
    sequenceOperators: [
      { name: 'lm_head', ...curve('lm_head', sequences) },
      { name: 'sampler', ...curve('sampler', sequences) },
    ],
    attention,
  };
  if (distortHeldOut === 1) return profile;
  // Held-out rows multiplied: a fit that reads only training rows cannot notice.
  const distort = (table: string, coordinates: number[], value: number) =>
    isHeldOut(sampleKey(profile, table, coordinates)) ? value * distortHeldOut : value;
  return {
    ...profile,
    tokenOperators: profile.tokenOperators.map((operator) => ({
      ...operator,
      timesUs: operator.timesUs.map((t, i) =>
        distort(operator.name, [operator.points[i] as number], t),
      ),
    })),
    attention: attention.map(
      ([a, b, c, d, t]) => [a, b, c, d, distort('attention', [a, b, c, d], t)] as AttentionSample,
    ),
  };
}

function input(profile: OperatorProfile, name = 'SYN', architecture = 'Test (TX1)'): GpuInput {
  return {
    identity: { name, architecture },
    hardware: { ...gpu, name },
    profiles: [
      {
        profile,
        model: LLAMA_3_1_8B,
        file: 'catalog/profiles/SYN/synthetic.json',
        attentionKernel: 'engine',
        fitted: () => true,
      },
    ],
  };
}

const noData = (name: string, architecture: string): GpuInput => ({
  identity: { name, architecture },
  hardware: { ...gpu, name },
  profiles: [],
});

describe('fitAnalytical on measurements generated from known constants', () => {
  const fit = fitAnalytical([input(syntheticProfile()), noData('SYN-2', 'Test (TX1)')]);
  const syn = fit.gpus.find((entry) => entry.hardware === 'SYN');
  if (!syn) throw new Error('no fit');

  it('recovers the GEMM curve', () => {
    const gemm = syn.blocks.gemm.values;
    expect(gemm.computeEfficiency).toBeCloseTo(0.7, 3);
    expect(gemm.memoryEfficiency).toBeCloseTo(0.85, 3);
    expect(gemm.sharpness).toBeCloseTo(2.5, 2);
    expect(gemm.floorUs).toBeCloseTo(4, 2);
    expect(syn.blocks.gemm.rmsLogError).toBeLessThan(1e-3);
    expect(syn.blocks.gemm.sources).toEqual(['catalog/profiles/SYN/synthetic.json']);
  });

  it('recovers each memory-bound kernel kind', () => {
    expect(syn.blocks['streaming.norm'].values.bandwidthEfficiency).toBeCloseTo(1.5, 3);
    expect(syn.blocks['streaming.norm'].values.floorUs).toBeCloseTo(2.5, 2);
    expect(syn.blocks['streaming.rope'].values.bandwidthEfficiency).toBeCloseTo(0.6, 3);
    expect(syn.blocks['streaming.sampler'].values.floorUs).toBeCloseTo(15, 1);
  });

  it('reproduces attention times with the fitted constants', () => {
    expect(syn.blocks.attention.rmsLogError).toBeLessThan(0.02);
    expect(syn.blocks.attention.values.prefillComputeEfficiency).toBeCloseTo(0.45, 1);
    expect(syn.blocks.attention.values.decodeMemoryEfficiency).toBeCloseTo(0.8, 1);
  });

  it('gives what nobody measured the donors’ values, and says so', () => {
    // The synthetic profile has no residual_add and no collectives.
    expect(syn.blocks['streaming.residual_add'].trainingRows).toBe(0);
    expect(syn.blocks.collective.defaulted).toEqual([
      { parameters: ['bandwidthEfficiency', 'callLatencyUs'], rule: 'starting-value', donors: [] },
    ]);
    const other = fit.gpus.find((entry) => entry.hardware === 'SYN-2');
    expect(other?.blocks.gemm.values).toEqual(syn.blocks.gemm.values);
    expect(other?.blocks.gemm.defaulted).toEqual([
      {
        parameters: ['computeEfficiency', 'memoryEfficiency', 'sharpness', 'floorUs'],
        rule: 'same-chip',
        donors: ['SYN'],
      },
    ]);
    expect(fit.fallback.blocks.gemm.defaulted[0]?.rule).toBe('all-fitted');
  });

  it('reads only the training rows', () => {
    const distorted = fitAnalytical([input(syntheticProfile(10))]).gpus[0];
    expect(distorted?.blocks.gemm.values).toEqual(
      fitAnalytical([input(syntheticProfile())]).gpus[0]?.blocks.gemm.values,
    );
  });
});
