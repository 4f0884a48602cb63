/**
 * @module The fitted constants of the analytical cost model and memory model, read from
 * `calibration/analytical.json`, where each value carries the measurement it was derived from.
 */

import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { MemoryReserve } from '../core/kv-cache/kv-capacity.js';
import type { AnalyticalCalibration } from '../core/perf/analytical-cost-model.js';
import { readCatalogFile } from './read-json-file.js';

const CALIBRATION_PATH = fileURLToPath(new URL('./calibration/analytical.json', import.meta.url));

const sourcedNumber = z.object({ value: z.number().nonnegative(), source: z.string().min(1) });

const calibrationSchema = z.object({
  computeEfficiency: sourcedNumber,
  memoryEfficiency: sourcedNumber,
  collectiveBandwidthEfficiency: sourcedNumber,
  stepOverheadS: sourcedNumber,
  nonTorchMemoryGiB: sourcedNumber,
});

export interface Calibration {
  readonly analytical: AnalyticalCalibration;
  readonly memoryReserve: MemoryReserve;
}

let calibration: Calibration | undefined;

/** The shipped calibration. */
export function loadCalibration(): Calibration {
  if (calibration) return calibration;
  const data = readCatalogFile(CALIBRATION_PATH, calibrationSchema);
  calibration = {
    analytical: {
      computeEfficiency: data.computeEfficiency.value,
      memoryEfficiency: data.memoryEfficiency.value,
      collectiveBandwidthEfficiency: data.collectiveBandwidthEfficiency.value,
      stepOverheadS: data.stepOverheadS.value,
    },
    memoryReserve: { nonTorchBytesPerGpu: data.nonTorchMemoryGiB.value * 2 ** 30 },
  };
  return calibration;
}
