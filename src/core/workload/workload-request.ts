/**
 * @module The unit of work a workload hands to the engine: one request with its arrival time and
 * its token counts. Traces and synthetic generators both produce these.
 */

/** One request of a workload. Times are simulated seconds from the start of the run. */
export interface WorkloadRequest {
  /** Stable identifier, unique within a workload (a trace's own id, or the index as text). */
  readonly id: string;
  /** Arrival time in simulated seconds, ≥ 0, non-decreasing along a workload. */
  readonly arrivalS: number;
  /** Prompt length in tokens, ≥ 1. */
  readonly inputTokens: number;
  /** Number of tokens the request generates before it ends, ≥ 1. */
  readonly outputTokens: number;
}
