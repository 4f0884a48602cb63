/**
 * @module The I/O side of `npm run calibrate`: reads the shipped hardware, model and profile
 * catalogs, fits the analytical model per GPU (`fit-analytical.ts`), scores it on the held-out
 * rows, and renders `analytical-fit.json` and the error tables. Only the shipped catalog is read,
 * so a clone of the repository reproduces the file.
 */

import { fileURLToPath } from 'node:url';
import {
  calibrationFromBlocks,
  FIT_FILE_FORMAT,
  type FitFile,
  stableJson,
} from '../catalog/analytical-fit-file.js';
import { loadCalibration } from '../catalog/calibration-catalog.js';
import { listHardware } from '../catalog/hardware-catalog.js';
import { resolveModel } from '../catalog/model-catalog.js';
import {
  findCollectiveProfile,
  listCollectiveProfiles,
  listProfiles,
  loadProfileFile,
} from '../catalog/profile-catalog.js';
import type { AnalyticalCalibration } from '../core/perf/analytical-cost-model.js';
import type { OperatorProfile } from '../core/perf/operator-profile.js';
import {
  BLOCK_NAMES,
  fitAnalytical,
  type GpuFit,
  type GpuInput,
  type ProfileInput,
} from './fit-analytical.js';
import { type ErrorReport, type ErrorStats, errorReport } from './held-out-report.js';

/** Where `npm run calibrate` writes the fit. */
export const FIT_FILE_PATH = fileURLToPath(
  new URL('../catalog/calibration/analytical-fit.json', import.meta.url),
);

export interface CalibrationRun {
  readonly gpus: readonly GpuInput[];
  readonly fits: readonly GpuFit[];
  readonly fallback: GpuFit;
  /** The calibrated model on the held-out rows. */
  readonly after: ErrorReport;
  /** The uniform constants of `calibration/analytical.json` (plain roofline) on the same rows. */
  readonly before: ErrorReport;
  /** Profiles left out, with why (e.g. a model the catalog does not have). */
  readonly skipped: readonly string[];
  /** Contents of `analytical-fit.json`. */
  readonly fileText: string;
}

/** Catalog path of a shipped profile file, as the fit's sources name it. */
function catalogPath(path: string): string {
  const normalized = path.split('\\').join('/');
  const index = normalized.lastIndexOf('/profiles/');
  return index === -1 ? normalized : `catalog${normalized.slice(index)}`;
}

/**
 * How a profile's attention was timed. The LLMServingSim v0 profiles with an attention.csv time
 * FlashAttention's `flash_attn_varlen_func` on its own (their source notes say so), where decodes
 * run in the prefill kernel; every other shipped profile times an attention layer.
 */
export function attentionKernelOf(profile: OperatorProfile): ProfileInput['attentionKernel'] {
  return /flash_attn_varlen_func/.test(profile.source.note) ? 'varlen-kernel' : 'engine';
}

/** Operators Hugging Face transformers' eager modelling code runs as several unfused kernels. */
const HUGGING_FACE_MODULE_OPERATORS = [
  'input_layernorm',
  'post_attention_layernorm',
  'final_layernorm',
  'rotary_emb',
  'act_fn',
];

/**
 * Which rows of a profile the fit may use (all rows are scored on the held-out side). Profiles
 * timed in Hugging Face transformers' eager code (LLMServingSim v0) run RMSNorm as several fp32
 * elementwise kernels, RoPE and SiLU unfused and attention through the module's own path, where
 * vLLM, sarathi-serve (Vidur) and TensorRT-LLM run one fused kernel each; those rows would teach
 * the model costs no serving engine pays. Their attention.csv rows timed FlashAttention-2's varlen
 * kernel alone, which is not what vLLM runs either (FlashAttention-3 on Hopper; a split-KV decode
 * path for decode-only batches), so attention is fitted only from engine measurements. GEMMs
 * (cuBLAS everywhere), embedding and LM head rows are fitted.
 */
export function fittedRowsOf(profile: OperatorProfile): ProfileInput['fitted'] {
  if (!profile.framework.startsWith('Hugging Face transformers')) return () => true;
  return (table) => table !== 'attention' && !HUGGING_FACE_MODULE_OPERATORS.includes(table);
}

/** Every catalog GPU with its shipped profiles and preferred collective profile. */
export function loadCalibrationInputs(): { gpus: GpuInput[]; skipped: string[] } {
  const skipped: string[] = [];
  const byGpu = new Map<string, ProfileInput[]>();
  for (const entry of listProfiles()) {
    let model: ProfileInput['model'];
    try {
      model = resolveModel(entry.model).spec;
    } catch {
      skipped.push(`${catalogPath(entry.path)}: model ${entry.model} is not in the model catalog`);
      continue;
    }
    const list = byGpu.get(entry.hardware) ?? [];
    const profile = loadProfileFile(entry.path);
    list.push({
      profile,
      model,
      file: catalogPath(entry.path),
      attentionKernel: attentionKernelOf(profile),
      fitted: fittedRowsOf(profile),
    });
    byGpu.set(entry.hardware, list);
  }
  const collectivePaths = new Map(
    listCollectiveProfiles().map((entry) => [`${entry.hardware}/${entry.topology}`, entry.path]),
  );
  const gpus: GpuInput[] = [];
  const known = new Set<string>();
  for (const { file, spec } of listHardware()) {
    known.add(file.name);
    const collective = findCollectiveProfile(file.name);
    const collectivePath = collective
      ? collectivePaths.get(`${collective.hardware}/${collective.topology}`)
      : undefined;
    gpus.push({
      identity: { name: file.name, architecture: file.architecture ?? '' },
      hardware: spec,
      profiles: byGpu.get(file.name) ?? [],
      ...(collective && collectivePath
        ? { collective: { profile: collective, file: catalogPath(collectivePath) } }
        : {}),
    });
  }
  for (const hardware of byGpu.keys()) {
    if (!known.has(hardware)) skipped.push(`profiles of ${hardware}: not in the hardware catalog`);
  }
  return { gpus, skipped };
}

/** Fits, scores and renders; writes nothing. */
export function runCalibration(): CalibrationRun {
  const { gpus, skipped } = loadCalibrationInputs();
  const { gpus: fits, fallback } = fitAnalytical(gpus);
  const byName = new Map(fits.map((fit) => [fit.hardware, fit]));
  const calibrationOf = (hardware: string): AnalyticalCalibration => {
    const fit = byName.get(hardware);
    if (!fit) throw new Error(`no fit for ${hardware}`);
    return calibrationFromBlocks((block) => {
      const values = fit.blocks[block as (typeof BLOCK_NAMES)[number]]?.values;
      if (!values) throw new Error(`fit of ${hardware} has no block ${block}`);
      return values;
    }, 0);
  };
  const uniform = loadCalibration().analytical;
  const plain: AnalyticalCalibration = {
    computeEfficiency: uniform.computeEfficiency,
    memoryEfficiency: uniform.memoryEfficiency,
    collectiveBandwidthEfficiency: uniform.collectiveBandwidthEfficiency,
    stepOverheadS: 0,
  };
  const after = errorReport(gpus, calibrationOf);
  const before = errorReport(gpus, () => plain);
  const file = fitFileOf(fits, fallback, after);
  return { gpus, fits, fallback, after, before, skipped, fileText: stableJson(file) };
}

function nullableStats(stats: ErrorStats | undefined) {
  if (!stats || stats.count === 0) return null;
  const clean = (value: number) => (Number.isFinite(value) ? value : null);
  return {
    count: stats.count,
    medianAbsPercent: clean(stats.medianAbsPercent),
    meanAbsPercent: clean(stats.meanAbsPercent),
    p90AbsPercent: clean(stats.p90AbsPercent),
    signedMeanPercent: clean(stats.signedMeanPercent),
  };
}

function blocksOf(fit: GpuFit): FitFile['fallback']['blocks'] {
  return Object.fromEntries(
    BLOCK_NAMES.map((block) => {
      const result = fit.blocks[block];
      return [
        block,
        {
          values: { ...result.values },
          sources: [...result.sources],
          trainingRows: result.trainingRows,
          rmsLogError: result.rmsLogError,
          defaulted: result.defaulted.map((entry) => ({
            parameters: [...entry.parameters],
            rule: entry.rule,
            donors: [...entry.donors],
          })),
        },
      ];
    }),
  );
}

function fitFileOf(fits: readonly GpuFit[], fallback: GpuFit, report: ErrorReport): FitFile {
  const gpus: FitFile['gpus'] = {};
  for (const fit of fits) {
    gpus[fit.hardware] = {
      architecture: fit.architecture,
      blocks: blocksOf(fit),
      heldOut: {
        operators: nullableStats(report.byGpu[fit.hardware]),
        allReduce: nullableStats(report.collectives[fit.hardware]),
      },
    };
  }
  const overall = nullableStats(report.overall);
  return {
    format: FIT_FILE_FORMAT,
    description:
      'Per-GPU constants of the analytical cost model, fitted by `npm run calibrate` (scripts/calibrate.ts, src/calibration/) to the training rows of the shipped operator profiles (src/catalog/profiles/; each profile file names its dataset, commit and licence) and collective profiles. Each block lists the files its training rows came from, how many rows and the weighted RMS of ln(predicted/measured); parameters a GPU has no data for are medians of the donor GPUs named under `defaulted`. Do not edit by hand: rerun the script. Equations and tables: docs/CALIBRATION.md.',
    model:
      'GEMM: (tc^n + tm^n)^(1/n) + floor with tc = FLOPs/(peak*computeEfficiency), tm = bytes/(bandwidth*memoryEfficiency), n = sharpness. Memory-bound kernel: floor + bytes/(bandwidth*bandwidthEfficiency). Attention: see efficiency-curve.ts. All-reduce: ring model with link bandwidth*bandwidthEfficiency and hopLatency per hop. Times in µs.',
    split:
      'Fits use only training rows: isHeldOut(sampleKey(profile, table, coordinates)) === false (core/perf/operator-profile.ts); all-reduce rows use the key <hardware>/collective/<topology>/all_reduce/gpus<n>/<bytes>. heldOut figures are absolute percentage errors on the other 20%.',
    gpus,
    fallback: { blocks: blocksOf(fallback) },
    heldOut: {
      overall: overall ?? {
        count: 0,
        medianAbsPercent: null,
        meanAbsPercent: null,
        p90AbsPercent: null,
        signedMeanPercent: null,
      },
      byTable: Object.fromEntries(
        Object.entries(report.byTable).flatMap(([table, stats]) => {
          const value = nullableStats(stats);
          return value ? [[table, value]] : [];
        }),
      ),
    },
  };
}

/** A fixed-width table of error statistics (median / mean / p90 absolute %, rows). */
export function formatErrorTable(
  title: string,
  rows: readonly [string, ErrorStats | undefined, ErrorStats | undefined][],
): string {
  const cell = (stats: ErrorStats | undefined) =>
    stats && stats.count > 0
      ? `${stats.medianAbsPercent.toFixed(1).padStart(6)} ${stats.meanAbsPercent
          .toFixed(1)
          .padStart(6)} ${stats.p90AbsPercent.toFixed(1).padStart(6)}`
      : '     -      -      -';
  const lines = [
    title,
    `${''.padEnd(26)} ${'before (median mean p90 %)'.padEnd(21)}   ${'after (median mean p90 %)'.padEnd(21)}  rows`,
  ];
  for (const [label, before, after] of rows) {
    lines.push(
      `${label.padEnd(26)} ${cell(before)}   ${cell(after)}  ${String(after?.count ?? before?.count ?? 0).padStart(6)}`,
    );
  }
  return lines.join('\n');
}

/** The error tables `npm run calibrate` prints: by table, by GPU, overall, all-reduce. */
export function formatRun(run: CalibrationRun): string {
  const { before, after } = run;
  const tables = Object.keys(after.byTable).sort();
  const gpus = Object.keys(after.byGpu).sort();
  const sections = [
    formatErrorTable(
      'Held-out operator error by table (all GPUs)',
      tables.map((table) => [table, before.byTable[table], after.byTable[table]]),
    ),
    formatErrorTable(
      'Held-out operator error by GPU',
      gpus.map((gpu) => [gpu, before.byGpu[gpu], after.byGpu[gpu]]),
    ),
    formatErrorTable('Held-out operator error overall', [
      ['all rows', before.overall, after.overall],
    ]),
    formatErrorTable(
      'Held-out all-reduce error',
      Object.keys(after.collectives)
        .sort()
        .map((gpu) => [gpu, before.collectives[gpu], after.collectives[gpu]]),
    ),
  ];
  if (Object.keys(after.unanswered).length > 0) {
    sections.push(
      `Not priced on their own (left out): ${Object.entries(after.unanswered)
        .map(([table, count]) => `${table} ${count} rows`)
        .join(', ')}`,
    );
  }
  if (run.skipped.length > 0) sections.push(`Skipped:\n  ${run.skipped.join('\n  ')}`);
  return sections.join('\n\n');
}
