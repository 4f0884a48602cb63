/**
 * @module A run report: one self-contained HTML page (uPlot, its style sheet and the data inlined;
 * no network, no eval) describing a simulation or a benchmark run. Callers build a `RunReport` and
 * call `renderRunReport(report)`; the page holds
 * - a summary: `summary` sections of figures (label, value, unit) and `statistics` tables (for
 *   latencies: mean and percentiles in ms; derived from `latencies` when not given);
 * - latency CDFs, one chart per `LatencyDistribution` (values in seconds, drawn in ms, with a log
 *   x-axis switch), thinned to ≤ `maxCdfPoints` points with exact min and max (`empiricalCdf`);
 * - time series from `timeSeries` (per-second `TimeSeriesPoint`s; every field optional): throughput
 *   (prompt and generation tokens/s, requests/s), running and waiting requests, KV-cache use; a
 *   chart appears only when one of its fields is present, and series longer than
 *   `maxTimeSeriesPoints` are averaged over runs of consecutive rows (`thinTimeSeries`);
 * - the run's configuration as key/value tables.
 * Every string from the caller (titles, labels, keys, values) is escaped: a model path such as
 * `</script><img onerror=…>` stays text. `simulation-report.ts` builds a report from a `simulate`
 * run; `bench --save-result` builds its own `RunReport` with `kind: 'benchmark'`.
 */

import { summarize } from '../core/metrics/percentiles.js';
import { DEFAULT_CDF_POINTS, empiricalCdf } from './empirical-cdf.js';
import { escapeHtml, inlineScriptText, jsonForScript } from './html-text.js';
import { RUN_REPORT_SCRIPT } from './run-report-script.js';
import {
  DEFAULT_TIME_SERIES_POINTS,
  TIME_SERIES_FIELDS,
  type TimeSeriesField,
  type TimeSeriesPoint,
  thinTimeSeries,
} from './time-series-bins.js';
import { uplotAssets } from './uplot-assets.js';

export type { TimeSeriesPoint } from './time-series-bins.js';

/** Which kind of run the page describes (shown under the title). */
export type RunReportKind = 'simulation' | 'benchmark';

/** A value shown in a table; `null`, NaN and infinities show as a dash. */
export type ReportValue = string | number | boolean | null;

/** One table of the configuration section. */
export interface ConfigurationSection {
  readonly title: string;
  readonly entries: readonly { readonly key: string; readonly value: ReportValue }[];
}

/** One figure of the summary. */
export interface SummaryFigure {
  readonly label: string;
  readonly value: ReportValue;
  readonly unit?: string;
  /** Digits after the decimal point; by default integers show whole and others by magnitude. */
  readonly digits?: number;
}

/** A titled group of summary figures (one small table). */
export interface SummarySection {
  readonly title: string;
  readonly figures: readonly SummaryFigure[];
}

/** A table of statistics, e.g. latency rows × (mean, p50, p90, p95, p99) columns. */
export interface StatisticsTable {
  readonly title: string;
  /** Unit of every value, shown in the header (e.g. 'ms'). */
  readonly unit: string;
  readonly columns: readonly string[];
  /** `values[i]` belongs to `columns[i]`. */
  readonly rows: readonly { readonly label: string; readonly values: readonly (number | null)[] }[];
  /** Digits after the decimal point (default 2). */
  readonly digits?: number;
}

/** Per-request latencies of one metric, in seconds (NaN entries are left out). */
export interface LatencyDistribution {
  /** Short name: 'TTFT', 'TPOT', 'ITL', 'E2E', … */
  readonly name: string;
  readonly valuesS: ArrayLike<number>;
  /** Legend of `valuesS` when a second curve is drawn (default 'share of requests ≤'). */
  readonly label?: string;
  /** A second curve on the same chart, dashed (e.g. the simulator's prediction of a benchmark). */
  readonly comparison?: { readonly label: string; readonly valuesS: ArrayLike<number> };
}

/** Everything a report page shows. */
export interface RunReport {
  readonly title: string;
  readonly kind: RunReportKind;
  /** One line under the title (e.g. the model and hardware). */
  readonly subtitle?: string;
  readonly summary: readonly SummarySection[];
  /** When absent: mean, p50, p90, p95, p99 in ms of each distribution in `latencies`. */
  readonly statistics?: readonly StatisticsTable[];
  readonly latencies: readonly LatencyDistribution[];
  /** Per-second rows in time order (any length; thinned for drawing). */
  readonly timeSeries?: readonly TimeSeriesPoint[];
  readonly configuration: readonly ConfigurationSection[];
  /** Sentences shown at the foot of the page (how figures were measured, …). */
  readonly notes?: readonly string[];
}

export interface RenderRunReportOptions {
  /** Most points per CDF curve (default 512, ≥ 2). */
  readonly maxCdfPoints?: number;
  /** Most points per time-series curve (default 720, ≥ 2). */
  readonly maxTimeSeriesPoints?: number;
}

/** The time-series charts and the fields each draws, in page order. */
const TIME_CHARTS: readonly {
  readonly kind: string;
  readonly title: string;
  readonly fields: readonly TimeSeriesField[];
}[] = [
  {
    kind: 'throughput',
    title: 'Throughput',
    fields: ['promptTokensPerS', 'generationTokensPerS', 'requestsPerS'],
  },
  {
    kind: 'requests',
    title: 'Batch size and queue',
    fields: ['running', 'batchSize', 'waiting'],
  },
  { kind: 'kv', title: 'KV-cache use', fields: ['kvUsage'] },
];

const LATENCY_COLUMNS = ['mean', 'p50', 'p90', 'p95', 'p99'] as const;

/** The report as one HTML document (UTF-8 text). */
export function renderRunReport(report: RunReport, options: RenderRunReportOptions = {}): string {
  const curve = (valuesS: ArrayLike<number>) => {
    const cdf = empiricalCdf(valuesS, options.maxCdfPoints ?? DEFAULT_CDF_POINTS);
    return {
      count: cdf.count,
      ms: cdf.values.map((value) => significant(value * 1000, 6)),
      fractions: cdf.fractions.map((value) => significant(value, 6)),
    };
  };
  const cdfs = report.latencies.map((distribution) => ({
    name: distribution.name,
    ...(distribution.label === undefined ? {} : { label: distribution.label }),
    ...curve(distribution.valuesS),
    ...(distribution.comparison === undefined
      ? {}
      : {
          comparison: {
            label: distribution.comparison.label,
            ...curve(distribution.comparison.valuesS),
          },
        }),
  }));
  const thinned = thinTimeSeries(
    report.timeSeries ?? [],
    options.maxTimeSeriesPoints ?? DEFAULT_TIME_SERIES_POINTS,
  );
  const series: Record<string, (number | null)[]> = {
    timeS: thinned.points.map((point) => significant(point.timeS, 9) ?? 0),
  };
  for (const field of TIME_SERIES_FIELDS) {
    if (!thinned.points.some((point) => point[field] !== undefined)) continue;
    series[field] = thinned.points.map((point) => {
      const value = point[field];
      return value === undefined ? null : significant(value, 6);
    });
  }
  const notes = [...(report.notes ?? [])];
  const largest = Math.max(0, ...cdfs.map((cdf) => cdf.count));
  if (largest > (options.maxCdfPoints ?? DEFAULT_CDF_POINTS)) {
    notes.push(
      `Each CDF is drawn through at most ${options.maxCdfPoints ?? DEFAULT_CDF_POINTS} evenly ` +
        'spaced ranks of its sorted values; the smallest and largest values are exact.',
    );
  }
  if (thinned.rowsPerPoint > 1) {
    notes.push(
      `Time series: each point is the mean of ${thinned.rowsPerPoint} consecutive rows ` +
        `(${report.timeSeries?.length ?? 0} rows in all).`,
    );
  }
  const drawnCdfs = cdfs.flatMap((cdf, index) => (cdf.count > 0 ? [{ cdf, index }] : []));
  const timeCharts =
    thinned.points.length === 0
      ? []
      : TIME_CHARTS.filter((chart) => chart.fields.some((field) => field in series));
  const statistics = report.statistics ?? [derivedStatistics(report.latencies)];
  const { script: uplotScript, css: uplotCss } = uplotAssets();

  const parts: string[] = [
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
    // Enforces what the page promises: nothing is fetched and no string is evaluated as code.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; ` +
      `script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">\n`,
    `<title>${escapeHtml(report.title)}</title>\n`,
    `<style>${uplotCss}\n${PAGE_CSS}</style>\n</head>\n<body>\n`,
    `<header><h1>${escapeHtml(report.title)}</h1>`,
    `<p class="subtitle">${escapeHtml(report.kind === 'simulation' ? 'Simulation run' : 'Benchmark run')}`,
    report.subtitle === undefined ? '' : ` · ${escapeHtml(report.subtitle)}`,
    '</p></header>\n<main>\n',
    '<section id="summary"><h2>Summary</h2>\n<div class="tables">',
    ...report.summary.map(summaryTable),
    '</div>\n',
    ...statistics.filter((table) => table.rows.length > 0).map(statisticsTable),
    '</section>\n',
  ];
  if (drawnCdfs.length > 0) {
    parts.push(
      '<section id="latency"><h2>Latency distributions</h2>\n',
      '<p class="controls"><label><input type="checkbox" id="log-x"> logarithmic latency axis</label>',
      ' <span class="hint">share of requests whose latency is at most x</span></p>\n<div class="charts">',
      ...drawnCdfs.map(
        ({ cdf, index }) =>
          `<figure><figcaption>${escapeHtml(cdf.name)} <span class="hint">${cdf.count} values</span></figcaption>` +
          `<div class="chart" id="chart-cdf-${index}" data-chart="cdf" data-index="${index}"></div></figure>`,
      ),
      '</div></section>\n',
    );
  }
  if (timeCharts.length > 0) {
    parts.push(
      '<section id="time-series"><h2>Over time</h2>\n<div class="charts">',
      ...timeCharts.map(
        (chart) =>
          `<figure><figcaption>${escapeHtml(chart.title)}</figcaption>` +
          `<div class="chart" id="chart-${chart.kind}" data-chart="time" data-kind="${chart.kind}"></div></figure>`,
      ),
      '</div></section>\n',
    );
  }
  parts.push(
    '<section id="configuration"><h2>Configuration</h2>\n<div class="tables">',
    ...report.configuration.map(configurationTable),
    '</div></section>\n</main>\n',
    '<footer>',
    ...notes.map((note) => `<p>${escapeHtml(note)}</p>`),
    '<p>Written by LLMServingSim. Charts need JavaScript; the page loads nothing from the network.</p>',
    '</footer>\n<noscript><p>Enable JavaScript to see the charts.</p></noscript>\n',
    `<script type="application/json" id="report-data">${jsonForScript({ cdfs, series })}</script>\n`,
    `<script>${inlineScriptText(uplotScript)}</script>\n`,
    `<script>${inlineScriptText(RUN_REPORT_SCRIPT)}</script>\n`,
    '</body>\n</html>\n',
  );
  return parts.join('');
}

/** Mean and percentiles (ms) of each distribution, as the summary table when none is given. */
function derivedStatistics(latencies: readonly LatencyDistribution[]): StatisticsTable {
  return {
    title: 'Latency',
    unit: 'ms',
    columns: LATENCY_COLUMNS,
    rows: latencies.map((distribution) => {
      const stats = summarize(Float64Array.from(distribution.valuesS).filter(Number.isFinite));
      return {
        label: distribution.name,
        values: LATENCY_COLUMNS.map((column) => stats[column] * 1000),
      };
    }),
  };
}

function summaryTable(section: SummarySection): string {
  const rows = section.figures.map(
    (figure) =>
      `<tr><th scope="row">${escapeHtml(figure.label)}</th>` +
      `<td class="number">${escapeHtml(formatValue(figure.value, figure.digits))}</td>` +
      `<td class="unit">${escapeHtml(figure.unit ?? '')}</td></tr>`,
  );
  return `<table class="figures"><caption>${escapeHtml(section.title)}</caption><tbody>${rows.join('')}</tbody></table>`;
}

function statisticsTable(table: StatisticsTable): string {
  const header = table.columns.map((column) => `<th scope="col">${escapeHtml(column)}</th>`);
  const rows = table.rows.map(
    (row) =>
      `<tr><th scope="row">${escapeHtml(row.label)}</th>` +
      row.values
        .map(
          (value) => `<td class="number">${escapeHtml(formatValue(value, table.digits ?? 2))}</td>`,
        )
        .join('') +
      '</tr>',
  );
  return (
    `<table class="statistics"><caption>${escapeHtml(table.title)} (${escapeHtml(table.unit)})</caption>` +
    `<thead><tr><th></th>${header.join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>\n`
  );
}

function configurationTable(section: ConfigurationSection): string {
  const rows = section.entries.map(
    (entry) =>
      `<tr><th scope="row">${escapeHtml(entry.key)}</th><td>${escapeHtml(configurationText(entry.value))}</td></tr>`,
  );
  return `<table class="configuration"><caption>${escapeHtml(section.title)}</caption><tbody>${rows.join('')}</tbody></table>`;
}

/** A table cell's text: fixed digits when asked, else whole integers and 2–3 significant decimals. */
export function formatValue(value: ReportValue, digits?: number): string {
  if (value === null) return '—';
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return '—';
  if (digits !== undefined) return value.toFixed(digits);
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/** A configuration value as given (numbers unrounded, as in the run's JSON). */
function configurationText(value: ReportValue): string {
  if (value === null || (typeof value === 'number' && !Number.isFinite(value))) return '—';
  return String(value);
}

/** `value` to `digits` significant digits (keeps the inlined JSON short); null when not finite. */
function significant(value: number, digits: number): number | null {
  return Number.isFinite(value) ? Number(value.toPrecision(digits)) : null;
}

const PAGE_CSS = `
:root { color-scheme: light; --ink: #1f2933; --muted: #61707e; --line: #d9dee3; --band: #f5f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 20px; }
h1 { font-size: 22px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.subtitle, .hint, footer { color: var(--muted); }
.hint { font-size: 12px; }
.tables { display: flex; flex-wrap: wrap; gap: 16px 28px; align-items: flex-start; }
table { border-collapse: collapse; margin: 0 0 12px; }
caption { text-align: left; font-weight: 600; padding: 0 0 4px; }
th, td { padding: 3px 10px 3px 0; border-bottom: 1px solid var(--band); text-align: left; vertical-align: top; }
th[scope="row"] { font-weight: normal; color: var(--muted); }
td.number, table.statistics th[scope="col"] { text-align: right; font-variant-numeric: tabular-nums; }
td.unit { color: var(--muted); }
table.configuration td { overflow-wrap: anywhere; max-width: 460px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 16px 24px; }
figure { margin: 0; min-width: 0; }
figcaption { font-weight: 600; margin-bottom: 4px; }
.chart { width: 100%; min-height: 240px; }
.controls { margin: 0 0 10px; }
footer { margin-top: 28px; padding-bottom: 24px; font-size: 12px; border-top: 1px solid var(--line); }
`;
