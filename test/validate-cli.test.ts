/**
 * @module End-to-end tests of `llmservingsim validate`, in-process through `runCli`: the table of
 * one cheap row, the JSON document (which agrees with `simulate` on the same setup), the SVG
 * file, and one-line errors with exit 2 for bad flags.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_USAGE } from '../src/cli/main.js';
import { runCapturedCli as run } from './support/run-cli.js';

const directory = mkdtempSync(join(tmpdir(), 'llmsim-validate-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

type Json = Record<string, unknown>;

describe('llmservingsim validate', () => {
  it('prints the comparison table of a selected row', async () => {
    const result = await run(['validate', '--cost-model', 'analytical', '--id', 'P-045']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^Validation: 1 rows — 1 scored, .* cost model analytical, seed 0$/);
    expect(result.stdout).toMatch(
      /id\s+category\s+gpu\s+metric\s+unit\s+measured\s+predicted\s+error/,
    );
    expect(result.stdout).toMatch(
      /P-045\s+batch-1\s+1xH100\s+ttft mean\s+ms\s+7\.000\s+[\d.]+\s+[+-]\d+\.\d%/,
    );
    expect(result.stdout).toMatch(/overall\s+1\s+1\s+\d+\.\d%\s+\d+\.\d%/);
    expect(result.stdout).toMatch(/category batch-1\s+1\s+1/);
    expect(result.stdout).toMatch(/gpu H100\s+1\s+1/);
  });

  it('prints one JSON document that agrees with simulate on the same setup', async () => {
    const result = await run(['validate', '--cost-model', 'analytical', '--id', 'P-089', '--json']);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as Json;
    expect(report.format).toBe('llmservingsim-validation/1');
    const [row] = report.rows as Json[];
    expect(row?.id).toBe('P-089');
    expect(row?.status).toBe('scored');
    const [comparison] = (row?.comparisons ?? []) as Json[];
    expect(comparison).toMatchObject({
      metric: 'batchLatency',
      statistic: 'mean',
      unit: 'ms',
      measured: 1579.27,
    });

    // benchmark_latency bs8 32/128 is eight requests at t = 0: the batch latency is the run's duration.
    const simulated = await run([
      'simulate',
      '--model',
      'meta-llama/Llama-3.1-8B',
      '--hardware',
      'A100-80GB',
      '--dtype',
      'bfloat16',
      '--num-requests',
      '8',
      '--input-len',
      '32',
      '--output-len',
      '128',
      '--json',
    ]);
    const summary = JSON.parse(simulated.stdout) as { duration_s: number };
    expect(comparison?.predicted).toBeCloseTo(summary.duration_s * 1000, 6);
  });

  it('keeps the per-tick series of a trace replay in the JSON and writes the SVG', async () => {
    const svg = join(directory, 'plot.svg');
    const result = await run([
      'validate',
      '--cost-model',
      'analytical',
      '--category',
      'trace-replay',
      '--id',
      'vllm-RTXPRO6000-Llama-3.1-8B',
      '--id',
      'P-045',
      '--json',
      '--svg',
      svg,
    ]);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as { rows: Json[] };
    expect(report.rows.map((row) => row.id)).toEqual(['vllm-RTXPRO6000-Llama-3.1-8B']);
    const series = report.rows[0]?.timeSeries as {
      measured: Json;
      predicted: Json;
      errorPercent: Json;
    };
    expect(Object.keys(series.errorPercent)).toEqual([
      'promptTokensPerS',
      'generationTokensPerS',
      'running',
      'waiting',
    ]);
    expect((series.measured.generationTokensPerS as number[]).length).toBe(67);
    const plot = readFileSync(svg, 'utf8');
    expect(plot.startsWith('<svg')).toBe(true);
    expect(plot.match(/<circle /g)?.length).toBe(12 + 4); // 12 comparisons + 4 legend dots
  });

  it('lists skipped rows with their reason', async () => {
    const result = await run(['validate', '--id', 'P-066']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/P-066: multi-step scheduling \(--num-scheduler-steps 10\)/);
    expect(result.stdout).toMatch(/overall\s+0\s+0\s+n\/a\s+n\/a/);
  });

  it.each([
    [
      ['validate', '--category', 'burst'],
      /^llmservingsim: error: unknown --category 'burst'; known: trace-replay, max-throughput, latency-at-load, batch-1$/,
    ],
    [['validate', '--id', 'P-999'], /^llmservingsim: error: unknown --id 'P-999'; closest known: /],
    [
      ['validate', '--cost-model', 'roofline'],
      /^llmservingsim: error: option '--cost-model <kind>' argument 'roofline' is invalid/,
    ],
    [['validate', '--seed', 'x'], /^llmservingsim: /],
    [['validate', '--bogus'], /^llmservingsim: error: unknown option '--bogus'/],
  ])('refuses %j with one line and exit 2', async (argv, message) => {
    const result = await run(argv);
    expect(result.exitCode).toBe(EXIT_USAGE);
    expect(result.stdout).toBe('');
    const errorLines = result.stderr.split('\n').filter((line) => line.length > 0);
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(message);
  });
});
