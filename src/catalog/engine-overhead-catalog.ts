/**
 * @module Per-sequence CPU time per engine step of the engine presets that pay it serially, read
 * from `calibration/engine-overheads.json` (fitted by `npm run calibrate`, each with its source).
 */

import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { readCatalogFile } from './read-json-file.js';

const OVERHEADS_PATH = fileURLToPath(
  new URL('./calibration/engine-overheads.json', import.meta.url),
);

const overheadsSchema = z.object({
  description: z.string(),
  presets: z.record(
    z.string(),
    z.object({
      perSequenceStepOverheadS: z.number().nonnegative(),
      fittedOn: z.array(z.string()).min(1),
      source: z.string().min(1),
    }),
  ),
});

export type EngineOverheads = z.output<typeof overheadsSchema>;

let overheads: EngineOverheads | undefined;

/** The shipped file. */
export function loadEngineOverheads(): EngineOverheads {
  overheads ??= readCatalogFile(OVERHEADS_PATH, overheadsSchema);
  return overheads;
}

/** Forgets the loaded file, so that a calibration script sees what it has just written. */
export function forgetLoadedEngineOverheads(): void {
  overheads = undefined;
}

/** Seconds of CPU time per scheduled sequence per step for an engine preset (0 when none). */
export function perSequenceStepOverheadS(presetId: string): number {
  return loadEngineOverheads().presets[presetId]?.perSequenceStepOverheadS ?? 0;
}

/** Path of the shipped file, for the calibration script that rewrites it. */
export const ENGINE_OVERHEADS_PATH = OVERHEADS_PATH;
