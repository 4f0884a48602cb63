/**
 * @module Picks the step-time model of a deployment: the profile-backed model when a measured
 * profile exists for the GPU × architecture × TP × 16-bit dtype (`auto` or `profile`), else the
 * calibrated analytical model; and says in one line what was chosen and why, for the logs.
 */

import { catalogConfigPath, type ModelEntry } from '../catalog/model-catalog.js';
import { findCollectiveProfile, findProfile, listProfiles } from '../catalog/profile-catalog.js';
import {
  type AnalyticalCalibration,
  AnalyticalCostModel,
} from '../core/perf/analytical-cost-model.js';
import { linkModelOf } from '../core/perf/collective.js';
import type { CostModel, ParallelConfig } from '../core/perf/cost-model.js';
import type { HardwareSpec } from '../core/perf/hardware-spec.js';
import type { OperatorProfile } from '../core/perf/operator-profile.js';
import { bytesPerElement, type PrecisionConfig } from '../core/perf/precision.js';
import { ProfileCostModel } from '../core/perf/profile-cost-model.js';
import { InvalidConfigError } from '../errors.js';

export type CostModelRequest = 'auto' | 'analytical' | 'profile';

/** The chosen model and a one-line account of the choice. */
export interface CostModelChoice {
  readonly costModel: CostModel;
  readonly kind: 'analytical' | 'profile';
  /** E.g. `profile RTXPRO6000 meta-llama/Llama-3.1-8B tp1 bf16 (vLLM 0.19.0 …)`. */
  readonly description: string;
  /** The profile used, when the kind is `profile`. */
  readonly profile?: OperatorProfile;
}

export interface CostModelChoiceInput {
  readonly requested: CostModelRequest;
  readonly model: ModelEntry;
  readonly hardwareSpec: HardwareSpec;
  readonly parallel: ParallelConfig;
  readonly precision: PrecisionConfig;
  readonly calibration: AnalyticalCalibration;
}

/** Chooses and builds the cost model. `profile` without a matching profile is a config error. */
export function chooseCostModel(input: CostModelChoiceInput): CostModelChoice {
  const { model, hardwareSpec, parallel, precision, calibration } = input;
  const analytical = new AnalyticalCostModel({
    model: model.spec,
    hardware: hardwareSpec,
    precision,
    calibration,
  });
  const analyticalChoice = (why: string): CostModelChoice => ({
    costModel: analytical,
    kind: 'analytical',
    description: `analytical (${why})`,
  });
  if (input.requested === 'analytical') return analyticalChoice('requested');

  const found = matchingProfile(input);
  // Under auto only profiles timed inside a serving engine stand in for it; operator profiles of
  // other frameworks (Hugging Face eager code, Vidur's layers) calibrate the analytical model
  // and are used as such only on request.
  const profile =
    found !== undefined && (input.requested === 'profile' || measuredInServingEngine(found))
      ? found
      : undefined;
  if (profile === undefined) {
    const missing =
      precision.weightDtype !== 'bf16' && precision.weightDtype !== 'fp16'
        ? `no ${precision.weightDtype} profiles; profiles are 16-bit`
        : `no profile for ${hardwareSpec.name} × ${model.id} × TP${parallel.tp}`;
    if (input.requested === 'profile') {
      throw new InvalidConfigError(
        `--cost-model profile: ${missing} (see \`llmservingsim profile list\`; ` +
          'use --cost-model auto or analytical)',
      );
    }
    return analyticalChoice(
      found === undefined
        ? `calibrated; ${missing}`
        : `calibrated; the ${found.framework} profile of ${hardwareSpec.name} × TP${parallel.tp} is used with --cost-model profile`,
    );
  }
  const collectives = parallel.tp > 1 ? findCollectiveProfile(hardwareSpec.name) : undefined;
  const costModel = new ProfileCostModel({
    profile,
    model: model.spec,
    fallback: analytical,
    ...(collectives === undefined ? {} : { collectives }),
    link: linkModelOf(hardwareSpec, calibration.collectiveBandwidthEfficiency),
    activationBytes: bytesPerElement(precision.activationDtype),
  });
  const allReduce =
    parallel.tp === 1
      ? ''
      : collectives === undefined
        ? '; all-reduce from the link model'
        : `; all-reduce from measured ${collectives.topology} collectives`;
  return {
    costModel,
    kind: 'profile',
    profile,
    description:
      `profile ${profile.hardware} ${profile.model} tp${profile.tp} ${profile.dtype} ` +
      `(${profile.framework}${allReduce}; the rest analytical)`,
  };
}

/**
 * The shipped profile for this deployment. A profile measured on an architecture serves every
 * catalog model with the same config.json (an Instruct fine-tune runs the base model's kernels),
 * and a 16-bit profile serves both 16-bit dtypes (BF16 and FP16 run at the same tensor-core rate
 * on every GPU in the catalog).
 */
function matchingProfile(input: CostModelChoiceInput): OperatorProfile | undefined {
  const { model, hardwareSpec, parallel, precision } = input;
  if (precision.weightDtype !== 'bf16' && precision.weightDtype !== 'fp16') return undefined;
  const wanted = precision.weightDtype;
  const other = wanted === 'bf16' ? 'fp16' : 'bf16';
  for (const architecture of architecturesOf(model)) {
    for (const dtype of [wanted, other] as const) {
      const profile = findProfile({
        hardware: hardwareSpec.name,
        modelId: architecture,
        tp: parallel.tp,
        dtype,
      });
      if (profile !== undefined) return profile;
    }
  }
  return undefined;
}

/** Whether a profile was timed inside a serving engine (vLLM), not in another framework. */
function measuredInServingEngine(profile: OperatorProfile): boolean {
  return profile.framework.startsWith('vLLM');
}

/** Profiled architecture ids whose catalog entry shares this model's config.json. */
function architecturesOf(model: ModelEntry): string[] {
  const ids = new Set<string>([model.id]);
  for (const entry of listProfiles()) {
    // A profile of an architecture the catalog does not have serves no catalog model.
    if (catalogConfigPath(entry.model) === model.configPath) ids.add(entry.model);
  }
  return [...ids];
}
