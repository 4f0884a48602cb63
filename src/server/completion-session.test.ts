/**
 * Timelines stay right when a request ends inside `engine.submit` (the engine catches up with a
 * clock that has moved on, as after a stall of the process).
 */

import { describe, expect, it } from 'vitest';
import { resolveDeployment } from '../config/deployment.js';
import { buildServerApp } from './app.js';
import { createServedModel } from './served-model.js';
import type { SimulationClock } from './simulation-clock.js';

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
