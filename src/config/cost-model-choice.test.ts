import { describe, expect, it } from 'vitest';
import { loadCalibration } from '../catalog/calibration-catalog.js';
import { resolveHardware } from '../catalog/hardware-catalog.js';
import { resolveModel } from '../catalog/model-catalog.js';
import type { PrecisionConfig } from '../core/perf/precision.js';
import { InvalidConfigError } from '../errors.js';
import { type CostModelRequest, chooseCostModel } from './cost-model-choice.js';

const BF16: PrecisionConfig = {
  weightDtype: 'bf16',
  activationDtype: 'bf16',
  kvCacheDtype: 'bf16',
};

function choose(
  requested: CostModelRequest,
  modelName: string,
  hardwareName: string,
  tp = 1,
  precision = BF16,
) {
  return chooseCostModel({
    requested,
    model: resolveModel(modelName),
    hardwareSpec: resolveHardware(hardwareName).spec,
    parallel: { tp, pp: 1 },
    precision,
    calibration: loadCalibration().analytical,
  });
}

const DECODE_STEP = {
  prefillTokens: 0,
  prefillSequences: 0,
  prefillAttentionPairs: 0,
  prefillKvTokens: 0,
  decodeSequences: 32,
  decodeKvTokens: 32 * 600,
  sampledSequences: 32,
};

describe('chooseCostModel', () => {
  it('picks the measured profile automatically, for a fine-tune sharing the base config', () => {
    const choice = choose('auto', 'meta-llama/Llama-3.1-8B-Instruct', 'RTXPRO6000');
    expect(choice.kind).toBe('profile');
    expect(choice.costModel.kind).toBe('profile');
    expect(choice.profile?.model).toBe('meta-llama/Llama-3.1-8B');
    expect(choice.description).toMatch(/^profile RTXPRO6000 meta-llama\/Llama-3\.1-8B tp1 bf16/);
    expect(choice.costModel.predict(DECODE_STEP, { tp: 1, pp: 1 }).seconds).toBeGreaterThan(0);
  });

  it('under auto, uses only profiles timed inside a serving engine', () => {
    // H100 has a Hugging Face eager-code profile of Llama-3.1-8B: it calibrates the analytical
    // model, and stands in for the engine only on request.
    const auto = choose('auto', 'meta-llama/Llama-3.1-8B', 'H100');
    expect(auto.kind).toBe('analytical');
    expect(auto.description).toMatch(/Hugging Face transformers.*--cost-model profile/);
    const requested = choose('profile', 'meta-llama/Llama-3.1-8B', 'H100');
    expect(requested.kind).toBe('profile');
    // A bf16 request is served by this fp16 profile (same tensor-core rate).
    expect(requested.profile?.dtype).toBe('fp16');
  });

  it('names the measured collectives it prices all-reduce with at tp > 1', () => {
    expect(choose('profile', 'meta-llama/Llama-3.1-8B', 'H100', 2).description).toMatch(
      /all-reduce from measured dgx-nvswitch collectives/,
    );
    expect(choose('auto', 'meta-llama/Llama-3.1-8B', 'RTXPRO6000', 2).description).toMatch(
      /all-reduce from the link model/,
    );
  });

  it('falls back to the analytical model and says why', () => {
    expect(choose('auto', 'meta-llama/Llama-3.1-8B', 'B200').description).toBe(
      'analytical (calibrated; no profile for B200 × meta-llama/Llama-3.1-8B × TP1)',
    );
    const fp8 = choose('auto', 'meta-llama/Llama-3.1-8B', 'RTXPRO6000', 1, {
      ...BF16,
      weightDtype: 'fp8',
    });
    expect(fp8.kind).toBe('analytical');
    expect(fp8.description).toMatch(/no fp8 profiles/);
    expect(choose('analytical', 'meta-llama/Llama-3.1-8B', 'RTXPRO6000').description).toBe(
      'analytical (requested)',
    );
  });

  it('refuses --cost-model profile without a profile, in one line', () => {
    expect(() => choose('profile', 'meta-llama/Llama-3.1-8B', 'B200')).toThrow(InvalidConfigError);
    expect(() => choose('profile', 'meta-llama/Llama-3.1-8B', 'B200')).toThrow(/profile list/);
  });

  it('differs from the analytical prediction for the same step (it is a different model)', () => {
    const profile = choose('profile', 'meta-llama/Llama-3.1-8B', 'RTXPRO6000').costModel;
    const analytical = choose('analytical', 'meta-llama/Llama-3.1-8B', 'RTXPRO6000').costModel;
    const parallel = { tp: 1, pp: 1 };
    expect(profile.predict(DECODE_STEP, parallel).seconds).not.toBe(
      analytical.predict(DECODE_STEP, parallel).seconds,
    );
  });
});
