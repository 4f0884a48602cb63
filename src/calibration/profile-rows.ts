/**
 * @module The samples of an operator profile as flat rows (table, coordinates, measured time), on
 * one side of the shared 80/20 split: fits read the training rows, error reports the held-out
 * ones. Tables and coordinates are those of `sampleKey` and of `heldOutErrors`.
 */

import type { BatchShape } from '../core/perf/cost-model.js';
import { isHeldOut, type OperatorProfile, sampleKey } from '../core/perf/operator-profile.js';

/** Which rows of the split. */
export type Split = 'train' | 'held-out' | 'all';

export interface ProfileRow {
  /** Operator name, `attention` or `moe`. */
  readonly table: string;
  /** `[tokens]` / `[sequences]`, `[prefillChunk, kvPrefill, nDecode, kvDecode]` or `[tokens, experts]`. */
  readonly coordinates: readonly number[];
  readonly measuredUs: number;
}

/** The rows of `profile` on the `split` side, in the profile's order. */
export function profileRows(profile: OperatorProfile, split: Split): ProfileRow[] {
  const rows: ProfileRow[] = [];
  const keep = (table: string, coordinates: readonly number[]): boolean =>
    split === 'all' || isHeldOut(sampleKey(profile, table, coordinates)) === (split === 'held-out');
  for (const timing of [...profile.tokenOperators, ...profile.sequenceOperators]) {
    timing.points.forEach((point, index) => {
      const coordinates = [point];
      if (keep(timing.name, coordinates)) {
        rows.push({ table: timing.name, coordinates, measuredUs: timing.timesUs[index] as number });
      }
    });
  }
  for (const sample of profile.attention ?? []) {
    const coordinates = sample.slice(0, 4);
    if (keep('attention', coordinates)) {
      rows.push({ table: 'attention', coordinates, measuredUs: sample[4] });
    }
  }
  for (const sample of profile.moe ?? []) {
    const coordinates = sample.slice(0, 2);
    if (keep('moe', coordinates)) rows.push({ table: 'moe', coordinates, measuredUs: sample[2] });
  }
  return rows;
}

/**
 * The step shape of one attention sample: one prefill sequence of `prefillChunk` tokens after
 * `kvPrefill` cached ones, and `nDecode` decodes with `kvDecode` tokens each before their new one
 * (the profile convention; a `BatchShape` counts the new token in `decodeKvTokens`).
 */
export function attentionSampleBatch(coordinates: readonly number[]): BatchShape {
  const [prefillChunk = 0, kvPrefill = 0, nDecode = 0, kvDecode = 0] = coordinates;
  const prefillSequences = prefillChunk > 0 ? 1 : 0;
  return {
    prefillTokens: prefillChunk,
    prefillSequences,
    prefillAttentionPairs: prefillChunk * (kvPrefill + (prefillChunk + 1) / 2),
    prefillKvTokens: prefillSequences > 0 ? kvPrefill + prefillChunk : 0,
    decodeSequences: nDecode,
    decodeKvTokens: nDecode * (kvDecode + 1),
    sampledSequences: prefillSequences + nDecode,
  };
}
