/**
 * @module Test helper for the browser tests: where Debian's chromium is (or `$CHROMIUM_PATH`),
 * a one-line notice when it is missing (the tests then skip), and a headless launch with the
 * flags that keep it off the network and out of a sandbox this machine cannot give it.
 */

import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether chromium is installed; prints why `what` is skipped when it is not. */
export function hasChromium(what: string): boolean {
  const found = existsSync(CHROMIUM_PATH);
  if (!found) {
    console.warn(
      `${what} skipped: no chromium at ${CHROMIUM_PATH} ` +
        '(apt-get install chromium, or set CHROMIUM_PATH)',
    );
  }
  return found;
}

/** Flags for a quiet, sandbox-free headless run that never reaches for the network. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * What went wrong on a page while a test watched it: console errors, uncaught exceptions, failed
 * loads and HTTP errors in `problems`, and every URL it requested.
 */
export function watchPage(page: Page): { problems: string[]; requestedUrls: string[] } {
  const problems: string[] = [];
  const requestedUrls: string[] = [];
  page.on('console', (message) => {
    // Errors only: a test's pixel readback draws a performance warning.
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`failed: ${request.url()}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  page.on('request', (request) => requestedUrls.push(request.url()));
  return { problems, requestedUrls };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export interface ChartState {
  readonly id: string;
  readonly points: number;
  readonly linePixels: number;
}

/**
 * Each report chart (`[data-chart]`): its plotted value count (`data-points`) and how many
 * strongly coloured pixels its canvas holds (data lines are coloured; axes and grid are grey).
 */
export function chartStates(page: Page): Promise<ChartState[]> {
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
