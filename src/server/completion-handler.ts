/**
 * @module The request path both completion endpoints share once their prompts are counted:
 * pick the model, check the context window and the waiting queue, plan every choice, run the
 * session, and answer (as a stream, a response, or an OpenAI-shaped error).
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LengthDistribution } from '../core/workload/length-distribution.js';
import { createRandomStream } from '../core/workload/random.js';
import { invalidRequest, queueFull } from './api-error.js';
import { completionBudget, type PlannedChoice, planChoice } from './completion-plan.js';
import { runCompletionSession } from './completion-session.js';
import { type FaultSettings, faultFor, type InjectedFault } from './fault-injection.js';
import type { CommonRequestFields } from './openai-schemas.js';
import type { RequestTimelines } from './request-timelines.js';
import type { ServedModel } from './served-model.js';
import type { ServerLifecycle } from './server-lifecycle.js';
import { echoText, tokenPieces } from './synthetic-text.js';
import type { ResponseMeta, WireFormat } from './wire-format.js';

/** How replies are made up: prose-like words, or the prompt repeated. */
export type ResponseMode = 'lorem' | 'echo';

/** Server-wide settings the completion path reads. */
export interface CompletionSettings {
  readonly outputLength: LengthDistribution;
  readonly responseMode: ResponseMode;
  /** Seed of requests that bring none of their own. */
  readonly seed: number;
  /** Waiting requests beyond which new ones get 429 (undefined = unbounded, as vLLM). */
  readonly maxWaiting: number | undefined;
  readonly timelines: RequestTimelines;
  readonly limits: RequestLimits;
  /** `--failure-rate` injection; undefined = none. */
  readonly faults: FaultSettings | undefined;
  readonly lifecycle: ServerLifecycle;
}

/** Per-request limits (`serve --max-n`, `--max-stop`, `--max-prompts`, `--max-output-tokens`). */
export interface RequestLimits {
  /** Most choices per prompt (`n`). */
  readonly maxN: number;
  /** Most stop strings. */
  readonly maxStop: number;
  /** Most prompts in one `/v1/completions` request. */
  readonly maxPrompts: number;
  /** Largest `max_tokens` / `max_completion_tokens`; undefined = the context window bounds it. */
  readonly maxOutputTokens: number | undefined;
  /** Bytes a stream may queue for a client that does not read before it is cut off. */
  readonly maxStreamBufferBytes: number;
}

/**
 * Defaults: `n` up to 128 as OpenAI's API allows; 64 stop strings (OpenAI allows 4, vLLM any
 * number); 2048 prompts per batch; a stream buffer of 16 MiB, several times the SSE text of a
 * full 32k-token reply, so only a reader that stopped reading hits it.
 */
export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  maxN: 128,
  maxStop: 64,
  maxPrompts: 2048,
  maxOutputTokens: undefined,
  maxStreamBufferBytes: 16 * 2 ** 20,
};

/** One prompt of a request, counted. */
export interface CountedPrompt {
  readonly promptTokens: number;
  /** The prompt as text, for `echo` and `--response-mode echo`. */
  readonly text: string;
}

/** The request fields that shape the output, normalised across the two endpoints. */
export interface CompletionFields {
  readonly maxTokens: number | undefined;
  readonly maxTokensParam: string;
  readonly n: number;
  readonly stop: readonly string[];
  readonly seed: number | undefined;
  readonly ignoreEos: boolean;
  readonly minTokens: number;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly continuousUsage: boolean;
  readonly echo: boolean;
  readonly topLogprobs: number | undefined;
  /** The body field holding the prompt (`messages` or `prompt`), for errors. */
  readonly promptParam: string;
}

/**
 * The shared fields, normalised. Throws a 400 for `stream_options` without `stream: true`, as
 * OpenAI does.
 */
export function sharedFields(
  body: CommonRequestFields,
  limits: RequestLimits,
): Omit<CompletionFields, 'maxTokens' | 'maxTokensParam' | 'topLogprobs' | 'promptParam'> {
  const streaming = body.stream === true;
  const streamOptions = body.stream_options;
  if (!streaming && streamOptions !== undefined && streamOptions !== null) {
    throw invalidRequest(
      'The stream_options parameter is only allowed when stream is enabled.',
      'stream_options',
    );
  }
  const { stop } = body;
  if (body.n !== undefined && body.n !== null && body.n > limits.maxN) {
    throw invalidRequest(`n must be at most ${limits.maxN} on this server, got ${body.n}.`, 'n');
  }
  if (Array.isArray(stop) && stop.length > limits.maxStop) {
    throw invalidRequest(
      `stop may hold at most ${limits.maxStop} strings on this server, got ${stop.length}.`,
      'stop',
    );
  }
  return {
    n: body.n ?? 1,
    stop: stop === undefined || stop === null ? [] : typeof stop === 'string' ? [stop] : [...stop],
    seed: body.seed ?? undefined,
    ignoreEos: body.ignore_eos === true,
    minTokens: body.min_tokens ?? 0,
    stream: streaming,
    includeUsage: streamOptions?.include_usage === true,
    continuousUsage: streamOptions?.continuous_usage_stats === true,
    echo: body.echo === true,
  };
}

/** A response id: unique within a server (its request number), and across restarts (time). */
function responseId(prefix: string, requestNumber: number): string {
  return `${prefix}${Date.now().toString(36)}${requestNumber.toString(36).padStart(6, '0')}`;
}

/** Token texts of a prompt, for the echo response mode. */
function promptPieces(model: ServedModel, text: string): string[] {
  return tokenPieces(model.tokenizer.encode(text), (tokenIds) => model.tokenizer.decode(tokenIds));
}

/** One admitted completion request, as a route hands it over. */
export interface CompletionCall {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  readonly model: ServedModel;
  readonly prompts: readonly CountedPrompt[];
  readonly fields: CompletionFields;
  readonly format: WireFormat;
  readonly settings: CompletionSettings;
  /** Server-wide request counter, for seeds of requests that bring none. */
  readonly requestNumber: number;
}

/** Plans, runs and answers one completion request. */
export async function handleCompletion(options: CompletionCall): Promise<void> {
  const { reply, model, prompts, fields, format, settings } = options;
  const { engineConfig } = model.deployment;
  const { maxOutputTokens } = settings.limits;
  if (
    maxOutputTokens !== undefined &&
    fields.maxTokens !== undefined &&
    fields.maxTokens > maxOutputTokens
  ) {
    throw invalidRequest(
      `${fields.maxTokensParam} must be at most ${maxOutputTokens} on this server, got ` +
        `${fields.maxTokens}.`,
      fields.maxTokensParam,
    );
  }
  const budgets = prompts.map((prompt) =>
    Math.min(
      maxOutputTokens ?? Number.POSITIVE_INFINITY,
      completionBudget(
        {
          promptTokens: prompt.promptTokens,
          maxModelLen: engineConfig.maxModelLen,
          maxTokens: fields.maxTokens,
          maxTokensParam: fields.maxTokensParam,
          minTokens: fields.minTokens,
          ignoreEos: fields.ignoreEos,
        },
        fields.promptParam,
      ),
    ),
  );
  if (settings.maxWaiting !== undefined && model.engine.waitingRequests >= settings.maxWaiting) {
    throw queueFull({
      waiting: model.engine.waitingRequests,
      maxWaiting: settings.maxWaiting,
      retryAfterS: 1,
    });
  }
  const fault = faultFor(settings.faults, options.requestNumber);
  if (fault.kind === 'status') throw fault.error;

  const choices: PlannedChoice[] = [];
  const choicePromptTokens: number[] = [];
  prompts.forEach((prompt, promptIndex) => {
    const text =
      settings.responseMode === 'echo'
        ? echoText(promptPieces(model, prompt.text), model.lorem)
        : model.lorem;
    for (let sample = 0; sample < fields.n; sample++) {
      const index = promptIndex * fields.n + sample;
      // Same seed → same lengths and text: the stream depends only on the seed and the choice.
      const random =
        fields.seed === undefined
          ? createRandomStream(settings.seed, `request-${options.requestNumber}:choice-${index}`)
          : createRandomStream(fields.seed, `choice-${index}`);
      choices.push(
        planChoice({
          index,
          budget: budgets[promptIndex] as number,
          minTokens: fields.minTokens,
          ignoreEos: fields.ignoreEos,
          stop: fields.stop,
          outputLength: settings.outputLength,
          random,
          text,
          topLogprobs: fields.topLogprobs,
          echo: fields.echo ? prompt.text : '',
        }),
      );
      choicePromptTokens.push(prompt.promptTokens);
    }
  });

  const meta = {
    id: responseId(format.idPrefix, options.requestNumber),
    created: Math.floor(Date.now() / 1000),
    model: model.names[0] as string,
  };
  options.request.log.info(
    { id: meta.id, model: meta.model, prompt_tokens: choicePromptTokens, choices: choices.length },
    `request added: input_len=${choicePromptTokens.join(',')}, output_len=${choices
      .map((choice) => choice.pieces.length)
      .join(',')}`,
  );
  if (fields.stream) reply.hijack();
  const release = settings.lifecycle.track();
  try {
    await answer(options, { choices, choicePromptTokens, meta, fault });
  } finally {
    release();
  }
}

/** Runs the session and sends the reply (a stream has been written by then). */
async function answer(
  options: CompletionCall,
  planned: {
    readonly choices: readonly PlannedChoice[];
    readonly choicePromptTokens: readonly number[];
    readonly meta: ResponseMeta;
    readonly fault: InjectedFault;
  },
): Promise<void> {
  const { reply, fields, format, settings, prompts } = options;
  const { choices, choicePromptTokens, meta } = planned;
  const result = await runCompletionSession(
    {
      engine: options.model.engine,
      meta,
      promptTokens: prompts.reduce((sum, prompt) => sum + prompt.promptTokens, 0),
      handlingMs: reply.elapsedTime,
      choices,
      choicePromptTokens,
      format,
      timelines: settings.timelines,
      stream: fields.stream,
      includeUsage: fields.includeUsage,
      continuousUsage: fields.continuousUsage,
      replyHeaders: reply.getHeaders(),
      fault: planned.fault,
      onShutdown: (handler) => settings.lifecycle.onGiveUp(handler),
      maxBufferedBytes: settings.limits.maxStreamBufferBytes,
    },
    reply.raw,
  );
  if (fields.stream) return;
  if (result === undefined) {
    // The client went away; nobody is left to answer.
    reply.hijack();
    return;
  }
  await reply.code(result.statusCode).headers(result.headers).send(result.body);
}
