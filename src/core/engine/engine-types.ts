/**
 * @module The engine's public vocabulary: its configuration, the read-only view of a request it
 * hands out, the step summary, and the observer through which lifecycle events leave the core.
 */

import type { BatchShape, ParallelConfig } from '../perf/cost-model.js';

/** Scheduler and cache settings of one engine (one model instance). */
export interface EngineConfig {
  /** Most sequences in the running set (vLLM `max_num_seqs`). */
  readonly maxNumSeqs: number;
  /** Token budget of one step (vLLM `max_num_batched_tokens`). */
  readonly maxNumBatchedTokens: number;
  /** Split long prompts over steps and mix them with decodes (vLLM V1); off = prefill-first. */
  readonly enableChunkedPrefill: boolean;
  /** Longest prompt + output a request may have; longer prompts are rejected, outputs capped. */
  readonly maxModelLen: number;
  /** Longest prompt admitted, when shorter than the context (engines that run prompts whole). */
  readonly maxPromptTokens?: number;
  readonly blockSize: number;
  /** KV-cache blocks of the instance. */
  readonly totalKvBlocks: number;
  readonly parallel: ParallelConfig;
}

/** `pending` until the request's arrival time, then `waiting` or `rejected`. */
export type RequestStatus = 'pending' | 'waiting' | 'running' | 'finished' | 'aborted' | 'rejected';

/** Why a request was rejected at arrival. */
export type RejectReason = 'prompt-too-long';

/** A request as observers see it; times are simulated seconds, `NaN` until they happen. */
export interface RequestView {
  readonly id: string;
  readonly arrivalS: number;
  readonly inputTokens: number;
  /** Tokens the request will generate (its workload output length, capped by the context). */
  readonly targetOutputTokens: number;
  /** Tokens generated so far. */
  readonly outputTokens: number;
  readonly status: RequestStatus;
  readonly firstScheduledS: number;
  readonly firstTokenS: number;
  /** Time of the latest token. */
  readonly lastTokenS: number;
  /** Time of the token before the latest (for inter-token gaps). */
  readonly previousTokenS: number;
  readonly finishS: number;
  readonly preemptions: number;
}

/** Summary of one finished engine step, handed to observers at its end time. */
export interface StepView {
  readonly startS: number;
  readonly endS: number;
  readonly batch: BatchShape;
  /** Requests that received a token at `endS` (each exactly one). */
  readonly emitted: readonly RequestView[];
  /** Running and waiting requests after the step's results were applied. */
  readonly numRunning: number;
  readonly numWaiting: number;
  readonly kvUsedBlocks: number;
  readonly kvTotalBlocks: number;
}

/**
 * Receives lifecycle events. Calls happen in simulated-time order; views are live objects, valid
 * to read during the call (copy what you keep).
 */
export interface EngineObserver {
  requestArrive?(request: RequestView, timeS: number): void;
  requestReject?(request: RequestView, reason: RejectReason, timeS: number): void;
  requestSchedule?(request: RequestView, timeS: number): void;
  requestPreempt?(request: RequestView, timeS: number): void;
  stepEnd?(step: StepView): void;
  requestEnd?(request: RequestView, timeS: number): void;
}
