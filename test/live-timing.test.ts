/**
 * @module Live timing at --time-scale 1: what a client observes over a real socket (TTFT and every
 * inter-token gap) against the simulator’s own timeline for the same requests, for single requests
 * and for a small concurrent burst. The tolerance is generous for a busy CI machine; the achieved
 * error is measured by `npm run bench:live` and reported in docs/PERFORMANCE.md.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  absolutePercentile,
  type SimulatedTimeline,
  streamChatTimed,
  timingErrors,
} from '../src/bench/stream-timing.js';
import type { LiveServer } from '../src/server/live-server.js';
import { startTestServer } from './support/live-server.js';

/** Median per-token error allowed (ms): scheduling noise on a loaded 2-core runner. */
const GAP_TOLERANCE_MS = 25;
/** How early a token may seem to arrive (ms): the two clocks agree to well under this. */
const EARLY_SLACK_MS = 1;
/** Median TTFT error allowed (ms): adds request parsing and tokenization to the timer noise. */
const TTFT_TOLERANCE_MS = 50;

async function timelineOf(server: LiveServer, id: string): Promise<SimulatedTimeline> {
  const response = await fetch(`${server.url}/debug/requests/${id}`);
  return (await response.json()) as SimulatedTimeline;
}

describe('live timing at time scale 1', () => {
  let server: LiveServer;

  beforeAll(async () => {
    server = await startTestServer({ engine: { maxModelLen: 8192 }, timeScale: 1 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('matches single requests’ TTFT and inter-token gaps', async () => {
    const ttftErrors: number[] = [];
    const gapErrors: number[] = [];
    for (let index = 0; index < 5; index++) {
      const observed = await streamChatTimed({
        url: server.url,
        body: {
          messages: [{ role: 'user', content: `Explain paging (${index}). `.repeat(200) }],
          max_tokens: 40,
          ignore_eos: true,
        },
        timeoutMs: 10_000,
      });
      expect(observed.tokenMs).toHaveLength(40);
      const errors = timingErrors(observed, await timelineOf(server, observed.requestId));
      // Each token reaches the client after its simulated emission time, never before.
      expect(Math.min(...errors.deliveryLatenessMs)).toBeGreaterThan(-EARLY_SLACK_MS);
      expect(errors.ttftErrorMs).toBeGreaterThan(-EARLY_SLACK_MS);
      ttftErrors.push(errors.ttftErrorMs);
      gapErrors.push(...errors.gapErrorsMs);
    }
    // Medians, so that one stall of a busy CI machine does not decide the outcome.
    expect(absolutePercentile(ttftErrors, 50)).toBeLessThan(TTFT_TOLERANCE_MS);
    expect(absolutePercentile(gapErrors, 50)).toBeLessThan(GAP_TOLERANCE_MS);
  });

  it('matches every request of a concurrent burst', async () => {
    const prompts = [50, 400, 1500, 3000].map((words) => 'token '.repeat(words));
    const observed = await Promise.all(
      prompts.map((content, index) =>
        streamChatTimed({
          url: server.url,
          body: {
            messages: [{ role: 'user', content }],
            max_tokens: 20 + index * 5,
            ignore_eos: true,
          },
          timeoutMs: 10_000,
        }),
      ),
    );
    const all: number[] = [];
    const ttftErrors: number[] = [];
    for (const stream of observed) {
      const errors = timingErrors(stream, await timelineOf(server, stream.requestId));
      expect(errors.ttftErrorMs).toBeGreaterThan(-EARLY_SLACK_MS);
      expect(Math.min(...errors.deliveryLatenessMs)).toBeGreaterThan(-EARLY_SLACK_MS);
      ttftErrors.push(errors.ttftErrorMs);
      all.push(...errors.gapErrorsMs);
    }
    expect(absolutePercentile(ttftErrors, 50)).toBeLessThan(TTFT_TOLERANCE_MS);
    expect(absolutePercentile(all, 50)).toBeLessThan(GAP_TOLERANCE_MS);
  });
});
