/**
 * @module The default policy, after vLLM V1's scheduler: running requests first (decodes and
 * unfinished prompt chunks), then waiting requests in FCFS order, all under one token budget, with
 * long prompts chunked across steps and mixed with decodes. Two options cover the in-flight
 * batching of other engines: whole prompts only (TensorRT-LLM without chunked context), and
 * admission that reserves KV for a request's whole output so running requests are never evicted
 * (TensorRT-LLM's default `GUARANTEED_NO_EVICT` capacity policy).
 */

import {
  remainingTokens,
  type Scheduler,
  type SchedulerLimits,
  type SchedulerRequest,
  type SchedulerState,
  scheduleRunning,
} from './scheduler.js';

export interface InFlightBatchingOptions {
  /** Split prompts across steps to fill the token budget (default true). */
  readonly chunkPrompts?: boolean;
  /** Admit a request only when KV for its prompt and whole output is free beyond what running requests will still need. */
  readonly reserveWholeOutput?: boolean;
}

export class VllmV1Scheduler implements Scheduler {
  readonly kind: string;
  private readonly chunkPrompts: boolean;
  private readonly reserveWholeOutput: boolean;

  constructor(options: InFlightBatchingOptions = {}) {
    this.chunkPrompts = options.chunkPrompts ?? true;
    this.reserveWholeOutput = options.reserveWholeOutput ?? false;
    this.kind =
      this.chunkPrompts && !this.reserveWholeOutput
        ? 'vllm-v1'
        : `in-flight${this.chunkPrompts ? '' : ' whole-prompt'}${this.reserveWholeOutput ? ' no-evict' : ''}`;
  }

  schedule<R extends SchedulerRequest>(state: SchedulerState<R>, limits: SchedulerLimits): void {
    const running = scheduleRunning(state, limits.maxNumBatchedTokens);
    // As in vLLM V1, a step that had to preempt admits nothing new.
    if (running.preempted) return;
    let budget = running.tokenBudget;
    let headroom = this.reserveWholeOutput ? this.unreservedBlocks(state) : 0;
    while (budget > 0 && state.running.length < limits.maxNumSeqs) {
      const request = state.waiting.peekFront();
      if (request === undefined) break;
      const remaining = remainingTokens(request);
      // Without chunking a prompt that does not fit the rest of the budget waits (FCFS).
      if (!this.chunkPrompts && remaining > budget) break;
      const newTokens = Math.min(remaining, budget);
      if (this.reserveWholeOutput) {
        const needed = state.kv.blocksFor(request.inputTokens + request.targetOutputTokens);
        if (needed > headroom) break;
        headroom -= needed;
      }
      if (!state.kv.allocate(request, request.numComputedTokens + newTokens)) break;
      state.waiting.popFront();
      state.admit(request);
      state.schedule(request, newTokens);
      budget -= newTokens;
    }
  }

  /** Free blocks minus those the running requests will still allocate to finish. */
  private unreservedBlocks<R extends SchedulerRequest>(state: SchedulerState<R>): number {
    let owed = 0;
    for (const request of state.running) {
      const total = state.kv.blocksFor(request.inputTokens + request.targetOutputTokens);
      owed += Math.max(0, total - request.allocatedBlocks);
    }
    return state.kv.freeBlocks - owed;
  }
}
