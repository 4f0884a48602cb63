/**
 * @module Tests of the SVG scatter plot: log–log placement over whole decades, the y = x line and
 * the ±25% band, colours and hollow calibration points, escaped tooltips, and write errors.
 */

import { describe, expect, it } from 'vitest';
import { thrown } from '../../test/support/thrown.js';
import { FileAccessError } from '../errors.js';
import { renderScatterSvg, type ScatterPoint, writeScatterSvg } from './svg-scatter.js';
import type { ValidationReport } from './validation-runner.js';

const points: ScatterPoint[] = [
  { label: 'A <1> & "x"', category: 'max-throughput', measured: 10, predicted: 10, hollow: false },
  { label: 'B', category: 'batch-1', measured: 100, predicted: 1000, hollow: true },
];

function circles(svg: string): { cx: number; cy: number; fill: string; stroke: string }[] {
  return [
    ...svg.matchAll(
      /<circle cx="([\d.]+)" cy="([\d.]+)" r="4" (fill="[^"]*")[^>]*stroke="([^"]*)">/g,
    ),
  ].map((match) => ({
    cx: Number(match[1]),
    cy: Number(match[2]),
    fill: match[3] ?? '',
    stroke: match[4] ?? '',
  }));
}

describe('renderScatterSvg', () => {
  const svg = renderScatterSvg(points, 'Title & more');

  it('is one self-contained svg element', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).not.toMatch(/href=|<script|<image/);
    expect(svg).toContain('<title>Title &amp; more</title>');
  });

  it('places points on log axes spanning whole decades (10 .. 1000 here)', () => {
    // Plot area: x 70..620, y 40..580; two decades.
    const [first, second] = circles(svg);
    expect(first?.cx).toBeCloseTo(70, 2);
    expect(first?.cy).toBeCloseTo(580, 2);
    expect(second?.cx).toBeCloseTo(345, 2);
    expect(second?.cy).toBeCloseTo(40, 2);
  });

  it('colours by category and draws calibration inputs hollow', () => {
    const [first, second] = circles(svg);
    expect(first?.fill).toBe('fill="#d95f02"');
    expect(second?.fill).toBe('fill="none"');
    expect(second?.stroke).toBe('#e7298a');
  });

  it('draws y = x corner to corner and the band at ±25%', () => {
    expect(svg).toContain('<line x1="70.00" y1="580.00" x2="620.00" y2="40.00"');
    const band = /<polygon points="([^"]+)"/.exec(svg)?.[1]?.split(' ') ?? [];
    const lowerLeft = band[0]?.split(',').map(Number) ?? [];
    // y of 0.75 × 10 on the 10..1000 axis: 580 − log10(0.75) / 2 × 540 below the corner.
    expect(lowerLeft[0]).toBeCloseTo(70, 2);
    expect(lowerLeft[1]).toBeCloseTo(580 - (Math.log10(0.75) / 2) * 540, 1);
  });

  it('escapes tooltips', () => {
    expect(svg).toContain('<title>A &lt;1&gt; &amp; &quot;x&quot;</title>');
  });

  it('draws an empty frame without points', () => {
    const empty = renderScatterSvg([], 'none');
    expect(circles(empty)).toHaveLength(0);
    expect(empty).toContain('<polygon');
  });
});

describe('writeScatterSvg', () => {
  it('reports an unwritable path as a file error', () => {
    const report = { rows: [], costModel: 'analytical' } as unknown as ValidationReport;
    const error = thrown(() => writeScatterSvg('/nonexistent-directory/plot.svg', report));
    expect(error).toBeInstanceOf(FileAccessError);
    expect(error.message).toMatch(/^\/nonexistent-directory\/plot\.svg: cannot write the SVG/);
  });
});
