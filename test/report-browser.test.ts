/**
 * @module The `simulate --output` report in a real browser: Debian's chromium, driven by
 * playwright-core, opens report.html from disk and must draw every chart with coloured data lines,
 * switch the CDFs to a log axis, load nothing but the file itself, and log no console error or
 * security-policy violation; a hostile model path stays text. Skips, saying how to install
 * chromium, when there is none.
 */

import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartStates, hasChromium, launchChromium, watchPage } from './support/chromium.js';
import { runCapturedCli } from './support/run-cli.js';

const HAS_CHROMIUM = hasChromium('report browser test');
const LLAMA_CONFIG = fileURLToPath(
  new URL('../src/catalog/models/meta-llama/Llama-3.1-8B.json', import.meta.url),
);
const HOSTILE_SEGMENT = 'script><img src=x onerror=window.pwned=1>';
const READY_TIMEOUT_MS = 5_000;
/** Fewest strongly coloured pixels that count as a drawn data line (axes and grid are grey). */
const MIN_LINE_PIXELS = 40;

describe.skipIf(!HAS_CHROMIUM)('report.html in chromium', () => {
  const directory = mkdtempSync(join(tmpdir(), 'llmsim-report-browser-'));
  const reportPath = join(directory, 'run', 'report.html');
  let watched: ReturnType<typeof watchPage>;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const modelDirectory = join(directory, 'a<', HOSTILE_SEGMENT);
    mkdirSync(modelDirectory, { recursive: true });
    copyFileSync(LLAMA_CONFIG, join(modelDirectory, 'config.json'));
    const run = await runCapturedCli([
      'simulate',
      '--num-requests',
      '300',
      '--request-rate',
      '40',
      '--model',
      join(modelDirectory, 'config.json'),
      '--output',
      join(directory, 'run'),
    ]);
    expect(run.exitCode).toBe(0);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    watched = watchPage(page);
    await page.goto(pathToFileURL(reportPath).href);
    await page.waitForSelector('html[data-report-ready]', { timeout: READY_TIMEOUT_MS });
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('draws every chart with data', async () => {
    const states = await chartStates(page);
    expect(states.map((state) => state.id)).toEqual([
      'chart-cdf-0',
      'chart-cdf-1',
      'chart-cdf-2',
      'chart-cdf-3',
      'chart-throughput',
      'chart-requests',
      'chart-kv',
    ]);
    for (const state of states) {
      expect(state.points, state.id).toBeGreaterThan(0);
      expect(state.linePixels, state.id).toBeGreaterThan(MIN_LINE_PIXELS);
    }
  });

  it('redraws the CDFs on a log axis', async () => {
    await page.click('#log-x');
    const states = (await chartStates(page)).filter((state) => state.id.startsWith('chart-cdf'));
    for (const state of states) expect(state.linePixels, state.id).toBeGreaterThan(MIN_LINE_PIXELS);
    // Every TTFT is positive, so all 300 stay on a log axis (queue times of 0 would not).
    expect(states[0]?.points).toBe(300);
  });

  it('keeps the hostile model path as text and runs none of it', async () => {
    expect(await page.textContent('h1')).toContain(`a</${HOSTILE_SEGMENT}`);
    expect(await page.$$('img')).toHaveLength(0);
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
  });

  it('loads nothing but the file and logs no error', () => {
    expect(watched.requestedUrls).toEqual([pathToFileURL(reportPath).href]);
    expect(watched.problems).toEqual([]);
  });
});
