/**
 * @module Sends one benchmark request with undici and times it: streaming responses through
 * `StreamObserver` (vLLM's chunk timing), non-streaming ones as vLLM times its non-streaming
 * requests (`_run_pooling_request` in vllm/benchmarks/lib/endpoint_request_func.py: TTFT = E2EL =
 * the time until the whole body has arrived, no ITL). Every failure (HTTP status, timeout,
 * connection, malformed body) becomes an error text on the outcome; nothing is thrown.
 */

import { performance } from 'node:perf_hooks';
import { type Dispatcher, request } from 'undici';
import type { BenchRequestRecord, OutputTokenSource } from './bench-types.js';
import { errorMessageOf, StreamObserver, usageOf } from './stream-observer.js';

/** One request to send. */
export interface OutgoingRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
  readonly stream: boolean;
  readonly timeoutMs: number;
  readonly dispatcher: Dispatcher;
  /** Tokens of generated text, for servers that report no usage. */
  readonly countOutputTokens: (text: string) => number;
}

/** The timing and counts of one request as the client saw it (times in seconds). */
export type RequestOutcome = Omit<
  BenchRequestRecord,
  'index' | 'arrivalS' | 'sendS' | 'plannedInputTokens'
> & {
  /** `performance.now()` when the request was sent, ms. */
  readonly sentMs: number;
};

/** Most bytes of an error body kept for its message. */
const ERROR_BODY_BYTES = 4096;

function failed(sentMs: number, error: string, responseId: string | null = null): RequestOutcome {
  return {
    sentMs,
    responseId,
    serverPromptTokens: null,
    outputTokens: 0,
    outputTokensSource: 'none',
    ttftS: 0,
    itlS: [],
    e2elS: 0,
    success: false,
    error,
  };
}

/** A one-line description of a thrown error (undici puts the socket error in `cause`). */
export function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') {
      return `timed out after ${timeoutMs / 1000} s`;
    }
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`.split('\n')[0] as string;
  }
  return String(error);
}

/** The message of an error response body. */
async function errorBodyText(body: Dispatcher.ResponseData['body']): Promise<string> {
  let text = '';
  for await (const bytes of body) {
    text += Buffer.from(bytes as Uint8Array).toString('utf8');
    if (text.length >= ERROR_BODY_BYTES) break;
  }
  body.destroy();
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
    return errorMessageOf(parsed.error ?? parsed);
  } catch {
    return text.slice(0, 200).replace(/\s+/g, ' ').trim();
  }
}

function countOf(
  completionTokens: number | null | undefined,
  text: string,
  count: (text: string) => number,
): { outputTokens: number; outputTokensSource: OutputTokenSource } {
  // vLLM falls back to the tokenizer when the usage count is missing or 0.
  if (completionTokens !== null && completionTokens !== undefined && completionTokens > 0) {
    return { outputTokens: completionTokens, outputTokensSource: 'usage' };
  }
  return { outputTokens: count(text), outputTokensSource: 'tokenizer' };
}

async function readStream(
  body: Dispatcher.ResponseData['body'],
  sentMs: number,
  headerId: string | null,
  count: (text: string) => number,
): Promise<RequestOutcome> {
  const observer = new StreamObserver();
  const decoder = new TextDecoder();
  for await (const bytes of body) {
    observer.feed(decoder.decode(bytes as Uint8Array, { stream: true }), performance.now());
  }
  const observed = observer.finish(performance.now());
  const responseId = headerId ?? observed.responseId;
  if (observed.error !== null) return failed(sentMs, observed.error, responseId);
  const times = observed.chunkTimesMs;
  const first = times[0];
  if (first === undefined) {
    return failed(sentMs, 'the stream carried no chunk with choices', responseId);
  }
  const itlS: number[] = [];
  for (let index = 1; index < times.length; index++) {
    itlS.push(((times[index] as number) - (times[index - 1] as number)) / 1000);
  }
  return {
    sentMs,
    responseId,
    serverPromptTokens: observed.usage?.promptTokens ?? null,
    ...countOf(observed.usage?.completionTokens, observed.generatedText, count),
    ttftS: (first - sentMs) / 1000,
    itlS,
    e2elS: ((times.at(-1) as number) - sentMs) / 1000,
    success: true,
    error: '',
  };
}

async function readWhole(
  body: Dispatcher.ResponseData['body'],
  sentMs: number,
  headerId: string | null,
  count: (text: string) => number,
): Promise<RequestOutcome> {
  const text = await body.text();
  const endMs = performance.now();
  let parsed: { id?: unknown; choices?: unknown; usage?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return failed(sentMs, `malformed response body: ${text.slice(0, 120)}`, headerId);
  }
  const responseId = headerId ?? (typeof parsed.id === 'string' ? parsed.id : null);
  if (!Array.isArray(parsed.choices) || parsed.choices.length === 0) {
    return failed(sentMs, 'the response carried no choices', responseId);
  }
  const choice = parsed.choices[0] as { text?: unknown; message?: { content?: unknown } };
  const generated =
    typeof choice.text === 'string'
      ? choice.text
      : typeof choice.message?.content === 'string'
        ? choice.message.content
        : '';
  const usage = usageOf(parsed.usage);
  const e2elS = (endMs - sentMs) / 1000;
  return {
    sentMs,
    responseId,
    serverPromptTokens: usage?.promptTokens ?? null,
    ...countOf(usage?.completionTokens, generated, count),
    ttftS: e2elS,
    itlS: [],
    e2elS,
    success: true,
    error: '',
  };
}

/** Sends `outgoing` and resolves its outcome; never rejects. */
export async function sendRequest(outgoing: OutgoingRequest): Promise<RequestOutcome> {
  const sentMs = performance.now();
  try {
    const response = await request(outgoing.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...outgoing.headers },
      body: JSON.stringify(outgoing.body),
      dispatcher: outgoing.dispatcher,
      signal: AbortSignal.timeout(outgoing.timeoutMs),
    });
    const header = response.headers['x-request-id'];
    const headerId = typeof header === 'string' ? header : null;
    if (response.statusCode !== 200) {
      const message = await errorBodyText(response.body);
      return failed(sentMs, `HTTP ${response.statusCode}: ${message}`, headerId);
    }
    return outgoing.stream
      ? await readStream(response.body, sentMs, headerId, outgoing.countOutputTokens)
      : await readWhole(response.body, sentMs, headerId, outgoing.countOutputTokens);
  } catch (error) {
    return failed(sentMs, describeFailure(error, outgoing.timeoutMs));
  }
}
