/**
 * @module Runs a planned completion through its model's live engine and delivers it at simulated
 * times: as SSE chunks, one per token when the engine emits it, or as one response when the last
 * choice ends. A client that goes away (or stops reading until its buffer overflows) aborts its
 * engine requests, which frees their KV blocks; a shutdown or an injected fault ends the request
 * with an OpenAI-shaped error (an error event in a stream).
 */

import type { ServerResponse } from 'node:http';
import type { RequestView } from '../core/engine/engine-types.js';
import { ApiError } from './api-error.js';
import type { PlannedChoice } from './completion-plan.js';
import { type InjectedFault, injectedStreamError } from './fault-injection.js';
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
  /** An injected `stream-error` or `stall` (`none` otherwise). */
  readonly fault: InjectedFault;
  /** Registers the handler called when the server stops waiting at shutdown; returns its cancel. */
  readonly onShutdown: (handler: () => void) => () => void;
  /** Bytes a stream may have queued for a socket that does not read before it is cut off. */
  readonly maxBufferedBytes: number;
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

/** Why a session ended before its choices ran their course. */
type Interruption =
  | 'client-gone'
  /** The socket's send buffer outgrew `maxBufferedBytes`: the reader stopped reading. */
  | 'overflow'
  | 'stream-error'
  | 'stall'
  /** The server gave up waiting for it at shutdown (or its engine was closed under it). */
  | 'shutdown';

/** The error a request ended by the server's shutdown gets, in a stream or as its response. */
function shutdownError(): ApiError {
  return new ApiError({
    statusCode: 503,
    type: 'server_error',
    message: 'The server is shutting down; the request was aborted.',
    code: 'service_unavailable',
  });
}

/**
 * Submits every choice to the engine. Streaming writes to `raw` as tokens come and resolves
 * `undefined` when done; otherwise resolves the response at the simulated end, or `undefined`
 * when the client went away first (or the request stalled by injection and was never answered).
 */
export function runCompletionSession(
  options: CompletionSessionOptions,
  raw: ServerResponse,
): Promise<CompletionResult | undefined> {
  const { engine, meta, choices, format, promptTokens, fault } = options;
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
  let interruption: Interruption | undefined;
  let settled = false;
  // The first choice's token after which an injected fault strikes.
  const faultAfter =
    fault.kind === 'stream-error' || fault.kind === 'stall'
      ? Math.floor(fault.afterFraction * (choices[0]?.pieces.length ?? 0))
      : -1;

  return new Promise((resolve) => {
    const settle = (result: CompletionResult | undefined) => {
      if (settled) return;
      settled = true;
      raw.off('close', onClose);
      cancelShutdown();
      resolve(result);
    };
    const write = (payload: object | string) => {
      if (interruption !== undefined || raw.destroyed) return;
      raw.write(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
      // Node buffers what the socket cannot take yet: that memory is bounded per socket, and
      // other streams never wait on it (nothing here awaits a drain).
      if (raw.writableLength > options.maxBufferedBytes) interrupt('overflow');
    };
    /** Ends a stream with an error event, as vLLM does: the error, then `[DONE]`. */
    const endWithError = (error: ApiError) => {
      if (!raw.destroyed) {
        raw.write(`data: ${JSON.stringify(error.toBody())}\n\ndata: [DONE]\n\n`);
        raw.end();
      }
    };
    const abortViews = () => {
      for (const view of views) engine.abort(view);
    };
    /** Stops the session; the views are aborted once the synchronous engine callbacks are done. */
    const interrupt = (reason: Interruption) => {
      if (interruption !== undefined) return;
      interruption = reason;
      queueMicrotask(abortViews);
    };
    const onClose = () => {
      if (raw.writableFinished) return;
      if (interruption === 'stall' && ended === choices.length) {
        settle(undefined);
        return;
      }
      interruption = 'client-gone';
      abortViews();
    };
    const onShutdown = () => {
      if (interruption === 'stall' && ended === choices.length) {
        interruption = 'shutdown';
        answerInterrupted();
        return;
      }
      interrupt('shutdown');
    };
    raw.on('close', onClose);
    const cancelShutdown = options.onShutdown(onShutdown);

    if (options.stream) {
      raw.writeHead(200, { ...options.replyHeaders, ...SSE_HEADERS, 'x-request-id': meta.id });
      raw.flushHeaders();
    }

    /** Answers a request that did not run its course, by why. */
    const answerInterrupted = () => {
      switch (interruption) {
        case 'stall':
          return; // silent until the client leaves or the server shuts down
        case 'client-gone':
          settle(undefined);
          return;
        case 'overflow':
          raw.destroy();
          settle(undefined);
          return;
        default: {
          const error = interruption === 'stream-error' ? injectedStreamError() : shutdownError();
          if (options.stream) {
            endWithError(error);
            settle(undefined);
          } else {
            settle({ statusCode: error.statusCode, body: error.toBody(), headers: {} });
          }
        }
      }
    };

    const finishAll = () => {
      const timeline = timelineOf();
      // Requests aborted by someone else (the engine closed under them) count as a shutdown.
      if (interruption === undefined && timelineChoices.some((c) => c.status === 'aborted')) {
        interruption = 'shutdown';
      }
      if (interruption !== undefined) {
        answerInterrupted();
        return;
      }
      if (options.stream) {
        if (options.includeUsage) {
          write(format.usageChunk(meta, usageOf(promptTokens, completionTokens)));
        }
        write('[DONE]');
        raw.end();
        settle(undefined);
        return;
      }
      settle({
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
            if (position === 0 && tokenIndex === faultAfter) {
              interrupt(fault.kind === 'stall' ? 'stall' : 'stream-error');
            }
            if (interruption !== undefined) return;
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
