/**
 * @module Second stage of `npm run calibrate`: fits the per-step CPU overhead to P-077 (written to
 * calibration/analytical.json) and then the V0 engine's per-sequence CPU time to P-063 (written to
 * calibration/engine-overheads.json), each on top of what is already fitted. Run after the
 * analytical fit, whose constants both depend on. `--check` writes nothing and exits 1 when a
 * file would change.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { CALIBRATION_PATH, forgetLoadedCalibration } from '../src/catalog/calibration-catalog.js';
import {
  ENGINE_OVERHEADS_PATH,
  forgetLoadedEngineOverheads,
} from '../src/catalog/engine-overhead-catalog.js';
import { fitPerSequenceOverhead } from '../src/validation/engine-overhead-fit.js';
import { loadScenarios } from '../src/validation/scenario-catalog.js';
import { fitStepOverhead, STEP_OVERHEAD_ROW } from '../src/validation/step-overhead-fit.js';

const check = process.argv.includes('--check');
let stale = false;

/** Writes `text` to `path` unless it is already there (or only reports it under --check). */
function update(path: string, text: string): void {
  if (readFileSync(path, 'utf8') === text) {
    process.stdout.write(`${path} is up to date\n`);
    return;
  }
  if (check) {
    process.stderr.write(`${path} differs from what the fit produces; run npm run calibrate\n`);
    stale = true;
    return;
  }
  writeFileSync(path, text);
  process.stdout.write(`wrote ${path}\n`);
}

const scenarios = loadScenarios();
const rowOf = (id: string) => {
  const found = scenarios.find(({ row }) => row.id === id);
  if (found === undefined) throw new Error(`no validation row ${id}`);
  return found;
};

// The overhead adds once per step, so one pass from any starting value lands on the fit.
const step = fitStepOverhead(rowOf(STEP_OVERHEAD_ROW));
const analytical = JSON.parse(readFileSync(CALIBRATION_PATH, 'utf8')) as Record<string, unknown>;
analytical.stepOverheadS = {
  value: step.stepOverheadS,
  source:
    'Batch-1 decode of Llama-3.1-8B BF16 on one H100 with vLLM 0.19.1 has an inter-token latency ' +
    `of ${step.measuredInterceptMs} ms at zero context (intercept of the blog's fit, published ` +
    'row P-077, vLLM blog 2026-04-22, S7); the calibrated analytical model (analytical-fit.json, ' +
    `H100) predicts ${step.gpuInterceptMs.toFixed(3)} ms of GPU work for that step, so the ` +
    `per-step CPU/launch overhead is the rest: ${(step.stepOverheadS * 1000).toFixed(3)} ms. ` +
    'Fitted by `npm run calibrate` (src/validation/step-overhead-fit.ts); P-077 is a calibration ' +
    'input of validate and not scored.',
};
process.stdout.write(
  `step overhead: ${(step.stepOverheadS * 1000).toFixed(3)} ms (P-077 intercept ${step.measuredInterceptMs} ms, GPU ${step.gpuInterceptMs.toFixed(3)} ms)\n`,
);
update(CALIBRATION_PATH, `${JSON.stringify(analytical, null, 2)}\n`);
forgetLoadedCalibration();

const overheads = JSON.parse(readFileSync(ENGINE_OVERHEADS_PATH, 'utf8')) as {
  description: string;
  presets: Record<string, { fittedOn: string[]; perSequenceStepOverheadS: number; source: string }>;
};
// The fit replaces the shipped value in the cost model it tries (see engine-overhead-fit.ts), so
// the value on file does not leak into its own fit.
for (const [presetId, entry] of Object.entries(overheads.presets)) {
  const fit = fitPerSequenceOverhead(presetId, entry.fittedOn.map(rowOf));
  overheads.presets[presetId] = {
    ...entry,
    perSequenceStepOverheadS: fit.perSequenceStepOverheadS,
  };
  process.stdout.write(
    `${presetId}: ${(fit.perSequenceStepOverheadS * 1e6).toFixed(1)} us per sequence per step ` +
      `(${fit.fittedOn.join(', ')}: ${fit.measuredOutputThroughput} tok/s measured, ` +
      `${fit.predictedOutputThroughput.toFixed(1)} predicted)\n`,
  );
}
update(ENGINE_OVERHEADS_PATH, `${JSON.stringify(overheads, null, 2)}\n`);
forgetLoadedEngineOverheads();
if (stale) process.exitCode = 1;
