/**
 * @module A self-contained SVG scatter plot of measured against predicted values: log–log axes
 * over whole decades, one colour per category, the y = x line and a ±25% band. Each point carries
 * a tooltip naming the row and metric. No dependency: the SVG is written as text.
 */

import { writeFileSync } from 'node:fs';
import { FileAccessError } from '../errors.js';
import { CATEGORIES, type Category } from './scenario-schema.js';
import type { ValidationReport } from './validation-runner.js';

/** One point of the plot. */
export interface ScatterPoint {
  readonly label: string;
  readonly category: Category;
  readonly measured: number;
  readonly predicted: number;
  /** Calibration inputs are drawn hollow. */
  readonly hollow: boolean;
}

const CATEGORY_COLOURS: Readonly<Record<Category, string>> = {
  'trace-replay': '#1b9e77',
  'max-throughput': '#d95f02',
  'latency-at-load': '#7570b3',
  'batch-1': '#e7298a',
};

const SIZE = 640;
const MARGIN = { left: 70, right: 20, top: 40, bottom: 60 };
/** Half-width of the shaded band, as a fraction of the measured value. */
const BAND = 0.25;

/** The comparisons of scored and calibration rows as plot points (non-positive values left out). */
export function scatterPoints(report: ValidationReport): ScatterPoint[] {
  return report.rows
    .filter((row) => row.status === 'scored' || row.status === 'calibration')
    .flatMap((row) =>
      row.comparisons.map((comparison) => ({
        label:
          `${row.id} ${comparison.metric} ${comparison.statistic} (${comparison.unit}): ` +
          `measured ${comparison.measured}, predicted ${comparison.predicted}`,
        category: row.category,
        measured: comparison.measured,
        predicted: comparison.predicted,
        hollow: row.status === 'calibration',
      })),
    )
    .filter(
      (point) =>
        point.measured > 0 &&
        point.predicted > 0 &&
        Number.isFinite(point.measured) &&
        Number.isFinite(point.predicted),
    );
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function fixed(value: number): string {
  return value.toFixed(2);
}

/** Renders the plot; an empty point list gives an empty frame over 1..10. */
export function renderScatterSvg(points: readonly ScatterPoint[], title: string): string {
  const values = points.flatMap((point) => [point.measured, point.predicted]);
  const low = Math.floor(Math.log10(values.length > 0 ? Math.min(...values) : 1));
  let high = Math.ceil(Math.log10(values.length > 0 ? Math.max(...values) : 10));
  if (high <= low) high = low + 1;
  const plotWidth = SIZE - MARGIN.left - MARGIN.right;
  const plotHeight = SIZE - MARGIN.top - MARGIN.bottom;
  const x = (value: number) => MARGIN.left + ((Math.log10(value) - low) / (high - low)) * plotWidth;
  const y = (value: number) =>
    MARGIN.top + plotHeight - ((Math.log10(value) - low) / (high - low)) * plotHeight;
  const min = 10 ** low;
  const max = 10 ** high;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" ` +
      `viewBox="0 0 ${SIZE} ${SIZE}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    '<rect width="100%" height="100%" fill="#ffffff"/>',
    `<clipPath id="plot"><rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" ` +
      `height="${plotHeight}"/></clipPath>`,
    `<text x="${SIZE / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
  ];
  for (let exponent = low; exponent <= high; exponent++) {
    const value = 10 ** exponent;
    const label = exponent >= 0 && exponent <= 5 ? String(value) : `1e${exponent}`;
    parts.push(
      `<line x1="${fixed(x(value))}" y1="${MARGIN.top}" x2="${fixed(x(value))}" ` +
        `y2="${MARGIN.top + plotHeight}" stroke="#e0e0e0"/>`,
      `<line x1="${MARGIN.left}" y1="${fixed(y(value))}" x2="${MARGIN.left + plotWidth}" ` +
        `y2="${fixed(y(value))}" stroke="#e0e0e0"/>`,
      `<text x="${fixed(x(value))}" y="${MARGIN.top + plotHeight + 16}" ` +
        `text-anchor="middle">${label}</text>`,
      `<text x="${MARGIN.left - 6}" y="${fixed(y(value) + 4)}" text-anchor="end">${label}</text>`,
    );
  }
  // The band between predicted = (1 − BAND) × measured and (1 + BAND) × measured.
  const band = [
    [min, min * (1 - BAND)],
    [max, max * (1 - BAND)],
    [max, max * (1 + BAND)],
    [min, min * (1 + BAND)],
  ]
    .map(
      ([measured, predicted]) => `${fixed(x(measured as number))},${fixed(y(predicted as number))}`,
    )
    .join(' ');
  parts.push(
    `<polygon points="${band}" fill="#999999" fill-opacity="0.18" clip-path="url(#plot)"/>`,
    `<line x1="${fixed(x(min))}" y1="${fixed(y(min))}" x2="${fixed(x(max))}" y2="${fixed(y(max))}" ` +
      'stroke="#444444" stroke-width="1" clip-path="url(#plot)"/>',
  );
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" ` +
      'fill="none" stroke="#444444"/>',
    `<text x="${MARGIN.left + plotWidth / 2}" y="${SIZE - 18}" text-anchor="middle">` +
      'measured (unit of each metric)</text>',
    `<text transform="translate(18 ${MARGIN.top + plotHeight / 2}) rotate(-90)" ` +
      'text-anchor="middle">predicted</text>',
  );
  for (const point of points) {
    const colour = CATEGORY_COLOURS[point.category];
    const fill = point.hollow ? 'fill="none"' : `fill="${colour}" fill-opacity="0.8"`;
    parts.push(
      `<circle cx="${fixed(x(point.measured))}" cy="${fixed(y(point.predicted))}" r="4" ${fill} ` +
        `stroke="${colour}"><title>${escapeXml(point.label)}</title></circle>`,
    );
  }
  CATEGORIES.forEach((category, index) => {
    const top = MARGIN.top + 12 + index * 16;
    parts.push(
      `<circle cx="${MARGIN.left + 14}" cy="${top}" r="4" fill="${CATEGORY_COLOURS[category]}"/>`,
      `<text x="${MARGIN.left + 24}" y="${top + 4}">${category}</text>`,
    );
  });
  parts.push(
    `<text x="${MARGIN.left + 24}" y="${MARGIN.top + 12 + CATEGORIES.length * 16 + 4}">` +
      `line: y = x; band: ±${BAND * 100}%; hollow: calibration input</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}

/** Writes the report's scatter plot to `path`. */
export function writeScatterSvg(path: string, report: ValidationReport): void {
  const svg = renderScatterSvg(
    scatterPoints(report),
    `LLMServingSim validation: measured vs predicted (cost model ${report.costModel})`,
  );
  try {
    writeFileSync(path, svg);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FileAccessError(path, `cannot write the SVG: ${reason}`, { cause: error });
  }
}
