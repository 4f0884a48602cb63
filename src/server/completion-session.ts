/**
 * @module Runs a planned completion through its model's live engine and delivers it at simulated
 * times: as SSE chunks, one per token when the engine emits it, or as one response when the last
 * choice ends. A client that goes away aborts its engine requests, which frees their KV blocks.
 */

import type { ServerResponse } from 'node:http';
import type { RequestView } from '../core/engine/engine-types.js';
import { ApiError } from './api-error.js';
import type { PlannedChoice } from './completion-plan.js';
import type { LiveEngine } from './live-engine.js';
import {
  type ChoiceTimeline,
  figuresOf,
  type RequestTimeline,
  type RequestTimelines,
} from './request-timelines.js';
import { type ResponseMeta, usageOf, type WireFormat } from './wire-format.js';

/** What a session needs. */
export interface CompletionSessionOptions {
  readonly engine: LiveEngine;
  readonly meta: ResponseMeta;
  /** Prompt tokens of the whole request (for `usage`): each prompt counted once. */
  readonly promptTokens: number;
  /** Wall ms since the server received the request (for the timeline). */
  readonly handlingMs: number;
  readonly choices: readonly PlannedChoice[];
  /** Prompt tokens the engine prefills for each choice (same order as `choices`). */
  readonly choicePromptTokens: readonly number[];
  readonly format: WireFormat;
  readonly timelines: RequestTimelines;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  /** vLLM's `continuous_usage_stats`: usage on every chunk. */
  readonly continuousUsage: boolean;
  /** Headers already set on the reply (CORS), sent with a stream's own headers. */
  readonly replyHeaders: Readonly<Record<string, string | number | string[] | undefined>>;
}

/** A finished non-streaming completion: status, body and timing headers. */
export interface CompletionResult {
  readonly statusCode: number;
  readonly body: object;
  readonly headers: Record<string, string>;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** Response headers with the simulated timings of a finished request. */
export function timingHeaders(timeline: RequestTimeline): Record<string, string> {
  const figures = figuresOf(timeline);
  const headers: Record<string, string> = { 'x-request-id': timeline.id };
  const put = (name: string, value: number | null) => {
    if (value !== null) headers[`x-llmservingsim-${name}`] = value.toFixed(3);
  };
  put('queue-ms', figures.queueMs);
  put('ttft-ms', figures.ttftMs);
  put('tpot-ms', figures.tpotMs);
  put('e2e-ms', figures.e2eMs);
  headers['x-llmservingsim-preemptions'] = String(
    timeline.choices.reduce((sum, choice) => sum + choice.preemptions, 0),
  );
  return headers;
}

/**
 * Submits every choice to the engine. Streaming writes to `raw` as tokens come and resolves
 * `undefined` when done; otherwise resolves the response at the simulated end, or `undefined`
 * when the client went away first.
 */
export function runCompletionSession(
  options: CompletionSessionOptions,
  raw: ServerResponse,
): Promise<CompletionResult | undefined> {
  const { engine, meta, choices, format, promptTokens } = options;
  const timelineChoices: ChoiceTimeline[] = choices.map((choice) => ({
    index: choice.index,
    status: 'waiting',
    firstScheduledS: null,
    firstTokenS: null,
    finishS: null,
    preemptions: 0,
    tokenTimesS: [],
  }));
  const views: RequestView[] = [];
  // A short request can finish inside `engine.submit` (the engine catches up with the clock
  // after the arrival), before its view is stored: the callbacks record the arrival too.
  let firstArrivalS: number | undefined;
  let ended = 0;
  let completionTokens = 0;
  let clientGone = false;
  let aborted = false;

  return new Promise((resolve) => {
    const write = (payload: object | string) => {
      if (clientGone || raw.destroyed) return;
      raw.write(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
    };
    const onClose = () => {
      if (raw.writableFinished) return;
      clientGone = true;
      for (const view of views) engine.abort(view);
    };
    raw.on('close', onClose);

    if (options.stream) {
      raw.writeHead(200, { ...options.replyHeaders, ...SSE_HEADERS, 'x-request-id': meta.id });
      raw.flushHeaders();
    }

    const finishAll = () => {
      raw.off('close', onClose);
      const timeline = timelineOf();
      if (clientGone) {
        resolve(undefined);
        return;
      }
      if (options.stream) {
        if (!aborted && options.includeUsage) {
          write(format.usageChunk(meta, usageOf(promptTokens, completionTokens)));
        }
        if (!aborted) write('[DONE]');
        raw.end();
        resolve(undefined);
        return;
      }
      if (aborted) {
        resolve({
          statusCode: 503,
          body: new ApiError({
            statusCode: 503,
            type: 'server_error',
            message: 'The server is shutting down; the request was aborted.',
          }).toBody(),
          headers: {},
        });
        return;
      }
      resolve({
        statusCode: 200,
        body: format.response(meta, choices, usageOf(promptTokens, completionTokens)),
        headers: timingHeaders(timeline),
      });
    };

    let timelineRecord: RequestTimeline | undefined;
    const timelineOf = (): RequestTimeline => {
      timelineRecord ??= {
        id: meta.id,
        model: meta.model,
        stream: options.stream,
        arrivalS: views[0]?.arrivalS ?? firstArrivalS ?? 0,
        promptTokens,
        handlingMs: options.handlingMs,
        choices: timelineChoices,
      };
      return timelineRecord;
    };

    choices.forEach((choice, position) => {
      const timeline = timelineChoices[position] as ChoiceTimeline;
      const view = engine.submit(
        {
          inputTokens: options.choicePromptTokens[position] as number,
          outputTokens: choice.pieces.length,
          finishReason: choice.finishReason,
        },
        {
          token(request, timeS) {
            if (position === 0) firstArrivalS ??= request.arrivalS;
            const tokenIndex = request.outputTokens - 1;
            timeline.tokenTimesS.push(timeS);
            timeline.firstTokenS ??= timeS;
            timeline.firstScheduledS ??= request.firstScheduledS;
            completionTokens++;
            if (!options.stream) return;
            const usage = options.continuousUsage
              ? usageOf(promptTokens, completionTokens)
              : undefined;
            for (const chunk of format.tokenChunks(meta, choice, tokenIndex)) {
              write(usage === undefined ? chunk : { ...chunk, usage });
            }
          },
          end(request, timeS) {
            if (position === 0) firstArrivalS ??= request.arrivalS;
            timeline.status = request.status;
            timeline.finishS = timeS;
            timeline.firstScheduledS = Number.isNaN(request.firstScheduledS)
              ? null
              : request.firstScheduledS;
            timeline.preemptions = request.preemptions;
            if (request.status !== 'finished') aborted = true;
            ended++;
            if (ended === choices.length) finishAll();
          },
        },
      );
      views.push(view);
      if (position === 0) options.timelines.add(timelineOf());
    });
  });
}
