/**
 * @module The JSON the two completion endpoints send: whole responses and streaming chunks, for
 * chat (`chat.completion`, `chat.completion.chunk`) and text completions (`text_completion`).
 * Wire shapes live here, apart from the planning and timing code that fills them.
 */

import type { PlannedChoice, TokenLogprob } from './completion-plan.js';

/** Fields every response and chunk of one request shares. */
export interface ResponseMeta {
  readonly id: string;
  /** Unix seconds. */
  readonly created: number;
  readonly model: string;
}

export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

export function usageOf(promptTokens: number, completionTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

/** How one endpoint renders its output. */
export interface WireFormat {
  /** Prefix of response ids (`chatcmpl-`, `cmpl-`). */
  readonly idPrefix: string;
  /**
   * Chunks for token `tokenIndex` of `choice` (the first token also opens the choice, the last
   * carries `finish_reason`).
   */
  tokenChunks(meta: ResponseMeta, choice: PlannedChoice, tokenIndex: number): object[];
  /** The final chunk with usage and no choices (`stream_options.include_usage`). */
  usageChunk(meta: ResponseMeta, usage: Usage): object;
  /** The whole non-streaming response. */
  response(meta: ResponseMeta, choices: readonly PlannedChoice[], usage: Usage): object;
}

/** The fields that open every response and chunk. */
function envelope(meta: ResponseMeta, object: string) {
  return { id: meta.id, object, created: meta.created, model: meta.model };
}

/** The closing usage chunk of a stream: no choices. */
function usageChunkOf(meta: ResponseMeta, object: string, usage: Usage) {
  return { ...envelope(meta, object), choices: [], usage };
}

function utf8Bytes(text: string): number[] {
  return [...Buffer.from(text, 'utf8')];
}

function chatLogprobEntry(entry: TokenLogprob) {
  return {
    token: entry.token,
    logprob: entry.logprob,
    bytes: utf8Bytes(entry.token),
    top_logprobs: entry.top.map((alternative) => ({
      token: alternative.token,
      logprob: alternative.logprob,
      bytes: utf8Bytes(alternative.token),
    })),
  };
}

/** `/v1/chat/completions`. */
export const chatWireFormat: WireFormat = {
  idPrefix: 'chatcmpl-',
  tokenChunks(meta, choice, tokenIndex) {
    const echo = choice.echo;
    const chunk = (delta: object, last: boolean, logprobs: object | null) => ({
      ...envelope(meta, 'chat.completion.chunk'),
      choices: [
        {
          index: choice.index,
          delta,
          logprobs,
          finish_reason: last ? choice.finishReason : null,
          ...(last ? { stop_reason: choice.stopReason } : {}),
        },
      ],
    });
    const last = tokenIndex === choice.pieces.length - 1;
    const entry = choice.logprobs?.[tokenIndex];
    const logprobs = entry === undefined ? null : { content: [chatLogprobEntry(entry)] };
    const text = (tokenIndex === 0 ? echo : '') + (choice.pieces[tokenIndex] ?? '');
    const content = chunk({ content: text }, last, logprobs);
    return tokenIndex === 0
      ? [chunk({ role: 'assistant', content: '' }, false, null), content]
      : [content];
  },
  usageChunk: (meta, usage) => usageChunkOf(meta, 'chat.completion.chunk', usage),
  response(meta, choices, usage) {
    return {
      ...envelope(meta, 'chat.completion'),
      choices: choices.map((choice) => ({
        index: choice.index,
        message: {
          role: 'assistant',
          content: choice.echo + choice.pieces.join(''),
          refusal: null,
          tool_calls: [],
        },
        logprobs:
          choice.logprobs === undefined ? null : { content: choice.logprobs.map(chatLogprobEntry) },
        finish_reason: choice.finishReason,
        stop_reason: choice.stopReason,
      })),
      usage,
      system_fingerprint: null,
    };
  },
};

/** Completions-style logprobs of `entries`, offsets shifted by the echoed prompt's length. */
function textLogprobs(entries: readonly TokenLogprob[], echoLength: number) {
  return {
    tokens: entries.map((entry) => entry.token),
    token_logprobs: entries.map((entry) => entry.logprob),
    top_logprobs: entries.map((entry) =>
      Object.fromEntries(entry.top.map((alternative) => [alternative.token, alternative.logprob])),
    ),
    text_offset: entries.map((entry) => entry.textOffset + echoLength),
  };
}

/** `/v1/completions`. */
export const textWireFormat: WireFormat = {
  idPrefix: 'cmpl-',
  tokenChunks(meta, choice, tokenIndex) {
    const echo = choice.echo;
    const last = tokenIndex === choice.pieces.length - 1;
    const entry = choice.logprobs?.[tokenIndex];
    return [
      {
        ...envelope(meta, 'text_completion'),
        choices: [
          {
            index: choice.index,
            text: (tokenIndex === 0 ? echo : '') + (choice.pieces[tokenIndex] ?? ''),
            logprobs: entry === undefined ? null : textLogprobs([entry], echo.length),
            finish_reason: last ? choice.finishReason : null,
            stop_reason: last ? choice.stopReason : null,
          },
        ],
      },
    ];
  },
  usageChunk: (meta, usage) => usageChunkOf(meta, 'text_completion', usage),
  response(meta, choices, usage) {
    return {
      ...envelope(meta, 'text_completion'),
      choices: choices.map((choice) => ({
        index: choice.index,
        text: choice.echo + choice.pieces.join(''),
        logprobs:
          choice.logprobs === undefined ? null : textLogprobs(choice.logprobs, choice.echo.length),
        finish_reason: choice.finishReason,
        stop_reason: choice.stopReason,
      })),
      usage,
      system_fingerprint: null,
    };
  },
};
