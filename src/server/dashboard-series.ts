/**
 * @module Per-model time series behind the live dashboard: an engine observer that counts the
 * tokens and collects the TTFTs and inter-token gaps of each sampling interval, and a ring of the
 * last few minutes of one-second samples (with the running/waiting queues and KV-cache use read at
 * each tick), so memory stays flat however long the server runs.
 *
 * Intervals are cut by the wall clock: the dashboard shows what happens per wall second. Latencies
 * are the engine's, in simulated seconds (equal to wall seconds at time scale 1).
 */

import type { StepView } from '../core/engine/engine-types.js';
import { LatencyHistogram } from '../core/metrics/latency-histogram.js';
import { recordInterTokenGaps } from '../core/metrics/metrics-collector.js';
import { kvCacheUsage, type LiveEngineObserver, type LiveEngineStatus } from './live-engine.js';

/** Wall milliseconds between samples. */
export const DASHBOARD_INTERVAL_MS = 1000;
/** Samples kept per model: ten minutes at one per second. */
export const DASHBOARD_HISTORY_SAMPLES = 600;

/** Percentiles of the latencies seen in one interval (simulated seconds). */
export interface IntervalPercentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/** One interval of one model. */
export interface DashboardSample {
  /** Wall clock (Unix epoch ms) at the interval's end; strictly increasing along a series. */
  readonly timeMs: number;
  /** Requests in the running set and in the waiting queue at the interval's end. */
  readonly runningRequests: number;
  readonly waitingRequests: number;
  /** Used over total KV-cache blocks at the interval's end (0–1, as vLLM's kv_cache_usage_perc). */
  readonly kvCacheUsage: number;
  /** Prompt tokens computed (prefill chunks, recomputation after preemption included) per wall s. */
  readonly promptTokensPerS: number;
  /** Output tokens produced per wall second. */
  readonly generationTokensPerS: number;
  /** Of the first tokens produced in the interval; undefined when there were none. */
  readonly ttftS: IntervalPercentiles | undefined;
  /** Of the gaps between a request's consecutive tokens, for gaps ending in the interval. */
  readonly itlS: IntervalPercentiles | undefined;
}

/** Counts since the series started. */
export interface DashboardTotals {
  readonly promptTokens: number;
  readonly generationTokens: number;
  readonly firstTokens: number;
}

/** The engine figures a tick reads (a subset of `LiveEngine.status()`). */
export type DashboardGauges = Pick<
  LiveEngineStatus,
  'runningRequests' | 'waitingRequests' | 'kvUsedBlocks' | 'kvTotalBlocks'
>;

export interface DashboardSeriesOptions {
  /** Reads the queues and the KV cache now. */
  readonly gauges: () => DashboardGauges;
  /** The wall clock in epoch milliseconds (injected so tests need no timers). */
  readonly nowMs: () => number;
  /** Samples kept (default {@link DASHBOARD_HISTORY_SAMPLES}). */
  readonly capacity?: number;
}

function percentilesOf(histogram: LatencyHistogram): IntervalPercentiles | undefined {
  if (histogram.size === 0) return undefined;
  const { p50, p90, p99 } = histogram.summary();
  return { p50, p90, p99 };
}

/**
 * The series of one model. Register it with `engine.observe(series)` and call `tick()` once per
 * interval. Each interval's latencies go into a log-bucketed histogram, so an interval costs memory
 * in proportion to the distinct latencies it saw, never to the token count, and is then dropped.
 */
export class DashboardSeries implements LiveEngineObserver {
  private readonly gauges: () => DashboardGauges;
  private readonly nowMs: () => number;
  private readonly ring: (DashboardSample | undefined)[];
  /** Index the next sample is written to. */
  private next = 0;
  private stored = 0;
  private intervalStartMs: number;
  private lastTimeMs = Number.NEGATIVE_INFINITY;
  private intervalPromptTokens = 0;
  private intervalGenerationTokens = 0;
  private ttft = new LatencyHistogram();
  private itl = new LatencyHistogram();
  private promptTokens = 0;
  private generationTokens = 0;
  private firstTokens = 0;

  constructor(options: DashboardSeriesOptions) {
    const capacity = options.capacity ?? DASHBOARD_HISTORY_SAMPLES;
    if (!(Number.isInteger(capacity) && capacity > 0)) {
      throw new Error(`capacity must be a positive integer, got ${capacity}`);
    }
    this.gauges = options.gauges;
    this.nowMs = options.nowMs;
    this.ring = new Array<DashboardSample | undefined>(capacity).fill(undefined);
    this.intervalStartMs = this.nowMs();
  }

  stepEnd(step: StepView): void {
    this.intervalPromptTokens += step.batch.prefillTokens;
    this.intervalGenerationTokens += step.emitted.length;
    for (const request of step.emitted) {
      if (request.outputTokens !== 1) continue;
      this.ttft.record(Math.max(0, request.firstTokenS - request.arrivalS));
      this.firstTokens++;
    }
    recordInterTokenGaps(this.itl, step.emitted);
  }

  /** Closes the current interval into a sample (kept in the ring) and starts the next. */
  tick(): DashboardSample {
    const nowMs = this.nowMs();
    // A wall clock stepped back (NTP) must not break the `since` protocol.
    const timeMs = Math.max(nowMs, this.lastTimeMs + 1);
    const elapsedS = (nowMs - this.intervalStartMs) / 1000;
    const perSecond = (count: number) => (elapsedS > 0 ? count / elapsedS : 0);
    const gauges = this.gauges();
    const sample: DashboardSample = {
      timeMs,
      runningRequests: gauges.runningRequests,
      waitingRequests: gauges.waitingRequests,
      kvCacheUsage: kvCacheUsage(gauges),
      promptTokensPerS: perSecond(this.intervalPromptTokens),
      generationTokensPerS: perSecond(this.intervalGenerationTokens),
      ttftS: percentilesOf(this.ttft),
      itlS: percentilesOf(this.itl),
    };
    this.promptTokens += this.intervalPromptTokens;
    this.generationTokens += this.intervalGenerationTokens;
    this.intervalPromptTokens = 0;
    this.intervalGenerationTokens = 0;
    this.ttft = new LatencyHistogram();
    this.itl = new LatencyHistogram();
    this.intervalStartMs = nowMs;
    this.lastTimeMs = timeMs;
    this.ring[this.next] = sample;
    this.next = (this.next + 1) % this.ring.length;
    this.stored = Math.min(this.stored + 1, this.ring.length);
    return sample;
  }

  /** Kept samples with `timeMs > sinceMs`, oldest first. */
  samplesSince(sinceMs: number): DashboardSample[] {
    const samples: DashboardSample[] = [];
    const oldest = (this.next - this.stored + this.ring.length) % this.ring.length;
    for (let offset = 0; offset < this.stored; offset++) {
      const sample = this.ring[(oldest + offset) % this.ring.length] as DashboardSample;
      if (sample.timeMs > sinceMs) samples.push(sample);
    }
    return samples;
  }

  /** Totals of the closed intervals plus the open one. */
  totals(): DashboardTotals {
    return {
      promptTokens: this.promptTokens + this.intervalPromptTokens,
      generationTokens: this.generationTokens + this.intervalGenerationTokens,
      firstTokens: this.firstTokens,
    };
  }
}

/** Anything with a series to tick (a served model's engine, in the app). */
export interface SampledEngine {
  observe(observer: LiveEngineObserver): void;
  status(): DashboardGauges;
}

/** Series of several engines ticked together by one timer. */
export class DashboardSampler {
  readonly series: readonly DashboardSeries[];
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: {
    readonly engines: readonly SampledEngine[];
    readonly nowMs?: () => number;
    readonly capacity?: number;
  }) {
    const nowMs = options.nowMs ?? Date.now;
    this.series = options.engines.map((engine) => {
      const series = new DashboardSeries({
        gauges: () => engine.status(),
        nowMs,
        ...(options.capacity === undefined ? {} : { capacity: options.capacity }),
      });
      engine.observe(series);
      return series;
    });
  }

  /** Ticks every series each `intervalMs`; the timer does not keep the process alive. */
  start(intervalMs = DASHBOARD_INTERVAL_MS): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  tick(): void {
    for (const series of this.series) series.tick();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
