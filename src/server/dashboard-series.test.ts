/**
 * @module The dashboard's series on an injected clock: token rates per wall second, per-interval
 * latency percentiles, the bounded ring and `since` filtering, and the sampler on a real live
 * engine (every generated token counted once).
 */

import { describe, expect, it } from 'vitest';
import { resolveDeployment } from '../config/deployment.js';
import type { RequestView, StepView } from '../core/engine/engine-types.js';
import { summarize } from '../core/metrics/percentiles.js';
import { type DashboardGauges, DashboardSampler, DashboardSeries } from './dashboard-series.js';
import { LiveEngine } from './live-engine.js';
import { ManualClock } from './simulation-clock.js';

/** A request view as a step would hand it out. */
function request(fields: Partial<RequestView>): RequestView {
  return {
    id: '0',
    arrivalS: 0,
    inputTokens: 10,
    targetOutputTokens: 10,
    outputTokens: 1,
    status: 'running',
    firstScheduledS: 0,
    firstTokenS: Number.NaN,
    lastTokenS: Number.NaN,
    previousTokenS: Number.NaN,
    finishS: Number.NaN,
    preemptions: 0,
    ...fields,
  };
}

function step(prefillTokens: number, emitted: readonly RequestView[]): StepView {
  return {
    startS: 0,
    endS: 0,
    batch: {
      prefillTokens,
      prefillSequences: prefillTokens > 0 ? 1 : 0,
      prefillAttentionPairs: 0,
      prefillKvTokens: 0,
      decodeSequences: emitted.length,
      decodeKvTokens: 0,
      sampledSequences: emitted.length,
    },
    emitted,
    numRunning: emitted.length,
    numWaiting: 0,
    kvUsedBlocks: 0,
    kvTotalBlocks: 100,
  };
}

function fixture(capacity?: number) {
  let nowMs = 1_000_000;
  let gauges: DashboardGauges = {
    runningRequests: 0,
    waitingRequests: 0,
    kvUsedBlocks: 0,
    kvTotalBlocks: 200,
  };
  const series = new DashboardSeries({
    gauges: () => gauges,
    nowMs: () => nowMs,
    ...(capacity === undefined ? {} : { capacity }),
  });
  return {
    series,
    advance: (ms: number) => {
      nowMs += ms;
    },
    setGauges: (next: DashboardGauges) => {
      gauges = next;
    },
  };
}

describe('DashboardSeries', () => {
  it('turns an interval’s tokens into rates per wall second and reads the gauges at the tick', () => {
    const { series, advance, setGauges } = fixture();
    series.stepEnd(step(300, [request({ firstTokenS: 0.2, arrivalS: 0.05 })]));
    series.stepEnd(
      step(100, [
        request({ outputTokens: 5, lastTokenS: 1.0, previousTokenS: 0.98 }),
        request({ outputTokens: 2, lastTokenS: 1.0, previousTokenS: 0.96 }),
      ]),
    );
    advance(2000);
    setGauges({ runningRequests: 3, waitingRequests: 2, kvUsedBlocks: 50, kvTotalBlocks: 200 });
    const sample = series.tick();
    expect(sample.timeMs).toBe(1_002_000);
    // 400 prompt tokens and 3 output tokens over 2 wall seconds.
    expect(sample.promptTokensPerS).toBe(200);
    expect(sample.generationTokensPerS).toBe(1.5);
    expect(sample.runningRequests).toBe(3);
    expect(sample.waitingRequests).toBe(2);
    expect(sample.kvCacheUsage).toBe(0.25);
    expect(sample.ttftS?.p50).toBeCloseTo(0.15, 4);
    expect(sample.itlS?.p50).toBeCloseTo(0.03, 4);
    expect(sample.itlS?.p99).toBeCloseTo(0.0398, 4);
    expect(series.totals()).toEqual({ promptTokens: 400, generationTokens: 3, firstTokens: 1 });

    // The next interval starts empty: no latencies, zero rates.
    advance(1000);
    const quiet = series.tick();
    expect(quiet.ttftS).toBeUndefined();
    expect(quiet.itlS).toBeUndefined();
    expect(quiet.generationTokensPerS).toBe(0);
  });

  it('gives percentiles of many gaps within the histogram’s precision', () => {
    const { series, advance } = fixture();
    const gapsS = Array.from({ length: 1000 }, (_, index) => 0.01 + index * 1e-5);
    for (const gapS of gapsS) {
      series.stepEnd(
        step(0, [request({ outputTokens: 3, lastTokenS: 5 + gapS, previousTokenS: 5 })]),
      );
    }
    advance(1000);
    const { itlS } = series.tick();
    // Exact (NumPy) percentiles of 0.01 + k·1e-5, k = 0..999, within 0.01%.
    const exact = summarize(gapsS);
    for (const key of ['p50', 'p90', 'p99'] as const) {
      expect(Math.abs((itlS?.[key] as number) / exact[key] - 1)).toBeLessThan(1e-4);
    }
    expect(exact.p99).toBeCloseTo(0.0198901, 7);
  });

  it('keeps only the last `capacity` samples and returns those newer than `since`', () => {
    const { series, advance } = fixture(3);
    const times: number[] = [];
    for (let index = 0; index < 5; index++) {
      advance(1000);
      times.push(series.tick().timeMs);
    }
    expect(series.samplesSince(0).map((sample) => sample.timeMs)).toEqual(times.slice(2));
    expect(series.samplesSince(times[3] as number).map((sample) => sample.timeMs)).toEqual([
      times[4],
    ]);
    expect(series.samplesSince(times[4] as number)).toEqual([]);
  });

  it('keeps sample times increasing when the wall clock steps back', () => {
    const { series, advance } = fixture();
    advance(1000);
    const first = series.tick();
    advance(-5000);
    const second = series.tick();
    expect(second.timeMs).toBe(first.timeMs + 1);
    expect(second.generationTokensPerS).toBe(0);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => fixture(0)).toThrow(/capacity/);
  });
});

describe('DashboardSampler on a live engine', () => {
  it('counts every generated token once and sees the requests running', () => {
    const clock = new ManualClock();
    const engine = new LiveEngine(resolveDeployment({ maxModelLen: 8192 }), clock);
    let nowMs = 0;
    const sampler = new DashboardSampler({ engines: [engine], nowMs: () => nowMs });
    const ignore = { token: () => {}, end: () => {} };
    for (let index = 0; index < 4; index++) {
      engine.submit({ inputTokens: 200 + index, outputTokens: 50 }, ignore);
    }
    clock.advanceTo(0.05);
    nowMs = 50;
    sampler.tick();
    const [series] = sampler.series;
    const early = series?.samplesSince(-1)[0];
    expect(early?.runningRequests).toBe(4);
    expect(early?.kvCacheUsage).toBeGreaterThan(0);

    clock.advanceTo(60);
    nowMs = 60_000;
    sampler.tick();
    const late = series?.samplesSince(50)[0];
    expect(late?.runningRequests).toBe(0);
    expect(late?.itlS?.p50).toBeGreaterThan(0);
    expect(series?.totals()).toEqual({ promptTokens: 806, generationTokens: 200, firstTokens: 4 });
    engine.close();
  });
});
