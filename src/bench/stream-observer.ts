/**
 * @module What a client sees of one OpenAI streaming response, timed as vLLM's benchmark times
 * it (`async_request_openai_chat_completions` / `_completions` in
 * vllm/benchmarks/lib/endpoint_request_func.py): every `data:` event whose JSON has a non-empty
 * `choices` counts as a chunk (the role-only opening chunk of a chat stream too), the first one
 * fixes TTFT and each later one adds a gap to ITL; the request ends at the last chunk with
 * choices, not at the usage chunk or `[DONE]`; a chunk without choices but with `usage` gives the
 * token counts. SSE comments are skipped. Malformed JSON fails the request, as it does in vLLM.
 */

import { createParser, type EventSourceParser } from 'eventsource-parser';

/** The counts of a `usage` object. */
export interface ObservedUsage {
  readonly promptTokens: number | null;
  readonly completionTokens: number | null;
}

/** A stream as observed; times in milliseconds on the caller's clock. */
export interface ObservedStream {
  /** Arrival of each chunk with choices, in order. */
  readonly chunkTimesMs: readonly number[];
  readonly generatedText: string;
  readonly usage: ObservedUsage | null;
  /** The first `id` a chunk carried. */
  readonly responseId: string | null;
  /** Why the stream cannot be used, or null. */
  readonly error: string | null;
}

interface ChunkShape {
  id?: unknown;
  choices?: unknown;
  usage?: unknown;
  error?: unknown;
}

/** The text a choice adds: chat `delta.content` or completions `text`. */
function textOfChoice(choice: unknown): string {
  if (typeof choice !== 'object' || choice === null) return '';
  const { delta, text, message } = choice as { delta?: unknown; text?: unknown; message?: unknown };
  if (typeof text === 'string') return text;
  const holder = delta ?? message;
  if (typeof holder === 'object' && holder !== null) {
    const content = (holder as { content?: unknown }).content;
    if (typeof content === 'string') return content;
  }
  return '';
}

/** `usage` as counts, or null when absent. */
export function usageOf(value: unknown): ObservedUsage | null {
  if (typeof value !== 'object' || value === null) return null;
  const { prompt_tokens: prompt, completion_tokens: completion } = value as {
    prompt_tokens?: unknown;
    completion_tokens?: unknown;
  };
  return {
    promptTokens: typeof prompt === 'number' ? prompt : null,
    completionTokens: typeof completion === 'number' ? completion : null,
  };
}

/** The message of an OpenAI error envelope (`{error: {message}}`), or a short JSON excerpt. */
export function errorMessageOf(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    const message = (value as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return JSON.stringify(value).slice(0, 200);
}

/** Feeds response text in as it arrives; `finish` returns what was observed. */
export class StreamObserver {
  private readonly parser: EventSourceParser;
  private readonly chunkTimesMs: number[] = [];
  private generatedText = '';
  private usage: ObservedUsage | null = null;
  private responseId: string | null = null;
  private error: string | null = null;
  private nowMs = 0;

  constructor() {
    this.parser = createParser({ onEvent: (event) => this.onData(event.data) });
  }

  /** Adds text that arrived at `atMs`. */
  feed(text: string, atMs: number): void {
    this.nowMs = atMs;
    if (this.error === null) this.parser.feed(text);
  }

  /** Ends the stream at `atMs` (a last event without its blank line still counts). */
  finish(atMs: number): ObservedStream {
    this.nowMs = atMs;
    // A blank line dispatches a last event the server did not terminate (vLLM accepts one
    // whose JSON is complete); after a terminated event it dispatches nothing.
    if (this.error === null) this.parser.feed('\n\n');
    return {
      chunkTimesMs: this.chunkTimesMs,
      generatedText: this.generatedText,
      usage: this.usage,
      responseId: this.responseId,
      error: this.error,
    };
  }

  private onData(data: string): void {
    if (this.error !== null) return;
    const payload = data.trim();
    if (payload === '' || payload === '[DONE]') return;
    let chunk: ChunkShape;
    try {
      chunk = JSON.parse(payload) as ChunkShape;
    } catch {
      this.error = `malformed stream chunk: ${payload.slice(0, 120)}`;
      return;
    }
    if (typeof chunk !== 'object' || chunk === null) {
      this.error = `malformed stream chunk: ${payload.slice(0, 120)}`;
      return;
    }
    if (this.responseId === null && typeof chunk.id === 'string') this.responseId = chunk.id;
    if (chunk.error !== undefined && chunk.error !== null) {
      this.error = `error in stream: ${errorMessageOf(chunk.error)}`;
      return;
    }
    if (Array.isArray(chunk.choices) && chunk.choices.length > 0) {
      this.chunkTimesMs.push(this.nowMs);
      this.generatedText += textOfChoice(chunk.choices[0]);
    } else {
      const usage = usageOf(chunk.usage);
      if (usage !== null) this.usage = usage;
    }
  }
}
