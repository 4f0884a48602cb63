/**
 * @module The `simulate --output` report in a real browser: Debian's chromium, driven by
 * playwright-core, opens report.html from disk and must draw every chart with coloured data lines,
 * switch the CDFs to a log axis, load nothing but the file itself, and log no console error or
 * security-policy violation; a hostile model path stays text. Skips, saying how to install
 * chromium, when there is none.
 */

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCapturedCli } from './support/run-cli.js';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
if (!HAS_CHROMIUM) {
  console.warn(
    `report browser test skipped: no chromium at ${CHROMIUM_PATH} ` +
      '(apt-get install chromium, or set CHROMIUM_PATH)',
  );
}

/** Flags for a quiet, sandbox-free headless run. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const LLAMA_CONFIG = fileURLToPath(
  new URL('../src/catalog/models/meta-llama/Llama-3.1-8B.json', import.meta.url),
);
const HOSTILE_SEGMENT = 'script><img src=x onerror=window.pwned=1>';
const READY_TIMEOUT_MS = 5_000;
/** Fewest strongly coloured pixels that count as a drawn data line (axes and grid are grey). */
const MIN_LINE_PIXELS = 40;

interface ChartState {
  readonly id: string;
  readonly points: number;
  readonly linePixels: number;
}

/** Each chart's plotted value count and how many saturated pixels its canvas holds. */
function chartStates(page: Page): Promise<ChartState[]> {
  return page.$$eval('[data-chart]', (elements) =>
    elements.map((element) => {
      const canvas = element.querySelector('canvas');
      let linePixels = 0;
      if (canvas && canvas.width > 0 && canvas.height > 0) {
        const context = canvas.getContext('2d');
        const pixels = context?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
        for (let index = 0; index < pixels.length; index += 4) {
          const red = pixels[index] as number;
          const green = pixels[index + 1] as number;
          const blue = pixels[index + 2] as number;
          const alpha = pixels[index + 3] as number;
          const spread = Math.max(red, green, blue) - Math.min(red, green, blue);
          if (alpha > 128 && spread > 80) linePixels++;
        }
      }
      return {
        id: element.id,
        points: Number(element.getAttribute('data-points') ?? 0),
        linePixels,
      };
    }),
  );
}

describe.skipIf(!HAS_CHROMIUM)('report.html in chromium', () => {
  const directory = mkdtempSync(join(tmpdir(), 'llmsim-report-browser-'));
  const reportPath = join(directory, 'run', 'report.html');
  const problems: string[] = [];
  const requestedUrls: string[] = [];
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
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      // Errors only: the test's own pixel readback draws a performance warning.
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (request) => requestedUrls.push(request.url()));
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
    expect(requestedUrls).toEqual([pathToFileURL(reportPath).href]);
    expect(problems).toEqual([]);
  });
});
