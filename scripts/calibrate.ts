/**
 * @module `npm run calibrate`: fits the analytical cost model per GPU to the shipped operator
 * profiles, writes src/catalog/calibration/analytical-fit.json and prints the held-out error
 * tables (docs/CALIBRATION.md). `--check` writes nothing and exits 1 when the file would change.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { FIT_FILE_PATH, formatRun, runCalibration } from '../src/calibration/run-calibration.js';

const check = process.argv.includes('--check');
const started = performance.now();
const run = runCalibration();
process.stdout.write(`${formatRun(run)}\n\n`);
let current = '';
try {
  current = readFileSync(FIT_FILE_PATH, 'utf8');
} catch {
  // No file yet: it is written below (or reported as changed under --check).
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
if (current === run.fileText) {
  process.stdout.write(`${FIT_FILE_PATH} is up to date (${seconds} s)\n`);
} else if (check) {
  process.stderr.write(
    `${FIT_FILE_PATH} differs from what the fitter produces; run npm run calibrate\n`,
  );
  process.exitCode = 1;
} else {
  writeFileSync(FIT_FILE_PATH, run.fileText);
  process.stdout.write(`wrote ${FIT_FILE_PATH} (${seconds} s)\n`);
}
