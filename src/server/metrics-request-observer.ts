/**
 * @module Feeds vLLM's counters and histograms from one live engine's events, with vLLM V1's
 * definitions (vllm/v1/metrics/stats.py, IterationStats, at the commit metrics-families.ts names):
 *
 * - a step's outputs: each request emitting its first token adds its whole prompt to
 *   `prompt_tokens_total` (once: a preempted request's recomputed prompt is not counted again, as
 *   vLLM's output processor stops counting once a request has produced output) and observes
 *   TTFT = first token − arrival; every later token observes one inter-token gap = this token −
 *   the request's previous token. `iteration_tokens_total` observes prompt + generated tokens of
 *   each step that produced at least one token (vLLM records no iteration without outputs).
 * - a request's end (finished or aborted; rejected requests never reach vLLM's engine): success
 *   count by reason, e2e = end − arrival, prompt and output token counts; queue time = first
 *   scheduling − arrival if it was scheduled; prefill = first token − first scheduling, decode =
 *   last token − first token, inference = last token − first scheduling if it produced a token;
 *   per-request TPOT = decode / (tokens − 1) if it produced two or more.
 *
 * Times are simulated seconds. The engine's arrival is both vLLM's frontend arrival and its
 * engine-core QUEUED time (no transport delay is simulated).
 */

import type { RequestView, StepView } from '../core/engine/engine-types.js';
import type { LiveEngineObserver, RequestOutcome } from './live-engine.js';
import type { EngineLabel, VllmMetricFamilies } from './metrics-families.js';

/** An observer that records one engine's events under `labels`. */
export function requestMetricsObserver(
  families: VllmMetricFamilies,
  labels: Readonly<Record<EngineLabel, string>>,
): LiveEngineObserver {
  // Bound children: no label hashing per observation.
  const ttft = families.timeToFirstToken.labels(labels);
  const itl = families.interTokenLatency.labels(labels);
  const tpotAlias = families.timePerOutputToken.labels(labels);
  return {
    requestPreempt: () => {
      families.preemptions.inc(labels);
    },
    stepEnd: (step: StepView) => {
      if (step.emitted.length === 0) return;
      let promptTokens = 0;
      for (const request of step.emitted) {
        if (request.outputTokens === 1) {
          promptTokens += request.inputTokens;
          ttft.observe(request.firstTokenS - request.arrivalS);
        } else {
          const gapS = request.lastTokenS - request.previousTokenS;
          itl.observe(gapS);
          tpotAlias.observe(gapS);
        }
      }
      if (promptTokens > 0) families.promptTokens.inc(labels, promptTokens);
      families.generationTokens.inc(labels, step.emitted.length);
      families.iterationTokens.observe(labels, promptTokens + step.emitted.length);
    },
    requestOutcome: (request: RequestView, outcome: RequestOutcome, timeS: number) => {
      if (outcome === 'rejected') return;
      observeFinished(families, labels, { request, outcome, timeS });
    },
  };
}

function observeFinished(
  families: VllmMetricFamilies,
  labels: Readonly<Record<EngineLabel, string>>,
  finished: {
    readonly request: RequestView;
    readonly outcome: 'stop' | 'length' | 'abort';
    readonly timeS: number;
  },
): void {
  const { request, outcome, timeS } = finished;
  families.requestSuccess.inc({ ...labels, finished_reason: outcome });
  families.e2eRequestLatency.observe(labels, timeS - request.arrivalS);
  families.requestPromptTokens.observe(labels, request.inputTokens);
  families.requestGenerationTokens.observe(labels, request.outputTokens);
  families.requestMaxGenerationTokens.observe(labels, request.outputTokens);
  families.requestParamsN.observe(labels, 1);
  if (Number.isNaN(request.firstScheduledS)) return;
  families.requestQueueTime.observe(labels, request.firstScheduledS - request.arrivalS);
  if (request.outputTokens === 0) return;
  const decodeS = request.lastTokenS - request.firstTokenS;
  families.requestPrefillTime.observe(labels, request.firstTokenS - request.firstScheduledS);
  families.requestDecodeTime.observe(labels, decodeS);
  families.requestInferenceTime.observe(labels, request.lastTokenS - request.firstScheduledS);
  if (request.outputTokens > 1) {
    families.requestTimePerOutputToken.observe(labels, decodeS / (request.outputTokens - 1));
  }
}
