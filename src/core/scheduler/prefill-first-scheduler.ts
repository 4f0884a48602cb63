/**
 * @module The policy without chunked prefill (vLLM V0's default): a step either prefills whole
 * prompts of waiting requests (when at least one fits) or decodes the running ones; the two never mix.
 */

import {
  remainingTokens,
  type Scheduler,
  type SchedulerLimits,
  type SchedulerRequest,
  type SchedulerState,
  scheduleRunning,
} from './scheduler.js';

export class PrefillFirstScheduler implements Scheduler {
  readonly kind = 'prefill-first';

  schedule<R extends SchedulerRequest>(state: SchedulerState<R>, limits: SchedulerLimits): void {
    let budget = limits.maxNumBatchedTokens;
    let admitted = 0;
    while (state.running.length < limits.maxNumSeqs) {
      const request = state.waiting.peekFront();
      if (request === undefined) break;
      const newTokens = remainingTokens(request);
      // Whole prompts only: a prompt that does not fit the remaining budget waits (FCFS).
      if (newTokens > budget) break;
      if (!state.kv.allocate(request, request.numComputedTokens + newTokens)) break;
      state.waiting.popFront();
      state.admit(request);
      state.schedule(request, newTokens);
      budget -= newTokens;
      admitted++;
    }
    if (admitted > 0) return;
    scheduleRunning(state, limits.maxNumBatchedTokens);
  }
}
