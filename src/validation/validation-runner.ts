/**
 * @module The validation suite: selects rows of the shipped scenarios, simulates each, and
 * summarises the errors overall, per category and per GPU. Skipped rows and rows the calibration
 * was fitted to are listed but never scored; rows whose setup fails are listed with the message.
 */

import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { closestNames } from '../catalog/closest-names.js';
import { InvalidConfigError } from '../errors.js';
import { type ErrorSummary, summarizeBy, summarizeErrors } from './error-statistics.js';
import { type LoadedRow, loadScenarios } from './scenario-catalog.js';
import {
  type Comparison,
  type CostModelChoice,
  simulateRow,
  type TimeSeriesComparison,
} from './scenario-runner.js';
import { CATEGORIES, type Category, isSimulated, type SimulatedRow } from './scenario-schema.js';

export const VALIDATION_REPORT_FORMAT = 'llmservingsim-validation/1';

export interface ValidationOptions {
  readonly costModel: CostModelChoice;
  readonly seed: number;
  /** Only rows of these categories (all when empty). */
  readonly categories?: readonly string[];
  /** Only these rows (all when empty). */
  readonly ids?: readonly string[];
  /** Rows to choose from; the shipped scenarios by default. */
  readonly scenarios?: readonly LoadedRow[];
}

/**
 * What became of a row: `scored` counts in the statistics; `calibration` was predicted but is a
 * fitting input; `skipped` cannot be simulated faithfully; `error` failed to deploy or run.
 */
export type RowStatus = 'scored' | 'calibration' | 'skipped' | 'error';

export interface RowReport {
  readonly id: string;
  readonly category: Category;
  readonly source: { readonly code: string; readonly what: string; readonly where: string };
  /** Scenario file name. */
  readonly file: string;
  readonly model: string;
  readonly hardware: string;
  /** GPUs of the instance (tp × pp), when known. */
  readonly gpus: number | undefined;
  readonly engine: string;
  readonly status: RowStatus;
  /** Skip reason or error message. */
  readonly reason?: string;
  readonly notes?: string;
  readonly comparisons: readonly Comparison[];
  readonly warnings: readonly string[];
  readonly timeSeries?: TimeSeriesComparison;
}

export interface ValidationReport {
  readonly format: typeof VALIDATION_REPORT_FORMAT;
  readonly costModel: CostModelChoice;
  readonly seed: number;
  readonly filters: { readonly categories: readonly string[]; readonly ids: readonly string[] };
  readonly counts: Readonly<Record<RowStatus, number>> & { readonly rows: number };
  readonly rows: readonly RowReport[];
  /** Over the comparisons of `scored` rows only. */
  readonly statistics: {
    readonly overall: ErrorSummary;
    /** Every category but trace replays. */
    readonly publishedRows: ErrorSummary;
    readonly byCategory: Readonly<Record<string, ErrorSummary>>;
    readonly byHardware: Readonly<Record<string, ErrorSummary>>;
  };
  /** Wall-clock seconds the suite took (the only non-deterministic field). */
  readonly wallS: number;
}

/** Runs the selected rows. Unknown filter values are an `InvalidConfigError`. */
export function runValidation(options: ValidationOptions): ValidationReport {
  const wallStart = performance.now();
  const scenarios = options.scenarios ?? loadScenarios();
  const categories = [...(options.categories ?? [])];
  const ids = [...(options.ids ?? [])];
  checkFilters(scenarios, categories, ids);
  const selected = scenarios.filter(
    ({ row }) =>
      (categories.length === 0 || categories.includes(row.category)) &&
      (ids.length === 0 || ids.some((id) => id.toLowerCase() === row.id.toLowerCase())),
  );
  const rows = selected.map((loaded) => reportRow(loaded, options));
  const scored = rows
    .filter((row) => row.status === 'scored')
    .flatMap((row) =>
      row.comparisons.map((comparison) => ({
        ...comparison,
        rowId: row.id,
        category: row.category,
        hardware: row.hardware,
      })),
    );
  const count = (status: RowStatus) => rows.filter((row) => row.status === status).length;
  return {
    format: VALIDATION_REPORT_FORMAT,
    costModel: options.costModel,
    seed: options.seed,
    filters: { categories, ids },
    counts: {
      rows: rows.length,
      scored: count('scored'),
      calibration: count('calibration'),
      skipped: count('skipped'),
      error: count('error'),
    },
    rows,
    statistics: {
      overall: summarizeErrors(scored),
      // The published tables apart from the trace replays (the targets are stated so).
      publishedRows: summarizeErrors(scored.filter((c) => c.category !== 'trace-replay')),
      byCategory: summarizeBy(scored, (comparison) => comparison.category),
      byHardware: summarizeBy(scored, (comparison) => comparison.hardware),
    },
    wallS: (performance.now() - wallStart) / 1000,
  };
}

function checkFilters(
  scenarios: readonly LoadedRow[],
  categories: readonly string[],
  ids: readonly string[],
): void {
  for (const category of categories) {
    if (!(CATEGORIES as readonly string[]).includes(category)) {
      throw new InvalidConfigError(
        `unknown --category '${category}'; known: ${CATEGORIES.join(', ')}`,
      );
    }
  }
  const known = scenarios.map(({ row }) => row.id);
  const knownLower = new Set(known.map((id) => id.toLowerCase()));
  for (const id of ids) {
    if (!knownLower.has(id.toLowerCase())) {
      const closest = closestNames(id, known);
      throw new InvalidConfigError(
        `unknown --id '${id}'` +
          (closest.length > 0 ? `; closest known: ${closest.join(', ')}` : ''),
      );
    }
  }
}

function reportRow(loaded: LoadedRow, options: ValidationOptions): RowReport {
  const { row } = loaded;
  const common = {
    id: row.id,
    category: row.category,
    source: { code: loaded.source.code, what: loaded.source.what, where: loaded.source.where },
    file: basename(loaded.file),
    ...(row.notes !== undefined ? { notes: row.notes } : {}),
  };
  if (!isSimulated(row)) {
    const setup = row.setup;
    const tp = typeof setup.tp === 'number' ? setup.tp : undefined;
    const pp = typeof setup.pp === 'number' ? setup.pp : 1;
    return {
      ...common,
      model: String(setup.model ?? '?'),
      hardware: String(setup.hardware ?? '?'),
      gpus: tp === undefined ? undefined : tp * pp,
      engine: String(setup.engine ?? '?'),
      status: 'skipped',
      reason: row.skip,
      comparisons: [],
      warnings: [],
    };
  }
  const simulated = { ...loaded, row } as LoadedRow & { readonly row: SimulatedRow };
  const outcome = simulateRow(simulated, options);
  const setupFields = {
    model: row.setup.model,
    hardware: row.setup.hardware,
    gpus: row.setup.tp * row.setup.pp,
    engine: row.setup.engine,
  };
  if (outcome.kind === 'error') {
    return {
      ...common,
      ...setupFields,
      status: 'error',
      reason: outcome.message,
      comparisons: [],
      warnings: [],
    };
  }
  return {
    ...common,
    ...setupFields,
    status: row.usedForCalibration ? 'calibration' : 'scored',
    comparisons: outcome.comparisons,
    warnings: outcome.warnings,
    ...(outcome.timeSeries !== undefined ? { timeSeries: outcome.timeSeries } : {}),
  };
}
