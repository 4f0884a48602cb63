/**
 * @module The dashboard behind `--api-key` in a real browser: without credentials the page is
 * refused with a login challenge; with the key given as the browser's Basic credentials the page
 * loads and its polls of `/dashboard/data` succeed (the browser resends the credentials, the
 * page's script sends no header of its own). Skips without chromium.
 */

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveServer } from '../src/server/live-server.js';
import { hasChromium, launchChromium, watchPage } from './support/chromium.js';
import { startTestServer } from './support/live-server.js';

const HAS_CHROMIUM = hasChromium('dashboard login browser test');
const KEY = 'sk-dashboard-test';
/** Longest wait for three polls (one a second). */
const POLL_WAIT_MS = 8_000;

describe.skipIf(!HAS_CHROMIUM)('dashboard behind an API key, in chromium', () => {
  let server: LiveServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer({ apiKeys: [KEY] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('refuses a browser without the key: it is challenged for credentials it has not', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Headless chromium cannot show the login prompt a Basic challenge opens, so it gives up.
    await expect(page.goto(`${server.url}/dashboard`)).rejects.toThrow(
      /ERR_INVALID_AUTH_CREDENTIALS/,
    );
    await context.close();
  });

  it('loads and keeps polling with the key as Basic credentials', async () => {
    const context = await browser.newContext({
      httpCredentials: { username: 'me', password: KEY },
    });
    const page = await context.newPage();
    const { problems, requestedUrls } = watchPage(page);
    const polls = () => requestedUrls.filter((url) => url.includes('/dashboard/data'));
    const response = await page.goto(`${server.url}/dashboard`);
    expect(response?.status()).toBe(200);
    const deadline = Date.now() + POLL_WAIT_MS;
    while (polls().length < 3 && Date.now() < deadline) await page.waitForTimeout(100);
    expect(polls().length).toBeGreaterThanOrEqual(3);
    expect(await page.locator('#connection').getAttribute('class')).toBe('live');
    // A challenged first request shows up as a 401 before the credentials are sent; nothing else.
    expect(problems.filter((problem) => !problem.startsWith('HTTP 401'))).toEqual([]);
    await context.close();
  });
});
