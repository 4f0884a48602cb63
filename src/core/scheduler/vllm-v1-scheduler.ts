/**
 * @module The default policy, after vLLM V1's scheduler: running requests first (decodes and
 * unfinished prompt chunks), then waiting requests in FCFS order, all under one token budget, with
 * long prompts chunked across steps and mixed with decodes.
 */

import {
  remainingTokens,
  type Scheduler,
  type SchedulerLimits,
  type SchedulerRequest,
  type SchedulerState,
  scheduleRunning,
} from './scheduler.js';

export class VllmV1Scheduler implements Scheduler {
  readonly kind = 'vllm-v1';

  schedule<R extends SchedulerRequest>(state: SchedulerState<R>, limits: SchedulerLimits): void {
    const running = scheduleRunning(state, limits.maxNumBatchedTokens);
    // As in vLLM V1, a step that had to preempt admits nothing new.
    if (running.preempted) return;
    let budget = running.tokenBudget;
    while (budget > 0 && state.running.length < limits.maxNumSeqs) {
      const request = state.waiting.peekFront();
      if (request === undefined) break;
      const newTokens = Math.min(remainingTokens(request), budget);
      if (!state.kv.allocate(request, request.numComputedTokens + newTokens)) break;
      state.waiting.popFront();
      state.admit(request);
      state.schedule(request, newTokens);
      budget -= newTokens;
    }
  }
}
