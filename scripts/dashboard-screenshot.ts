/**
 * @module Takes the dashboard screenshot in the docs: starts a live server at time scale 1,
 * sends a load that rises and falls for a while (Poisson arrivals, mixed prompt and output
 * lengths), then has Debian's chromium (through playwright-core) photograph the dashboard.
 *
 * Usage: `tsx scripts/dashboard-screenshot.ts [--duration-s 25] [--output docs/dashboard.png]`
 * (chromium from `apt-get install chromium`, or `CHROMIUM_PATH`).
 */

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startLiveServer } from '../src/server/live-server.js';
import { CHROMIUM_PATH, launchChromium } from '../test/support/chromium.js';

/** Arrival rate (requests per second) at the start and at the peak, halfway through. */
const BASE_RATE_PER_S = 2;
const PEAK_RATE_PER_S = 32;
/** Never more than this many requests in flight from this script. */
const MAX_IN_FLIGHT = 400;

const { values } = parseArgs({
  options: {
    'duration-s': { type: 'string', default: '25' },
    output: { type: 'string', default: 'docs/dashboard.png' },
  },
});
const durationMs = Number(values['duration-s']) * 1000;
if (!(durationMs > 0)) throw new Error('--duration-s must be a positive number');
if (!existsSync(CHROMIUM_PATH)) {
  throw new Error(
    `no chromium at ${CHROMIUM_PATH}: apt-get install chromium, or set CHROMIUM_PATH`,
  );
}

function randomInteger(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

/** Requests per second at `elapsedMs`: a triangle from the base rate to the peak and back. */
function rateAt(elapsedMs: number): number {
  const phase = 1 - Math.abs((2 * elapsedMs) / durationMs - 1);
  return BASE_RATE_PER_S + (PEAK_RATE_PER_S - BASE_RATE_PER_S) * phase;
}

const server = await startLiveServer({
  engine: { maxModelLen: 8192 },
  models: [],
  host: '127.0.0.1',
  port: 0,
  timeScale: 1,
});
console.log(`server at ${server.url}`);
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 980 } });
  await page.goto(`${server.url}/dashboard`);

  const startMs = Date.now();
  let inFlight = 0;
  let sent = 0;
  let failed = 0;
  const send = () => {
    inFlight++;
    sent++;
    fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        messages: [{ role: 'user', content: 'word '.repeat(randomInteger(100, 2500)) }],
        max_tokens: randomInteger(50, 600),
        ignore_eos: true,
      }),
    })
      .then((response) => response.arrayBuffer())
      .catch(() => {
        failed++;
      })
      .finally(() => {
        inFlight--;
      });
  };
  while (Date.now() - startMs < durationMs) {
    // Exponential gaps: a Poisson process at the current rate.
    const gapMs = (-Math.log(1 - Math.random()) * 1000) / rateAt(Date.now() - startMs);
    await new Promise((resolve) => setTimeout(resolve, gapMs));
    if (inFlight < MAX_IN_FLIGHT) send();
  }
  // One more poll so the last second is on the charts.
  await page.waitForTimeout(1200);
  await page.screenshot({ path: values.output, fullPage: true });
  console.log(`${sent} requests sent (${failed} failed); screenshot in ${values.output}`);
} finally {
  await browser.close();
  await server.close();
}
