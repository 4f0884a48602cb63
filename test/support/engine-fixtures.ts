/**
 * @module Helpers shared by engine, scheduler and metrics tests: a transparent cost model, a
 * small engine configuration, and an observer that records everything the engine reports.
 */

import type {
  EngineConfig,
  EngineObserver,
  RequestView,
  StepView,
} from '../../src/core/engine/engine-types.js';
import type {
  BatchShape,
  CostModel,
  ParallelConfig,
  StepCostPrediction,
} from '../../src/core/perf/cost-model.js';

/**
 * A cost model whose step time is `fixedS + perTokenS × tokens` (tokens = prefill tokens + one
 * per decode), so expected times can be computed by hand.
 */
export function linearCostModel(fixedS = 0.01, perTokenS = 0.0001): CostModel {
  return {
    kind: 'linear-test',
    predict(batch: BatchShape, parallel: ParallelConfig): StepCostPrediction {
      const gpu = fixedS + perTokenS * (batch.prefillTokens + batch.decodeSequences);
      return {
        seconds: gpu,
        stageSeconds: gpu / parallel.pp,
        overheadSeconds: 0,
        breakdown: { gpu },
      };
    },
  };
}

/** A small engine: 8 sequences, 64-token budget, 100 blocks of 4 tokens, context 256. */
export function smallEngineConfig(overrides: Partial<EngineConfig> = {}): EngineConfig {
  return {
    maxNumSeqs: 8,
    maxNumBatchedTokens: 64,
    enableChunkedPrefill: true,
    maxModelLen: 256,
    blockSize: 4,
    totalKvBlocks: 100,
    parallel: { tp: 1, pp: 1 },
    ...overrides,
  };
}

/** A snapshot of a request at one event. */
export interface RequestSnapshot {
  readonly id: string;
  readonly outputTokens: number;
  readonly status: string;
  readonly timeS: number;
}

/** Records every lifecycle event, copying the views. */
export class RecordingObserver implements EngineObserver {
  readonly arrivals: RequestSnapshot[] = [];
  readonly rejects: RequestSnapshot[] = [];
  readonly preempts: RequestSnapshot[] = [];
  readonly ends: (RequestSnapshot & {
    readonly view: RequestView;
    readonly firstTokenS: number;
  })[] = [];
  readonly steps: {
    readonly startS: number;
    readonly endS: number;
    readonly batch: BatchShape;
    readonly emittedIds: readonly string[];
    readonly numRunning: number;
    readonly numWaiting: number;
    readonly kvUsedBlocks: number;
    readonly kvTotalBlocks: number;
  }[] = [];
  /** Token emission times per request id. */
  readonly tokenTimes = new Map<string, number[]>();

  requestArrive(request: RequestView, timeS: number): void {
    this.arrivals.push(snapshot(request, timeS));
  }

  requestReject(request: RequestView, _reason: string, timeS: number): void {
    this.rejects.push(snapshot(request, timeS));
  }

  requestPreempt(request: RequestView, timeS: number): void {
    this.preempts.push(snapshot(request, timeS));
  }

  stepEnd(step: StepView): void {
    this.steps.push({
      startS: step.startS,
      endS: step.endS,
      batch: { ...step.batch },
      emittedIds: step.emitted.map((request) => request.id),
      numRunning: step.numRunning,
      numWaiting: step.numWaiting,
      kvUsedBlocks: step.kvUsedBlocks,
      kvTotalBlocks: step.kvTotalBlocks,
    });
    for (const request of step.emitted) {
      const times = this.tokenTimes.get(request.id) ?? [];
      times.push(step.endS);
      this.tokenTimes.set(request.id, times);
    }
  }

  requestEnd(request: RequestView, timeS: number): void {
    this.ends.push({
      ...snapshot(request, timeS),
      view: request,
      firstTokenS: request.firstTokenS,
    });
  }
}

function snapshot(request: RequestView, timeS: number): RequestSnapshot {
  return { id: request.id, outputTokens: request.outputTokens, status: request.status, timeS };
}
