/**
 * @module The validation report as plain-text tables: every comparison with its signed error, the
 * time-series errors of trace replays, failed and skipped rows with their reasons, and the error
 * summaries overall, per category and per GPU.
 */

import type { ErrorSummary } from './error-statistics.js';
import type { RowReport, ValidationReport } from './validation-runner.js';

/** Formats `report` for a terminal. */
export function formatValidationReport(report: ValidationReport): string {
  const out: string[] = [];
  const { counts } = report;
  out.push(
    `Validation: ${counts.rows} rows — ${counts.scored} scored, ${counts.calibration} ` +
      `calibration inputs (not scored), ${counts.error} errors, ${counts.skipped} skipped; ` +
      `cost model ${report.costModel}, seed ${report.seed}`,
    '',
  );

  const compared = report.rows.filter(
    (row) => row.status === 'scored' || row.status === 'calibration',
  );
  if (compared.length > 0) {
    const lines: string[][] = [];
    for (const row of compared) {
      for (const comparison of row.comparisons) {
        lines.push([
          row.status === 'calibration' ? `${row.id}*` : row.id,
          row.category,
          gpuLabel(row),
          `${comparison.metric} ${comparison.statistic}`,
          comparison.unit,
          formatNumber(comparison.measured),
          formatNumber(comparison.predicted),
          formatPercent(comparison.signedErrorPercent),
        ]);
      }
    }
    out.push(
      table(['id', 'category', 'gpu', 'metric', 'unit', 'measured', 'predicted', 'error'], lines, [
        false,
        false,
        false,
        false,
        false,
        true,
        true,
        true,
      ]),
    );
    if (compared.some((row) => row.status === 'calibration')) {
      out.push('* used to fit the calibration: listed, not scored');
    }
    out.push('');
  }

  const traced = compared.filter((row) => row.timeSeries !== undefined);
  if (traced.length > 0) {
    out.push('Time series (mean absolute error per 1 s tick / measured mean):');
    out.push(
      table(
        ['id', 'prompt tok/s', 'generation tok/s', 'running', 'waiting'],
        traced.map((row) => {
          const error = row.timeSeries?.errorPercent;
          return [
            row.id,
            formatPercent(error?.promptTokensPerS, false),
            formatPercent(error?.generationTokensPerS, false),
            formatPercent(error?.running, false),
            formatPercent(error?.waiting, false),
          ];
        }),
        [false, true, true, true, true],
      ),
      '',
    );
  }

  const warned = compared.filter((row) => row.warnings.length > 0);
  if (warned.length > 0) {
    out.push('Warnings:');
    for (const row of warned) out.push(`  ${row.id}: ${row.warnings.join('; ')}`);
    out.push('');
  }

  const failed = report.rows.filter((row) => row.status === 'error');
  if (failed.length > 0) {
    out.push('Errors (not scored):');
    for (const row of failed) out.push(`  ${row.id} (${gpuLabel(row)}): ${row.reason}`);
    out.push('');
  }

  const skipped = report.rows.filter((row) => row.status === 'skipped');
  if (skipped.length > 0) {
    out.push('Skipped (not simulated):');
    for (const row of skipped) out.push(`  ${row.id}: ${row.reason}`);
    out.push('');
  }

  const { statistics } = report;
  const summaryLine = (name: string, summary: ErrorSummary) => [
    name,
    String(summary.rows),
    String(summary.count),
    formatPercent(summary.meanAbsErrorPercent, false),
    formatPercent(summary.medianAbsErrorPercent, false),
  ];
  out.push('Absolute error of scored comparisons:');
  out.push(
    table(
      ['group', 'rows', 'comparisons', 'mean', 'median'],
      [
        summaryLine('overall', statistics.overall),
        summaryLine('published rows', statistics.publishedRows),
        ...Object.entries(statistics.byCategory).map(([name, summary]) =>
          summaryLine(`category ${name}`, summary),
        ),
        ...Object.entries(statistics.byHardware).map(([name, summary]) =>
          summaryLine(`gpu ${name}`, summary),
        ),
      ],
      [false, true, true, true, true],
    ),
  );
  out.push('', `Ran in ${report.wallS.toFixed(2)} s`);
  return `${out.join('\n')}\n`;
}

function gpuLabel(row: RowReport): string {
  return row.gpus === undefined ? row.hardware : `${row.gpus}x${row.hardware}`;
}

/** Four significant digits, thousands separated; very small or large values in exponent form. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 0.01 || magnitude >= 1e9)) {
    return value.toExponential(3);
  }
  const decimals = Math.max(0, 3 - Math.floor(Math.log10(magnitude || 1)));
  return value.toLocaleString('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}

/** `+12.3%`, or without the sign for absolute values; `n/a` when unknown. */
export function formatPercent(value: number | undefined, signed = true): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return `${signed && value >= 0 ? '+' : ''}${value.toFixed(1)}%`;
}

function table(
  header: readonly string[],
  lines: readonly (readonly string[])[],
  rightAligned: readonly boolean[],
): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)),
  );
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        rightAligned[column]
          ? cell.padStart(widths[column] ?? 0)
          : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [render(header), render(widths.map((width) => '-'.repeat(width))), ...lines.map(render)]
    .map((line) => `  ${line}`)
    .join('\n');
}
