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
import type { CommonRequestFields } from './openai-schemas.js';
import type { RequestTimelines } from './request-timelines.js';
import type { ServedModel } from './served-model.js';
import { echoText, tokenPieces } from './synthetic-text.js';
import type { WireFormat } from './wire-format.js';

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
}

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

/** Plans, runs and answers one completion request. */
export async function handleCompletion(options: {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  readonly model: ServedModel;
  readonly prompts: readonly CountedPrompt[];
  readonly fields: CompletionFields;
  readonly format: WireFormat;
  readonly settings: CompletionSettings;
  /** Server-wide request counter, for seeds of requests that bring none. */
  readonly requestNumber: number;
}): Promise<void> {
  const { reply, model, prompts, fields, format, settings } = options;
  const { engineConfig } = model.deployment;
  const budgets = prompts.map((prompt) =>
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
  );
  if (settings.maxWaiting !== undefined && model.engine.waitingRequests >= settings.maxWaiting) {
    throw queueFull({
      waiting: model.engine.waitingRequests,
      maxWaiting: settings.maxWaiting,
      retryAfterS: 1,
    });
  }

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
  const result = await runCompletionSession(
    {
      engine: model.engine,
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
