/**
 * @module The scheduler interface: a policy that, once per engine step, picks which requests run and
 * how many tokens each processes, admitting and preempting through the engine's callbacks.
 */

import type { KvBlockHolder, KvBlockManager } from '../kv-cache/block-manager.js';
import type { Deque } from './deque.js';

/** What a policy may read of a request. */
export interface SchedulerRequest extends KvBlockHolder {
  readonly inputTokens: number;
  /** Tokens generated so far; they join the context the model must have computed. */
  readonly outputTokens: number;
  /** Context tokens whose KV is computed or scheduled (advanced when a chunk is scheduled). */
  readonly numComputedTokens: number;
  /** Tokens it will generate in all (its `max_tokens`); policies that reserve KV ahead read it. */
  readonly targetOutputTokens: number;
}

/** The engine state a policy works on, and the three actions it may take. */
export interface SchedulerState<R extends SchedulerRequest> {
  /** Running requests in admission order; a policy may pop victims from the end. */
  readonly running: R[];
  /** Waiting requests, front first; preempted requests are put back at the front. */
  readonly waiting: Deque<R>;
  readonly kv: KvBlockManager;
  /** Preempts by recompute a request the policy has already removed from `running`. */
  preempt(request: R): void;
  /** Moves the front waiting request, which the policy has just popped, to the end of `running`. */
  admit(request: R): void;
  /** Puts `newTokens` tokens of `request` into this step's batch (its KV slots are allocated). */
  schedule(request: R, newTokens: number): void;
}

/** Per-step limits (vLLM `max_num_seqs`, `max_num_batched_tokens`). */
export interface SchedulerLimits {
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens: number;
}

export interface Scheduler {
  /** Policy name, e.g. `vllm-v1`. */
  readonly kind: string;
  /** Fills one step's batch through `state.schedule`; schedules nothing when nothing can run. */
  schedule<R extends SchedulerRequest>(state: SchedulerState<R>, limits: SchedulerLimits): void;
}

/** Tokens of `request` still to compute before it can sample its next token. */
export function remainingTokens(request: SchedulerRequest): number {
  return request.inputTokens + request.outputTokens - request.numComputedTokens;
}

/**
 * Schedules running requests in order, each its remaining tokens up to the budget. When a request
 * needs a KV block and none is free, the last running request is preempted (recompute), repeatedly,
 * until the allocation fits or the request itself was the victim. Returns the budget left and
 * whether anything was preempted. Both policies share this pass.
 */
export function scheduleRunning<R extends SchedulerRequest>(
  state: SchedulerState<R>,
  tokenBudget: number,
): { readonly tokenBudget: number; readonly preempted: boolean } {
  const running = state.running;
  let budget = tokenBudget;
  let preempted = false;
  let index = 0;
  while (index < running.length && budget > 0) {
    const request = running[index] as R;
    const newTokens = Math.min(remainingTokens(request), budget);
    // Zero when its previous step is still in flight (pipeline parallelism).
    if (newTokens <= 0) {
      index++;
      continue;
    }
    let schedulable = true;
    while (!state.kv.allocate(request, request.numComputedTokens + newTokens)) {
      const victim = running.pop() as R;
      state.preempt(victim);
      preempted = true;
      if (victim === request) {
        schedulable = false;
        break;
      }
    }
    if (!schedulable) break;
    state.schedule(request, newTokens);
    budget -= newTokens;
    index++;
  }
  return { tokenBudget: budget, preempted };
}
