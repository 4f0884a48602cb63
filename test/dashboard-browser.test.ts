/**
 * @module The live dashboard in a real browser: Debian's chromium, driven by playwright-core,
 * loads the page from a live server under a steady stream of requests and must draw every chart
 * with data (requests running, tokens generated), with no failed request, console error or
 * security-policy violation. Skips, saying how to install chromium, when there is none.
 */

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveServer } from '../src/server/live-server.js';
import { hasChromium, launchChromium, watchPage } from './support/chromium.js';
import { startTestServer } from './support/live-server.js';

const HAS_CHROMIUM = hasChromium('dashboard browser test');
/** Simulated seconds per wall second: requests stay in flight long enough to be seen running. */
const TIME_SCALE = 2;
const LOAD_WORKERS = 4;
const MAX_LOAD_REQUESTS = 200;
const MAX_LOAD_MS = 15_000;
/** Longest wait for the charts to fill (two samples take a little over two seconds). */
const CHART_WAIT_MS = 8_000;
/** Colour of the generation tokens/s line (`#16a34a`). */
const GENERATION_RGB = [0x16, 0xa3, 0x4a] as const;

/** Keeps `LOAD_WORKERS` chat requests in flight until stopped, bounded in count and time. */
function startLoad(url: string) {
  let stopped = false;
  let sent = 0;
  const deadline = Date.now() + MAX_LOAD_MS;
  const worker = async () => {
    while (!stopped && sent < MAX_LOAD_REQUESTS && Date.now() < deadline) {
      sent++;
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          messages: [{ role: 'user', content: `Request ${sent}: ${'tell me more '.repeat(60)}` }],
          max_tokens: 48,
          ignore_eos: true,
        }),
        signal: AbortSignal.timeout(MAX_LOAD_MS),
      });
      await response.arrayBuffer();
    }
  };
  const workers = Array.from({ length: LOAD_WORKERS }, worker);
  return {
    stop: async () => {
      stopped = true;
      await Promise.allSettled(workers);
    },
  };
}

/** The part of a canvas element the pixel check reads (this project compiles without DOM types). */
interface CanvasLike {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, width: number, height: number): { data: ArrayLike<number> };
  } | null;
}

interface ChartState {
  readonly chart: string;
  readonly points: number;
  readonly peaks: Record<string, number>;
}

function chartStates(page: Page): Promise<ChartState[]> {
  return page.$$eval('section.chart', (sections) =>
    sections.map((section) => ({
      chart: section.getAttribute('data-chart') ?? '',
      points: Number(section.getAttribute('data-points')),
      peaks: JSON.parse(section.getAttribute('data-peaks') ?? '{}') as Record<string, number>,
    })),
  );
}

describe.skipIf(!HAS_CHROMIUM)('dashboard in chromium', () => {
  let server: LiveServer;
  let browser: Browser;
  let load: ReturnType<typeof startLoad>;

  beforeAll(async () => {
    server = await startTestServer({
      engine: { maxModelLen: 8192 },
      timeScale: TIME_SCALE,
    });
    load = startLoad(server.url);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await load?.stop();
    await server?.close();
  });

  it('draws every chart with live data and no failed request or console error', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const { problems, requestedUrls } = watchPage(page);
    const dataPolls = () => requestedUrls.filter((url) => url.includes('/dashboard/data'));

    const response = await page.goto(`${server.url}/dashboard`);
    expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
    const filled = (states: readonly ChartState[]) => {
      const byId = new Map(states.map((state) => [state.chart, state]));
      return (
        (byId.get('tokens')?.points ?? 0) >= 2 &&
        (byId.get('tokens')?.peaks.generation ?? 0) > 0 &&
        (byId.get('requests')?.peaks.running ?? 0) > 0
      );
    };
    const deadline = Date.now() + CHART_WAIT_MS;
    while (!filled(await chartStates(page)) && Date.now() < deadline) {
      await page.waitForTimeout(100);
    }

    const charts = await chartStates(page);
    expect(charts.map((chart) => chart.chart)).toEqual([
      'requests',
      'kv-cache',
      'tokens',
      'ttft',
      'itl',
    ]);
    for (const chart of charts) expect(chart.points).toBeGreaterThanOrEqual(2);
    const byName = new Map(charts.map((chart) => [chart.chart, chart]));
    expect(byName.get('requests')?.peaks.running).toBeGreaterThan(0);
    expect(byName.get('tokens')?.peaks.generation).toBeGreaterThan(0);
    expect(byName.get('kv-cache')?.peaks.used).toBeGreaterThan(0);
    expect(byName.get('itl')?.peaks.p50).toBeGreaterThan(0);
    // Later polls ask only for what is new.
    expect(dataPolls().some((url) => /since=[1-9]\d*/.test(url))).toBe(true);

    // Each chart is a canvas, and the throughput chart has its generation line drawn on it.
    expect(await page.locator('section.chart canvas').count()).toBe(5);
    const generationPixels = await page.$eval(
      '#chart-tokens canvas',
      (canvas, rgb) => {
        const context = (canvas as unknown as CanvasLike).getContext('2d');
        if (context === null) return 0;
        const { width, height } = canvas as unknown as CanvasLike;
        const { data } = context.getImageData(0, 0, width, height);
        let count = 0;
        for (let index = 0; index < data.length; index += 4) {
          const close =
            Math.abs((data[index] ?? 0) - rgb[0]) < 40 &&
            Math.abs((data[index + 1] ?? 0) - rgb[1]) < 40 &&
            Math.abs((data[index + 2] ?? 0) - rgb[2]) < 40 &&
            (data[index + 3] ?? 0) > 128;
          if (close) count++;
        }
        return count;
      },
      GENERATION_RGB,
    );
    expect(generationPixels).toBeGreaterThan(20);
    expect(await page.locator('#counter-generation_tokens').textContent()).not.toBe('–');
    expect(await page.locator('#connection').getAttribute('class')).toBe('live');
    expect(problems).toEqual([]);
    await page.close();
  });
});
