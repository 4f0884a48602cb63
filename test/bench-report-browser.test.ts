/**
 * @module The benchmark's HTML page (`bench --compare-sim --save-result FILE.html`) in a real
 * browser: every chart draws, each latency CDF carries both the measured and the simulated curve,
 * nothing but the file is loaded and nothing is logged as an error. Skips without chromium.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveServer } from '../src/server/live-server.js';
import { chartStates, hasChromium, launchChromium, watchPage } from './support/chromium.js';
import { startTestServer } from './support/live-server.js';
import { runCapturedCli } from './support/run-cli.js';

const HAS_CHROMIUM = hasChromium('bench report browser test');
const REQUESTS = 30;

describe.skipIf(!HAS_CHROMIUM)('bench report page in chromium', () => {
  const directory = mkdtempSync(join(tmpdir(), 'llmsim-bench-report-'));
  const reportPath = join(directory, 'bench.html');
  let watched: ReturnType<typeof watchPage>;
  let server: LiveServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startTestServer({ timeScale: 5, engine: { maxModelLen: 4096 } });
    const run = await runCapturedCli([
      'bench',
      '--base-url',
      server.url,
      '--num-prompts',
      String(REQUESTS),
      '--request-rate',
      '30',
      '--input-len',
      'uniform:64:256',
      '--output-len',
      'uniform:8:32',
      '--compare-sim',
      '--save-result',
      reportPath,
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    watched = watchPage(page);
    await page.goto(pathToFileURL(reportPath).href);
    await page.waitForSelector('html[data-report-ready]', { timeout: 5_000 });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('writes a page holding the measured and the simulated statistics', () => {
    const html = readFileSync(reportPath, 'utf8');
    expect(html).toContain('Benchmark run');
    expect(html).toContain('Latency, measured by the client');
    expect(html).toContain('Latency, simulated');
    expect(html).toContain('Simulated deployment (--compare-sim)');
  });

  it('draws both curves on every CDF and the throughput over time', async () => {
    const states = await chartStates(page);
    expect(states.map((state) => state.id)).toEqual([
      'chart-cdf-0',
      'chart-cdf-1',
      'chart-cdf-2',
      'chart-cdf-3',
      'chart-throughput',
      'chart-requests',
    ]);
    for (const state of states) {
      expect(state.points, state.id).toBeGreaterThan(0);
      // The run lasts about a second, so the time charts hold two points: only the CDFs are long.
      if (state.id.startsWith('chart-cdf')) expect(state.linePixels, state.id).toBeGreaterThan(40);
    }
    // TTFT: one value per request on each of the two curves.
    expect(states[0]?.points).toBe(2 * REQUESTS);
    const legends = await page.$$eval('#chart-cdf-0 .u-legend .u-label', (labels) =>
      labels.map((label) => label.textContent),
    );
    expect(legends).toEqual(expect.arrayContaining(['measured', 'simulated']));
  });

  it('loads nothing but the file and logs no error', async () => {
    if (process.env.BENCH_REPORT_SCREENSHOT !== undefined) {
      await page.screenshot({ path: process.env.BENCH_REPORT_SCREENSHOT, fullPage: true });
    }
    expect(watched.requestedUrls).toEqual([pathToFileURL(reportPath).href]);
    expect(watched.problems).toEqual([]);
  });
});
