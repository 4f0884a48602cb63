/**
 * @module Runs a workload through an engine to completion: open loop (requests arrive at their own
 * times) or with a concurrency cap (a request is sent no earlier than its arrival time and only
 * while fewer than the cap are in flight, as vLLM's `bench serve --max-concurrency` does).
 */

import type { WorkloadRequest } from '../workload/workload-request.js';
import { Engine, type EngineOptions } from './engine.js';
import type { EngineObserver, RequestView } from './engine-types.js';

export interface SimulationOptions extends EngineOptions {
  /** Requests in non-decreasing arrival order; consumed lazily. */
  readonly workload: Iterable<WorkloadRequest>;
  /** Most requests in flight at once; unset = no cap. */
  readonly maxConcurrency?: number;
}

/** What a finished run reports besides what its observer collected. */
export interface SimulationResult {
  readonly steps: number;
  /** Simulated time of the last event. */
  readonly endS: number;
  readonly kvPeakUsedBlocks: number;
}

/** Runs the whole workload; the observer sees every lifecycle event. */
export function runSimulation(options: SimulationOptions): SimulationResult {
  const iterator = options.workload[Symbol.iterator]();
  const cap = options.maxConcurrency;
  if (cap === undefined) {
    const engine = new Engine(options);
    engine.setArrivalSource(iterator);
    engine.runToCompletion();
    return {
      steps: engine.stepCount,
      endS: engine.nowS,
      kvPeakUsedBlocks: engine.kvPeakUsedBlocks,
    };
  }
  if (!Number.isInteger(cap) || cap < 1) {
    throw new RangeError(`maxConcurrency must be a positive integer, got ${cap}`);
  }
  const inner = options.observer ?? {};
  let engine: Engine | undefined;
  const sendNext = (): void => {
    const next = iterator.next();
    if (next.done || !engine) return;
    engine.submit(next.value);
  };
  // A slot frees when a request ends for any reason; the next request goes out at that moment.
  const gate: EngineObserver = {
    ...bindObserver(inner),
    requestReject: (request, reason, timeS) => {
      inner.requestReject?.(request, reason, timeS);
      sendNext();
    },
    requestEnd: (request: RequestView, timeS: number) => {
      inner.requestEnd?.(request, timeS);
      sendNext();
    },
  };
  engine = new Engine({ ...options, observer: gate });
  for (let slot = 0; slot < cap; slot++) sendNext();
  engine.runToCompletion();
  return { steps: engine.stepCount, endS: engine.nowS, kvPeakUsedBlocks: engine.kvPeakUsedBlocks };
}

/** Copies an observer's methods bound to it, so they can be spread into another observer. */
function bindObserver(observer: EngineObserver): EngineObserver {
  const bound: EngineObserver = {};
  if (observer.requestArrive) bound.requestArrive = observer.requestArrive.bind(observer);
  if (observer.requestSchedule) bound.requestSchedule = observer.requestSchedule.bind(observer);
  if (observer.requestPreempt) bound.requestPreempt = observer.requestPreempt.bind(observer);
  if (observer.stepEnd) bound.stepEnd = observer.stepEnd.bind(observer);
  return bound;
}
