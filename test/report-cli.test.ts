/**
 * @module End-to-end test of `simulate --output`'s HTML report, run in-process: the page exists,
 * carries the run's numbers as summary.json and requests.csv have them, references nothing on the
 * network, keeps a hostile model path as text, and a report that cannot be written is a one-line
 * FileAccessError. The page's rendering in a browser is test/report-browser.test.ts.
 */

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCapturedCli as run } from './support/run-cli.js';

const LLAMA_CONFIG = fileURLToPath(
  new URL('../src/catalog/models/meta-llama/Llama-3.1-8B.json', import.meta.url),
);
/** A directory name that would end the page's script and add an image if it were not escaped. */
const HOSTILE_SEGMENT = 'script><img src=x onerror=window.pwned=1>';

type Json = Record<string, unknown>;

interface PageData {
  cdfs: { name: string; count: number; ms: (number | null)[]; fractions: number[] }[];
  series: Record<string, (number | null)[]>;
}

function pageData(html: string): PageData {
  const match = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html);
  if (!match) throw new Error('no report-data element');
  return JSON.parse(match[1] as string) as PageData;
}

function withoutWallTime(document: Json): Json {
  const copy = structuredClone(document);
  delete (copy.simulator as Json).wall_s;
  return copy;
}

const temporaryDirectory = mkdtempSync(join(tmpdir(), 'llmsim-report-'));
afterAll(() => rmSync(temporaryDirectory, { recursive: true, force: true }));

describe('simulate --output writes report.html', () => {
  const modelDirectory = join(temporaryDirectory, 'a<', HOSTILE_SEGMENT);
  const modelPath = join(modelDirectory, 'config.json');
  const outputDirectory = join(temporaryDirectory, 'run');
  const reportPath = join(outputDirectory, 'report.html');
  const arguments_ = ['simulate', '--num-requests', '200', '--json', '--model', modelPath];
  let result: CliRun;
  let html: string;
  let summary: Json;

  beforeAll(async () => {
    mkdirSync(modelDirectory, { recursive: true });
    copyFileSync(LLAMA_CONFIG, modelPath);
    result = await run([...arguments_, '--output', outputDirectory]);
    html = existsSync(reportPath) ? readFileSync(reportPath, 'utf8') : '';
    summary = JSON.parse(readFileSync(join(outputDirectory, 'summary.json'), 'utf8')) as Json;
  });

  it('exits 0, names the report on stderr and prints the same summary as without --output', async () => {
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe(`llmservingsim: report written to ${reportPath}\n`);
    const plain = await run(arguments_);
    expect(plain.stderr).toBe('');
    expect(withoutWallTime(JSON.parse(result.stdout) as Json)).toEqual(
      withoutWallTime(JSON.parse(plain.stdout) as Json),
    );
  });

  it('holds the figures of summary.json', () => {
    const requests = summary.requests as Json;
    const ttft = summary.ttft_ms as Json;
    const throughput = summary.throughput as Json;
    expect(requests.completed).toBe(200);
    expect(html).toContain(`completed</th><td class="number">${requests.completed}</td>`);
    expect(html).toMatch(
      new RegExp(
        `TTFT</th><td class="number">[0-9.]+</td><td class="number">${(ttft.p50 as number).toFixed(2)}</td>`,
      ),
    );
    expect(html).toContain(
      `<td class="number">${(throughput.output_tokens_per_s as number).toFixed(1)}</td>`,
    );
  });

  it('draws CDFs from the per-request values of requests.csv, consistent with summary.json', () => {
    const data = pageData(html);
    expect(data.cdfs.map((cdf) => [cdf.name, cdf.count])).toEqual([
      ['TTFT', 200],
      ['TPOT', expect.any(Number)],
      ['E2E', 200],
      ['Queue', 200],
    ]);
    const rows = readFileSync(join(outputDirectory, 'requests.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((row) => row.split(',').map(Number));
    const ttftMs = rows.map((cells) => (cells[5] as number) * 1000).sort((a, b) => a - b);
    const [ttftCdf] = data.cdfs;
    expect(ttftCdf?.ms[0]).toBeCloseTo(ttftMs[0] as number, 3);
    expect(ttftCdf?.ms.at(-1)).toBeCloseTo(ttftMs.at(-1) as number, 3);
    // The median of the drawn CDF is summary.json's p50 (its histogram is within 0.005%).
    const median = ((ttftCdf?.ms[99] as number) + (ttftCdf?.ms[100] as number)) / 2;
    const p50 = (summary.ttft_ms as Json).p50 as number;
    expect(Math.abs(median - p50) / p50).toBeLessThan(1e-4);
  });

  it('has a time series per simulated second as timeseries.csv', () => {
    const rows = readFileSync(join(outputDirectory, 'timeseries.csv'), 'utf8').trim().split('\n');
    const data = pageData(html);
    expect(data.series.timeS).toHaveLength(rows.length - 1);
    const generated = (data.series.generationTokensPerS ?? []).reduce<number>(
      (sum, value) => sum + (value ?? 0),
      0,
    );
    expect(generated).toBe((summary.workload as Json).output_tokens);
    const completed = (data.series.requestsPerS ?? []).reduce<number>(
      (sum, value) => sum + (value ?? 0),
      0,
    );
    expect(completed).toBe(200);
    for (const kind of ['throughput', 'requests', 'kv'])
      expect(html).toContain(`id="chart-${kind}"`);
  });

  it('references nothing on the network and keeps the hostile model path as text', () => {
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?https?:/i);
    expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<(link|iframe|object|embed)\b/i);
    expect(html).not.toContain('<img');
    expect(html).toContain(
      `a&lt;/${HOSTILE_SEGMENT.replaceAll('<', '&lt;').replaceAll('>', '&gt;')}`,
    );
  });
});

describe('simulate --output when report.html cannot be written', () => {
  it('fails with one line naming the file', async () => {
    const directory = join(temporaryDirectory, 'blocked');
    // A directory where the page should go: writing it fails after the other files.
    mkdirSync(join(directory, 'report.html'), { recursive: true });
    const result = await run(['simulate', '--num-requests', '5', '--json', '--output', directory]);
    expect(result.exitCode).not.toBe(0);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^llmservingsim: error: .*report\.html.*cannot write/);
    expect(existsSync(join(directory, 'summary.json'))).toBe(true);
  });
});
