/**
 * Timelines stay right when a request ends inside `engine.submit` (the engine catches up with a
 * clock that has moved on, as after a stall of the process); a reader that stops reading is cut
 * off at the buffer bound.
 */

import type { ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { resolveDeployment } from '../config/deployment.js';
import { createRandomStream } from '../core/workload/random.js';
import { buildServerApp } from './app.js';
import { planChoice } from './completion-plan.js';
import { runCompletionSession } from './completion-session.js';
import { RequestTimelines } from './request-timelines.js';
import { createServedModel } from './served-model.js';
import { ScaledWallClock, type SimulationClock } from './simulation-clock.js';
import { chatWireFormat } from './wire-format.js';

/** Every reading is 5 simulated seconds after the last: each catch-up finds time moved on. */
class StallingClock implements SimulationClock {
  private currentS = 100;
  nowS(): number {
    this.currentS += 5;
    return this.currentS;
  }
  wallMsAt(simS: number): number {
    return simS * 1000;
  }
  wakeAt(): () => void {
    return () => {};
  }
}

describe('completion session', () => {
  it('records the arrival of a request that finishes while it is being submitted', async () => {
    const model = await createServedModel({
      deployment: resolveDeployment({ maxModelLen: 4096 }),
      names: [],
      clock: new StallingClock(),
    });
    const app = buildServerApp({
      apiKeys: [],
      maxBodyBytes: 1 << 20,
      outputLength: { kind: 'fixed', tokens: 8 },
      responseMode: 'lorem',
      seed: 0,
      maxWaiting: undefined,
      timeScale: 1,
      models: [model],
    });
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        payload: { model: model.names[0], messages: [{ role: 'user', content: 'Hi' }] },
      });
      expect(response.statusCode).toBe(200);
      const timeline = (await app.inject('/debug/requests')).json().data[0];
      expect(timeline.arrival_s).toBeGreaterThan(100);
      const ttftMs = Number(response.headers['x-llmservingsim-ttft-ms']);
      // Arrival → first token of an 8-token request on an idle H100: milliseconds, not 100 s.
      expect(ttftMs).toBeGreaterThan(0);
      expect(ttftMs).toBeLessThan(1000);
      expect(timeline.ttft_ms).toBeCloseTo(ttftMs, 2);
    } finally {
      await app.close();
    }
  });
});

/** A response nobody reads: whatever is written stays queued in it. */
class UnreadResponse extends PassThrough {
  writeHead(): this {
    return this;
  }
  flushHeaders(): void {}
}

describe('a stream whose reader stopped', () => {
  it('is cut off once its queued bytes pass the bound, and its KV blocks are freed', async () => {
    const model = await createServedModel({
      deployment: resolveDeployment({ maxModelLen: 8192 }),
      names: [],
      clock: new ScaledWallClock(20),
    });
    const raw = new UnreadResponse();
    const text = model.lorem;
    const choice = planChoice({
      index: 0,
      budget: 3000,
      minTokens: 0,
      ignoreEos: true,
      stop: [],
      outputLength: { kind: 'fixed', tokens: 3000 },
      random: createRandomStream(1, 'unread'),
      text,
      topLogprobs: undefined,
      echo: '',
    });
    const session = runCompletionSession(
      {
        engine: model.engine,
        meta: { id: 'chatcmpl-unread', created: 0, model: 'm' },
        promptTokens: 10,
        handlingMs: 0,
        choices: [choice],
        choicePromptTokens: [10],
        format: chatWireFormat,
        timelines: new RequestTimelines(4),
        stream: true,
        includeUsage: false,
        continuousUsage: false,
        replyHeaders: {},
        fault: { kind: 'none' },
        onShutdown: () => () => {},
        maxBufferedBytes: 16 * 1024,
      },
      raw as unknown as ServerResponse,
    );
    try {
      // 3,000 tokens take 1 s at this time scale; 16 KiB of chunks pile up within ~100 tokens.
      expect(await session).toBeUndefined();
      expect(raw.destroyed).toBe(true);
      const status = model.engine.status();
      expect(status.abortedRequests).toBe(1);
      expect(status.kvUsedBlocks).toBe(0);
      expect(status.runningRequests).toBe(0);
    } finally {
      model.engine.close();
    }
  });
});
