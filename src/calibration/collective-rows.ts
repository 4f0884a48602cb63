/**
 * @module The all-reduce samples of a collective profile as rows, on one side of the 80/20 split.
 * `sampleKey` is defined for operator profiles, so collectives hash a key of the same shape:
 * `<hardware>/collective/<topology>/all_reduce/gpus<n>/<bytes>` (docs/CALIBRATION.md).
 */

import { type CollectiveProfile, isHeldOut } from '../core/perf/operator-profile.js';
import type { Split } from './profile-rows.js';

export interface CollectiveRow {
  readonly gpus: number;
  readonly bytes: number;
  readonly measuredUs: number;
}

/** The split key of one all-reduce sample. */
export function collectiveSampleKey(
  profile: CollectiveProfile,
  gpus: number,
  bytes: number,
): string {
  return `${profile.hardware}/collective/${profile.topology}/all_reduce/gpus${gpus}/${bytes}`;
}

/** The all-reduce rows of `profile` on the `split` side. */
export function collectiveRows(profile: CollectiveProfile, split: Split): CollectiveRow[] {
  const rows: CollectiveRow[] = [];
  for (const curve of profile.allReduce) {
    curve.points.forEach((bytes, index) => {
      const heldOut = isHeldOut(collectiveSampleKey(profile, curve.gpus, bytes));
      if (split !== 'all' && heldOut !== (split === 'held-out')) return;
      rows.push({ gpus: curve.gpus, bytes, measuredUs: curve.timesUs[index] as number });
    });
  }
  return rows;
}
