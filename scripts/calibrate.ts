/**
 * @module `npm run calibrate`: fits the analytical cost model per GPU to the shipped operator
 * profiles, writes src/catalog/calibration/analytical-fit.json and prints the held-out error
 * tables (docs/CALIBRATION.md); then fits the per-step and engine overheads on top of it
 * (scripts/calibrate-overheads.ts). `--check` writes nothing and exits 1 when the file would change.
 */

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ProfileHeldOut, profileModelHeldOut } from '../src/calibration/profile-held-out.js';
import { FIT_FILE_PATH, formatRun, runCalibration } from '../src/calibration/run-calibration.js';

const check = process.argv.includes('--check');
const started = performance.now();
const run = runCalibration();
process.stdout.write(`${formatRun(run)}\n\n`);
process.stdout.write(`${formatProfileHeldOut(profileModelHeldOut())}\n\n`);
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

// Second stage in a fresh process, so that it loads the analytical fit just written: the per-step
// overhead (P-077) and the engine overheads (P-063) are fitted on top of it.
const secondStage = spawnSync(
  process.execPath,
  [
    ...process.execArgv,
    fileURLToPath(new URL('./calibrate-overheads.ts', import.meta.url)),
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
if (secondStage.status !== 0) process.exitCode = secondStage.status ?? 1;

/** The profile model's held-out table: pooled, by table, by profile (median mean p90 %, rows). */
function formatProfileHeldOut(result: ProfileHeldOut): string {
  const line = (
    name: string,
    stats: {
      medianAbsPercent: number;
      meanAbsPercent: number;
      p90AbsPercent: number;
      count: number;
    },
  ) =>
    `${name.padEnd(58)}${[stats.medianAbsPercent, stats.meanAbsPercent, stats.p90AbsPercent].map((v) => v.toFixed(1).padStart(7)).join('')}${String(stats.count).padStart(8)}`;
  return [
    'Held-out operator error of the profile-backed model (interpolating the 80% training rows)',
    `${''.padEnd(58)}${['median', 'mean', 'p90'].map((v) => v.padStart(7)).join('')}    rows`,
    line('all profiles, all rows', result.pooled),
    ...[...result.pooledByTable]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([table, stats]) => line(`  table ${table}`, stats)),
    ...[...result.byProfile].map(([name, stats]) => line(`  ${name}`, stats)),
  ].join('\n');
}
