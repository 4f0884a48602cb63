/**
 * @module The real-time driver of one model instance: it keeps a simulated engine in step with a
 * `SimulationClock`. An arrival advances the engine to "now" and submits; a wake-up at the engine's
 * next event time advances it again, so every token reaches its listener at the wall time that
 * corresponds to its simulated emission time.
 */

import { performance } from 'node:perf_hooks';
import type { Deployment } from '../config/deployment.js';
import { engineOptionsOf } from '../config/deployment.js';
import { Engine } from '../core/engine/engine.js';
import type { EngineObserver, RequestView } from '../core/engine/engine-types.js';
import { LatencyHistogram } from '../core/metrics/latency-histogram.js';
import type { LatencyStats } from '../core/metrics/percentiles.js';
import type { SimulationClock } from './simulation-clock.js';

/** Receives one request's lifecycle; calls happen when simulated time reaches the event. */
export interface LiveRequestListener {
  /** The request produced its `request.outputTokens`-th token at simulated time `timeS`. */
  token(request: RequestView, timeS: number): void;
  /** The request finished, was aborted or rejected; no calls follow. */
  end(request: RequestView, timeS: number): void;
}

/** Token counts of a request entering the engine. */
export interface LiveRequestSpec {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Why the request stops when it runs to its end (vLLM's `finished_reason`); default `stop`. */
  readonly finishReason?: 'stop' | 'length';
}

/** How a request left the engine: its finish reason, or aborted (client gone) or rejected. */
export type RequestOutcome = 'stop' | 'length' | 'abort' | 'rejected';

/**
 * Watches every request and step of one instance (metrics, the dashboard). Engine events come
 * as the engine produces them; `requestOutcome` follows the engine's `requestEnd`/`requestReject`.
 */
export interface LiveEngineObserver extends EngineObserver {
  requestOutcome?(request: RequestView, outcome: RequestOutcome, timeS: number): void;
}

/** Counters and occupancy of one instance, for `/status`. */
export interface LiveEngineStatus {
  readonly simulatedTimeS: number;
  /** Arrived, not yet running (vLLM's waiting queue). */
  readonly waitingRequests: number;
  readonly runningRequests: number;
  readonly inflightBatches: number;
  readonly completedRequests: number;
  readonly abortedRequests: number;
  readonly rejectedRequests: number;
  readonly kvUsedBlocks: number;
  readonly kvTotalBlocks: number;
  readonly kvPeakUsedBlocks: number;
  readonly engineSteps: number;
  /** Wake-ups of the driver so far. */
  readonly wakeUps: number;
  /** How late (wall seconds) the driver woke after engine events were due. */
  readonly wakeUpLateness: LatencyStats;
}

/** Fraction (0–1) of the KV-cache blocks in use, as vLLM's `kv_cache_usage_perc`; 0 without blocks. */
export function kvCacheUsage(
  blocks: Pick<LiveEngineStatus, 'kvUsedBlocks' | 'kvTotalBlocks'>,
): number {
  return blocks.kvTotalBlocks === 0 ? 0 : blocks.kvUsedBlocks / blocks.kvTotalBlocks;
}

/** One simulated model instance driven in real time. */
export class LiveEngine {
  readonly deployment: Deployment;
  private readonly clock: SimulationClock;
  private readonly engine: Engine;
  private readonly listeners = new Map<RequestView, LiveRequestListener>();
  private readonly finishReasons = new Map<RequestView, 'stop' | 'length'>();
  private readonly observers: LiveEngineObserver[] = [];
  private nextRequestNumber = 0;
  private completed = 0;
  private aborted = 0;
  private rejected = 0;
  private wakeUpS = Number.POSITIVE_INFINITY;
  private cancelWakeUp: (() => void) | undefined;
  private closed = false;
  private readonly lateness = new LatencyHistogram();

  constructor(deployment: Deployment, clock: SimulationClock) {
    this.deployment = deployment;
    this.clock = clock;
    this.engine = new Engine(
      engineOptionsOf(deployment, {
        requestArrive: (request, timeS) => {
          for (const observer of this.observers) observer.requestArrive?.(request, timeS);
        },
        requestSchedule: (request, timeS) => {
          for (const observer of this.observers) observer.requestSchedule?.(request, timeS);
        },
        requestPreempt: (request, timeS) => {
          for (const observer of this.observers) observer.requestPreempt?.(request, timeS);
        },
        stepEnd: (step) => {
          for (const request of step.emitted)
            this.listeners.get(request)?.token(request, step.endS);
          for (const observer of this.observers) observer.stepEnd?.(step);
        },
        requestEnd: (request, timeS) => {
          for (const observer of this.observers) observer.requestEnd?.(request, timeS);
          this.finish(request, timeS);
        },
        requestReject: (request, reason, timeS) => {
          for (const observer of this.observers) observer.requestReject?.(request, reason, timeS);
          this.finish(request, timeS);
        },
      }),
    );
  }

  /** Adds an observer of every later request and step. */
  observe(observer: LiveEngineObserver): void {
    this.observers.push(observer);
  }

  /** The simulated time now (the engine is advanced to it first). */
  nowS(): number {
    return this.catchUp();
  }

  /** Enters a request now; `listener` hears of its tokens as simulated time reaches them. */
  submit(spec: LiveRequestSpec, listener: LiveRequestListener): RequestView {
    if (this.closed) throw new Error('the live engine is closed');
    const nowS = this.catchUp();
    const view = this.engine.submit({
      id: String(this.nextRequestNumber++),
      arrivalS: nowS,
      inputTokens: spec.inputTokens,
      outputTokens: spec.outputTokens,
    });
    this.listeners.set(view, listener);
    if (spec.finishReason !== undefined) this.finishReasons.set(view, spec.finishReason);
    // Handle the arrival at once, so an idle engine starts its step at the arrival time.
    this.catchUp();
    return view;
  }

  /** Ends a request early (its client went away); its KV blocks are freed at once. */
  abort(view: RequestView): void {
    this.catchUp();
    if (this.engine.abort(view)) this.aborted++;
    this.armWakeUp();
  }

  /** Wall-clock time (Unix epoch, ms) at which simulated time reaches `simS`. */
  epochMsAt(simS: number): number {
    return performance.timeOrigin + this.clock.wallMsAt(simS);
  }

  /** Requests waiting to be scheduled (the queue `--max-waiting` bounds). */
  get waitingRequests(): number {
    return this.engine.numWaiting;
  }

  status(): LiveEngineStatus {
    this.catchUp();
    return {
      simulatedTimeS: this.engine.nowS,
      waitingRequests: this.engine.numWaiting,
      runningRequests: this.engine.numRunning,
      inflightBatches: this.engine.numInFlightBatches,
      completedRequests: this.completed,
      abortedRequests: this.aborted,
      rejectedRequests: this.rejected,
      kvUsedBlocks: this.engine.kvUsedBlocks,
      kvTotalBlocks: this.engine.config.totalKvBlocks,
      kvPeakUsedBlocks: this.engine.kvPeakUsedBlocks,
      engineSteps: this.engine.stepCount,
      wakeUps: this.lateness.size,
      wakeUpLateness: this.lateness.summary(),
    };
  }

  /** Stops the wake-ups; requests still in flight are aborted (their listeners hear `end`). */
  close(): void {
    this.catchUp();
    for (const view of [...this.listeners.keys()]) this.abort(view);
    this.closed = true;
    this.cancelWakeUp?.();
    this.cancelWakeUp = undefined;
  }

  /** Advances the engine to the clock's now, re-arms the wake-up, and returns now. */
  private catchUp(): number {
    const nowS = Math.max(this.clock.nowS(), this.engine.nowS);
    this.engine.advanceTo(nowS);
    this.armWakeUp();
    return nowS;
  }

  private armWakeUp(): void {
    if (this.closed) return;
    const nextS = this.engine.nextEventS();
    if (nextS === this.wakeUpS) return;
    this.cancelWakeUp?.();
    this.cancelWakeUp = undefined;
    this.wakeUpS = nextS;
    if (!Number.isFinite(nextS)) return;
    this.cancelWakeUp = this.clock.wakeAt(nextS, (latenessMs) => {
      this.lateness.record(latenessMs / 1000);
      this.cancelWakeUp = undefined;
      this.wakeUpS = Number.POSITIVE_INFINITY;
      this.catchUp();
    });
  }

  private finish(request: RequestView, timeS: number): void {
    const listener = this.listeners.get(request);
    const finishReason = this.finishReasons.get(request) ?? 'stop';
    this.listeners.delete(request);
    this.finishReasons.delete(request);
    if (request.status === 'finished') this.completed++;
    else if (request.status === 'rejected') this.rejected++;
    const outcome: RequestOutcome =
      request.status === 'finished'
        ? finishReason
        : request.status === 'rejected'
          ? 'rejected'
          : 'abort';
    for (const observer of this.observers) observer.requestOutcome?.(request, outcome, timeS);
    listener?.end(request, timeS);
  }
}
