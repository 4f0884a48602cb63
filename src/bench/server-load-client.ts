/**
 * @module The load client of `npm run bench:server`, on undici with kept-alive connections: one
 * request with its fate (ok, failed = an answer that is an error, lost = no complete answer), one
 * timed stream in the shape `stream-timing` compares with the simulator's timeline, and a
 * closed loop of N connections each sending its next request as soon as the last is answered.
 * Lean on purpose: client and server share the machine's cores, so every microsecond the client
 * spends is one the server does not get.
 */

import { performance } from 'node:perf_hooks';
import { type Dispatcher, request } from 'undici';
import { describeFailure } from './send-request.js';
import type { RequestFate } from './server-load-stats.js';
import { RequestTally } from './server-load-stats.js';
import { errorMessageOf, StreamObserver } from './stream-observer.js';
import type { ObservedStream } from './stream-timing.js';

/** Unix-epoch ms, on the clock `stream-timing` compares with the server's timelines. */
export function epochNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** One POST to send. */
export interface LoadRequest {
  /** Base URL, e.g. `http://127.0.0.1:8000`. */
  readonly url: string;
  readonly path: string;
  /** The JSON body, serialized once by the caller (the same body is sent many times). */
  readonly bodyText: string;
  readonly dispatcher: Dispatcher;
  readonly timeoutMs: number;
}

/** Most bytes of an error body read for its reason. */
const ERROR_BODY_BYTES = 2048;

/** The reason of an error answer: status plus the OpenAI error message when there is one. */
function failedReason(statusCode: number, text: string): string {
  let message = text.slice(0, 160).replace(/\s+/g, ' ').trim();
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    message = errorMessageOf(parsed.error ?? parsed);
  } catch {
    // Not JSON: the excerpt of the text stands.
  }
  return `HTTP ${statusCode}: ${message}`;
}

/** POSTs a load request's body, bounded by its timeout. */
function post(load: LoadRequest) {
  return request(`${load.url}${load.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: load.bodyText,
    dispatcher: load.dispatcher,
    signal: AbortSignal.timeout(load.timeoutMs),
  });
}

/** Sends one non-streaming request and reads its whole answer; never rejects. */
export async function sendWhole(load: LoadRequest): Promise<RequestFate> {
  let answered = false;
  try {
    const response = await post(load);
    const text = await response.body.text();
    answered = true;
    if (response.statusCode < 200 || response.statusCode >= 300) {
      return {
        kind: 'failed',
        reason: failedReason(response.statusCode, text.slice(0, ERROR_BODY_BYTES)),
      };
    }
    // A cheap check that the answer is a completion, not an empty or truncated body.
    if (!text.includes('"choices"')) {
      return {
        kind: 'failed',
        reason: `HTTP ${response.statusCode} without choices: ${text.slice(0, 80)}`,
      };
    }
    return { kind: 'ok' };
  } catch (error) {
    return answered
      ? { kind: 'failed', reason: describeFailure(error, load.timeoutMs) }
      : { kind: 'lost', reason: describeFailure(error, load.timeoutMs) };
  }
}

/** A stream's fate and, when it ended well, its token arrival times. */
export interface TimedStream {
  readonly fate: RequestFate;
  /** Set when `fate` is ok. */
  readonly observed: ObservedStream | null;
}

/**
 * Sends one streaming chat request (the body must ask for `stream: true`) and times every token
 * chunk; never rejects. A stream counts as answered when its body ends; it is ok when it ended
 * with `[DONE]`, carried no error event, and opened with its role chunk.
 */
export async function streamTimed(load: LoadRequest): Promise<TimedStream> {
  const sentMs = epochNowMs();
  let answered = false;
  try {
    const response = await post(load);
    if (response.statusCode !== 200) {
      const text = await response.body.text();
      answered = true;
      return {
        fate: {
          kind: 'failed',
          reason: failedReason(response.statusCode, text.slice(0, ERROR_BODY_BYTES)),
        },
        observed: null,
      };
    }
    const header = response.headers['x-request-id'];
    const requestId = typeof header === 'string' ? header : '';
    const observer = new StreamObserver();
    const decoder = new TextDecoder();
    let tail = '';
    for await (const bytes of response.body) {
      const text = decoder.decode(bytes as Uint8Array, { stream: true });
      observer.feed(text, epochNowMs());
      tail = (tail + text).slice(-64);
    }
    answered = true;
    const stream = observer.finish(epochNowMs());
    if (stream.error !== null)
      return { fate: { kind: 'failed', reason: stream.error }, observed: null };
    if (!tail.includes('data: [DONE]')) {
      return {
        fate: { kind: 'failed', reason: 'the stream ended without [DONE]' },
        observed: null,
      };
    }
    if (stream.chunkTimesMs.length === 0) {
      return { fate: { kind: 'failed', reason: 'the stream carried no chunk' }, observed: null };
    }
    // A chat stream opens with a role-only chunk sent with the first token's: tokens are the rest.
    return {
      fate: { kind: 'ok' },
      observed: { requestId, sentMs, tokenMs: stream.chunkTimesMs.slice(1) },
    };
  } catch (error) {
    const reason = describeFailure(error, load.timeoutMs);
    return {
      fate: answered ? { kind: 'failed', reason } : { kind: 'lost', reason },
      observed: null,
    };
  }
}

/** What a closed loop did. */
export interface ClosedLoopResult {
  readonly tally: RequestTally;
  /** From the first send to the last answer, s. */
  readonly elapsedS: number;
  /** Each request's time from sending to its settling, ms, in settling order. */
  readonly latenciesMs: readonly number[];
}

/**
 * Runs `connections` loops, each sending `load` again as soon as its last request settled,
 * until `durationS` has passed (requests in flight then are waited for, each bounded by the
 * request's own time limit).
 */
export async function runClosedLoop(options: {
  readonly load: LoadRequest;
  readonly connections: number;
  readonly durationS: number;
}): Promise<ClosedLoopResult> {
  const tally = new RequestTally();
  const startMs = performance.now();
  const endMs = startMs + options.durationS * 1000;
  const latenciesMs: number[] = [];
  const loop = async () => {
    for (let sentMs = performance.now(); sentMs < endMs; sentMs = performance.now()) {
      tally.sent();
      tally.settle(await sendWhole(options.load));
      latenciesMs.push(performance.now() - sentMs);
    }
  };
  await Promise.all(Array.from({ length: options.connections }, loop));
  return { tally, elapsedS: (performance.now() - startMs) / 1000, latenciesMs };
}
