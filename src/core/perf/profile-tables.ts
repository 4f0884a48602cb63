/**
 * @module The interpolators of one operator profile, built once from its samples: a curve per token
 * and sequence operator, the attention table and the MoE grid. Built from every sample for
 * simulation, or from the training split only (samples `isHeldOut` leaves out) so that the held-out
 * fifth can measure interpolation error.
 */

import { AttentionTable } from './attention-table.js';
import { type InterpolationScale, TimingCurveInterpolator } from './interpolation.js';
import { NestedGrid } from './nested-grid.js';
import {
  isHeldOut,
  type OperatorProfile,
  type SequenceOperatorTiming,
  sampleKey,
  type TimingCurve,
  type TokenOperatorTiming,
} from './operator-profile.js';

/** Which samples the interpolators see: all of them, or the 80% training split. */
export type ProfileSplit = 'all' | 'train';

/**
 * Tree order of the MoE grid over (tokens, activated experts), outermost first: experts outside,
 * so that a token count below a group's smallest measured count clamps at the same number of
 * experts (whose weights dominate the time at small batches). Held-out median error on
 * profiles-vllm019 RTXPRO6000 Qwen3-30B-A3B-Instruct-2507 tp1 moe.csv (13 held-out rows):
 * experts outside 1.39%, tokens outside 5.10% (LLMServingSim @ 5daddb2, shipped in a0ae577).
 */
export const DEFAULT_MOE_AXIS_ORDER: readonly number[] = [1, 0];

/**
 * Blend rule of the 1-D curves and the MoE grid. On the vllm019 token and sequence curves
 * (steps of 16 tokens) linear and log-log agree within 0.2 points of held-out median error; on
 * the MoE grid linear is better (1.39% vs 2.62%), as on attention, so one rule serves all.
 */
export const DEFAULT_CURVE_SCALE: InterpolationScale = 'linear';

export interface ProfileTableOptions {
  readonly split?: ProfileSplit;
  /** Blend rule of the curves and the MoE grid. */
  readonly scale?: InterpolationScale;
  /** Blend rule of the attention table, overall or per coordinate. */
  readonly attentionScale?: InterpolationScale | readonly InterpolationScale[];
  readonly mixedAttentionAxisOrder?: readonly number[];
  readonly moeAxisOrder?: readonly number[];
}

export interface TokenOperatorCurve {
  readonly timing: TokenOperatorTiming;
  readonly curve: TimingCurveInterpolator;
}

export interface SequenceOperatorCurve {
  readonly timing: SequenceOperatorTiming;
  readonly curve: TimingCurveInterpolator;
}

/** Interpolators of one profile; a part is absent when the profile (or its split) has no samples. */
export interface ProfileTables {
  readonly tokenOperators: readonly TokenOperatorCurve[];
  readonly sequenceOperators: readonly SequenceOperatorCurve[];
  readonly attention: AttentionTable | undefined;
  /** Over (tokens, activated experts). */
  readonly moe: NestedGrid | undefined;
}

/** Builds the interpolators of `profile`; see the module comment. */
export function buildProfileTables(
  profile: OperatorProfile,
  options: ProfileTableOptions = {},
): ProfileTables {
  const split = options.split ?? 'all';
  const scale = options.scale ?? DEFAULT_CURVE_SCALE;
  const keep = (table: string, coordinates: readonly number[]): boolean =>
    split === 'all' || !isHeldOut(sampleKey(profile, table, coordinates));

  const curveOf = (table: string, timing: TimingCurve): TimingCurveInterpolator | undefined => {
    const points: number[] = [];
    const times: number[] = [];
    timing.points.forEach((point, index) => {
      if (!keep(table, [point])) return;
      points.push(point);
      times.push(timing.timesUs[index] as number);
    });
    return points.length > 0 ? new TimingCurveInterpolator(points, times, scale) : undefined;
  };

  const tokenOperators: TokenOperatorCurve[] = [];
  for (const timing of profile.tokenOperators) {
    const curve = curveOf(timing.name, timing);
    if (curve) tokenOperators.push({ timing, curve });
  }
  const sequenceOperators: SequenceOperatorCurve[] = [];
  for (const timing of profile.sequenceOperators) {
    const curve = curveOf(timing.name, timing);
    if (curve) sequenceOperators.push({ timing, curve });
  }

  const attentionSamples = (profile.attention ?? []).filter((sample) =>
    keep('attention', sample.slice(0, 4)),
  );
  const attention =
    attentionSamples.length > 0
      ? new AttentionTable(attentionSamples, {
          ...(options.attentionScale ? { scale: options.attentionScale } : {}),
          ...(options.mixedAttentionAxisOrder
            ? { mixedAxisOrder: options.mixedAttentionAxisOrder }
            : {}),
        })
      : undefined;

  const moeSamples = (profile.moe ?? [])
    .filter((sample) => keep('moe', sample.slice(0, 2)))
    .map(([tokens, experts, timeUs]) => ({ coordinates: [tokens, experts], timeUs }));
  const moe =
    moeSamples.length > 0
      ? new NestedGrid(moeSamples, {
          scale,
          axisOrder: options.moeAxisOrder ?? DEFAULT_MOE_AXIS_ORDER,
        })
      : undefined;

  return { tokenOperators, sequenceOperators, attention, moe };
}
