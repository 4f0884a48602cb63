/**
 * @module Turns engine lifecycle events into per-request records (handed out as they complete, so a
 * caller can stream them), a per-second time series, and the run's summary statistics. It keeps
 * neither requests nor per-request values: latencies go into constant-size histograms, so memory
 * stays flat however long the run.
 */

import type { EngineObserver, RequestView, StepView } from '../engine/engine-types.js';
import { LatencyHistogram } from './latency-histogram.js';
import type { LatencyStats } from './percentiles.js';

/**
 * Records into `histogram` the gap each request of a step waited since its previous token
 * (requests emitting their first token have none). Most requests of a step share one gap (the
 * previous step's end), so runs of equal gaps are recorded at once.
 */
export function recordInterTokenGaps(
  histogram: LatencyHistogram,
  emitted: readonly RequestView[],
): void {
  let runGap = Number.NaN;
  let runLength = 0;
  for (const request of emitted) {
    if (request.outputTokens < 2) continue;
    const gap = request.lastTokenS - request.previousTokenS;
    if (gap === runGap) {
      runLength++;
      continue;
    }
    if (runLength > 0) histogram.record(runGap, runLength);
    runGap = gap;
    runLength = 1;
  }
  if (runLength > 0) histogram.record(runGap, runLength);
}

/** One completed request; times in seconds (vLLM `bench serve` definitions). */
export interface RequestRecord {
  readonly id: string;
  readonly arrivalS: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Arrival → first scheduled. */
  readonly queueS: number;
  /** Arrival → first token. */
  readonly ttftS: number;
  /** (e2e − ttft) / (output − 1); NaN for one-token outputs. */
  readonly tpotS: number;
  /** Arrival → last token. */
  readonly e2eS: number;
  readonly preemptions: number;
}

/** One simulated second [second, second + 1). */
export interface TimeSeriesRow {
  readonly second: number;
  /** Requests running / waiting at the end of the second. */
  readonly running: number;
  readonly waiting: number;
  /** Fraction of KV blocks in use at the end of the second. */
  readonly kvUsage: number;
  /** Prompt tokens processed in steps that ended within the second. */
  readonly promptTokensPerS: number;
  /** Tokens generated within the second. */
  readonly generationTokensPerS: number;
  /** Engine steps that ended within the second. */
  readonly steps: number;
  /** Mean sequences per step (the batch size) over those steps; 0 when none ended. */
  readonly meanBatchSize: number;
}

/** Counts and latency statistics of a run; latencies in seconds. */
export interface MetricsSummary {
  readonly requests: {
    readonly completed: number;
    /** Completed requests that were preempted at least once. */
    readonly preempted: number;
    /** Preemption events in all. */
    readonly preemptions: number;
    readonly rejected: number;
    readonly aborted: number;
  };
  readonly firstArrivalS: number;
  readonly lastCompletionS: number;
  /** First arrival → last completion. */
  readonly durationS: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly throughput: {
    readonly requestsPerS: number;
    readonly inputTokensPerS: number;
    readonly outputTokensPerS: number;
    readonly totalTokensPerS: number;
  };
  readonly ttftS: LatencyStats;
  readonly tpotS: LatencyStats;
  readonly itlS: LatencyStats;
  readonly e2eS: LatencyStats;
  readonly queueS: LatencyStats;
  /** Highest fraction of KV blocks in use at any step end. */
  readonly kvPeakUsage: number;
}

export interface MetricsCollectorOptions {
  /** Called with each record as its request completes. */
  readonly onRecord?: (record: RequestRecord) => void;
  /** Called with each time-series row as its second closes. */
  readonly onTimeSeriesRow?: (row: TimeSeriesRow) => void;
}

/** An `EngineObserver` that measures; read `summary()` after the run. */
export class MetricsCollector implements EngineObserver {
  private readonly onRecord: ((record: RequestRecord) => void) | undefined;
  private readonly onTimeSeriesRow: ((row: TimeSeriesRow) => void) | undefined;
  private readonly ttft = new LatencyHistogram();
  private readonly tpot = new LatencyHistogram();
  private readonly e2e = new LatencyHistogram();
  private readonly queue = new LatencyHistogram();
  private readonly itl = new LatencyHistogram();
  private completed = 0;
  private preemptedRequests = 0;
  private preemptionEvents = 0;
  private rejected = 0;
  private aborted = 0;
  private inputTokens = 0;
  private outputTokens = 0;
  private firstArrivalS = Number.NaN;
  private lastCompletionS = Number.NaN;
  private kvPeakUsage = 0;
  // Time-series state: the open second and what happened in it so far.
  private second = 0;
  private running = 0;
  private waiting = 0;
  private kvUsage = 0;
  private secondPromptTokens = 0;
  private secondGenerationTokens = 0;
  private secondSteps = 0;
  private secondBatchSequences = 0;

  constructor(options: MetricsCollectorOptions = {}) {
    this.onRecord = options.onRecord;
    this.onTimeSeriesRow = options.onTimeSeriesRow;
  }

  requestArrive(request: RequestView, timeS: number): void {
    this.closeSecondsBefore(timeS);
    if (Number.isNaN(this.firstArrivalS)) this.firstArrivalS = request.arrivalS;
    this.waiting++;
  }

  requestReject(_request: RequestView, _reason: string, timeS: number): void {
    this.closeSecondsBefore(timeS);
    this.rejected++;
    this.waiting--;
  }

  requestPreempt(): void {
    this.preemptionEvents++;
  }

  stepEnd(step: StepView): void {
    this.closeSecondsBefore(step.endS);
    this.running = step.numRunning;
    this.waiting = step.numWaiting;
    this.kvUsage = step.kvUsedBlocks / step.kvTotalBlocks;
    if (this.kvUsage > this.kvPeakUsage) this.kvPeakUsage = this.kvUsage;
    this.secondPromptTokens += step.batch.prefillTokens;
    this.secondGenerationTokens += step.emitted.length;
    this.secondSteps++;
    this.secondBatchSequences += step.batch.prefillSequences + step.batch.decodeSequences;
    recordInterTokenGaps(this.itl, step.emitted);
  }

  requestEnd(request: RequestView, timeS: number): void {
    this.closeSecondsBefore(timeS);
    if (request.status === 'aborted') {
      this.aborted++;
      return;
    }
    const ttftS = request.firstTokenS - request.arrivalS;
    const e2eS = request.finishS - request.arrivalS;
    const tpotS =
      request.outputTokens > 1 ? (e2eS - ttftS) / (request.outputTokens - 1) : Number.NaN;
    const queueS = request.firstScheduledS - request.arrivalS;
    this.completed++;
    if (request.preemptions > 0) this.preemptedRequests++;
    this.inputTokens += request.inputTokens;
    this.outputTokens += request.outputTokens;
    this.lastCompletionS = request.finishS;
    this.ttft.record(ttftS);
    this.e2e.record(e2eS);
    this.queue.record(queueS);
    if (request.outputTokens > 1) this.tpot.record(tpotS);
    this.onRecord?.({
      id: request.id,
      arrivalS: request.arrivalS,
      inputTokens: request.inputTokens,
      outputTokens: request.outputTokens,
      queueS,
      ttftS,
      tpotS,
      e2eS,
      preemptions: request.preemptions,
    });
  }

  /** Closes the time series through the end of the run (the second holding `endS` included). */
  finish(endS: number): void {
    this.closeSecondsBefore(endS);
    this.emitSecond();
  }

  summary(): MetricsSummary {
    const durationS = this.completed > 0 ? this.lastCompletionS - this.firstArrivalS : Number.NaN;
    const rate = (amount: number) => (durationS > 0 ? amount / durationS : Number.NaN);
    return {
      requests: {
        completed: this.completed,
        preempted: this.preemptedRequests,
        preemptions: this.preemptionEvents,
        rejected: this.rejected,
        aborted: this.aborted,
      },
      firstArrivalS: this.firstArrivalS,
      lastCompletionS: this.lastCompletionS,
      durationS,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      throughput: {
        requestsPerS: rate(this.completed),
        inputTokensPerS: rate(this.inputTokens),
        outputTokensPerS: rate(this.outputTokens),
        totalTokensPerS: rate(this.inputTokens + this.outputTokens),
      },
      ttftS: this.ttft.summary(),
      tpotS: this.tpot.summary(),
      itlS: this.itl.summary(),
      e2eS: this.e2e.summary(),
      queueS: this.queue.summary(),
      kvPeakUsage: this.kvPeakUsage,
    };
  }

  /** Emits every whole second that ends at or before `timeS`. */
  private closeSecondsBefore(timeS: number): void {
    while (timeS >= this.second + 1) this.emitSecond();
  }

  private emitSecond(): void {
    this.onTimeSeriesRow?.({
      second: this.second,
      running: this.running,
      waiting: this.waiting,
      kvUsage: this.kvUsage,
      promptTokensPerS: this.secondPromptTokens,
      generationTokensPerS: this.secondGenerationTokens,
      steps: this.secondSteps,
      meanBatchSize: this.secondSteps === 0 ? 0 : this.secondBatchSequences / this.secondSteps,
    });
    this.second++;
    this.secondPromptTokens = 0;
    this.secondGenerationTokens = 0;
    this.secondSteps = 0;
    this.secondBatchSequences = 0;
  }
}
