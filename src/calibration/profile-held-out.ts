/**
 * @module The profile-backed model's operator-level error on the 20% held-out rows of every
 * shipped profile, with its interpolators built from the other 80% only: per profile and pooled
 * over all of them (printed by `npm run calibrate`, quoted in docs/FIDELITY.md).
 */

import { listProfiles, loadProfileFile } from '../catalog/profile-catalog.js';
import {
  type FitErrorStats,
  heldOutErrors,
  profileInterpolationPredictor,
} from '../core/perf/operator-fit-error.js';
import { errorStats } from './held-out-report.js';

export interface ProfileHeldOut {
  /** `hardware model dtype tpN` → overall held-out statistics of that profile. */
  readonly byProfile: ReadonlyMap<string, FitErrorStats>;
  /** Median/mean/p90 absolute % over every held-out row of every profile. */
  readonly pooled: ReturnType<typeof errorStats>;
  /** The same by table (operator, attention, moe). */
  readonly pooledByTable: ReadonlyMap<string, ReturnType<typeof errorStats>>;
}

export function profileModelHeldOut(): ProfileHeldOut {
  const byProfile = new Map<string, FitErrorStats>();
  const pooled: number[] = [];
  const byTable = new Map<string, number[]>();
  for (const entry of listProfiles()) {
    const profile = loadProfileFile(entry.path);
    const predictor = profileInterpolationPredictor(profile, 'train');
    const report = heldOutErrors(profile, predictor, 'held-out', (table, relative) => {
      pooled.push(relative);
      const list = byTable.get(table);
      if (list) list.push(relative);
      else byTable.set(table, [relative]);
    });
    byProfile.set(`${entry.hardware} ${entry.model} ${entry.dtype} tp${entry.tp}`, report.overall);
  }
  return {
    byProfile,
    pooled: errorStats(pooled),
    pooledByTable: new Map([...byTable].map(([table, values]) => [table, errorStats(values)])),
  };
}
