/**
 * @module The live driver on a manual clock: tokens reach listeners exactly when simulated time
 * reaches them, at the times the offline engine computes for the same requests, and aborts free
 * the KV cache.
 */

import { describe, expect, it } from 'vitest';
import { engineOptionsOf, resolveDeployment } from '../config/deployment.js';
import { Engine } from '../core/engine/engine.js';
import type { RequestView } from '../core/engine/engine-types.js';
import { LiveEngine, type LiveRequestListener } from './live-engine.js';
import { ManualClock } from './simulation-clock.js';

const deployment = resolveDeployment({ maxModelLen: 8192 });

/** Records every token time and the end of one request. */
function recorder() {
  const tokenTimesS: number[] = [];
  let end: { status: string; timeS: number } | undefined;
  const listener: LiveRequestListener = {
    token: (_request, timeS) => {
      tokenTimesS.push(timeS);
    },
    end: (request, timeS) => {
      end = { status: request.status, timeS };
    },
  };
  return { listener, tokenTimesS, end: () => end };
}

/** Token times the offline engine gives the same requests (arrival times and lengths). */
function offlineTokenTimes(
  requests: readonly { arrivalS: number; inputTokens: number; outputTokens: number }[],
): number[][] {
  const times = requests.map(() => [] as number[]);
  const engine = new Engine(
    engineOptionsOf(deployment, {
      stepEnd: (step) => {
        for (const request of step.emitted) times[Number(request.id)]?.push(step.endS);
      },
    }),
  );
  requests.forEach((request, index) => {
    engine.submit({ id: String(index), ...request });
  });
  engine.runToCompletion();
  return times;
}

describe('LiveEngine on a manual clock', () => {
  it('delivers each token only once the clock reaches it, at the offline engine’s times', () => {
    const clock = new ManualClock();
    const live = new LiveEngine(deployment, clock);
    const record = recorder();
    live.submit({ inputTokens: 500, outputTokens: 20 }, record.listener);
    expect(record.tokenTimesS).toEqual([]);

    const expected = offlineTokenTimes([{ arrivalS: 0, inputTokens: 500, outputTokens: 20 }])[0];
    expect(expected).toHaveLength(20);
    const firstTokenS = expected?.[0] as number;
    clock.advanceTo(firstTokenS - 1e-9);
    expect(record.tokenTimesS).toEqual([]);
    clock.advanceTo(firstTokenS);
    expect(record.tokenTimesS).toEqual([firstTokenS]);
    clock.advanceTo(10);
    expect(record.tokenTimesS).toEqual(expected);
    expect(record.end()).toEqual({ status: 'finished', timeS: expected?.[19] });
    expect(live.status().completedRequests).toBe(1);
  });

  it('batches requests arriving at different wall times like the offline engine', () => {
    const clock = new ManualClock();
    const live = new LiveEngine(deployment, clock);
    const requests = [
      { arrivalS: 0, inputTokens: 300, outputTokens: 30 },
      { arrivalS: 0.05, inputTokens: 1200, outputTokens: 12 },
      { arrivalS: 0.051, inputTokens: 40, outputTokens: 50 },
    ];
    const records = requests.map(() => recorder());
    requests.forEach((request, index) => {
      clock.advanceTo(request.arrivalS);
      live.submit(request, (records[index] as ReturnType<typeof recorder>).listener);
    });
    clock.advanceTo(60);
    const expected = offlineTokenTimes(requests);
    records.forEach((record, index) => {
      expect(record.tokenTimesS).toEqual(expected[index]);
    });
  });

  it('frees the KV blocks of an aborted request at once and reports it aborted', () => {
    const clock = new ManualClock();
    const live = new LiveEngine(deployment, clock);
    const record = recorder();
    const view: RequestView = live.submit(
      { inputTokens: 4000, outputTokens: 500 },
      record.listener,
    );
    clock.advanceTo(0.2);
    expect(live.status().kvUsedBlocks).toBeGreaterThan(4000 / 16 - 1);
    const tokensBefore = record.tokenTimesS.length;
    expect(tokensBefore).toBeGreaterThan(0);
    live.abort(view);
    const status = live.status();
    expect(status.kvUsedBlocks).toBe(0);
    expect(status.runningRequests).toBe(0);
    expect(status.abortedRequests).toBe(1);
    expect(record.end()?.status).toBe('aborted');
    clock.advanceTo(30);
    expect(record.tokenTimesS).toHaveLength(tokensBefore);
  });

  it('counts waiting and running requests while a burst is queued', () => {
    const clock = new ManualClock();
    const small = resolveDeployment({ maxModelLen: 8192, maxNumSeqs: 2 });
    const live = new LiveEngine(small, clock);
    for (let index = 0; index < 5; index++) {
      live.submit({ inputTokens: 100, outputTokens: 10 }, recorder().listener);
    }
    // The first arrival finds the engine idle and starts a step alone; the rest join at its end.
    clock.advanceTo(1e-6);
    expect(live.status().runningRequests).toBe(1);
    clock.advanceTo(0.03);
    const status = live.status();
    expect(status.runningRequests).toBe(2);
    expect(status.waitingRequests).toBe(3);
    clock.advanceTo(30);
    expect(live.status().completedRequests).toBe(5);
  });

  it('aborts what is in flight on close, and stays quiet afterwards', () => {
    const clock = new ManualClock();
    const live = new LiveEngine(deployment, clock);
    const record = recorder();
    live.submit({ inputTokens: 100, outputTokens: 100 }, record.listener);
    clock.advanceTo(0.05);
    live.close();
    expect(record.end()?.status).toBe('aborted');
    expect(() => live.submit({ inputTokens: 1, outputTokens: 1 }, recorder().listener)).toThrow();
  });
});
