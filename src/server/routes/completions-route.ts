/**
 * @module `POST /v1/completions`: prompts as text, texts, token ids or lists of token ids, each
 * counted as vLLM does, then the shared completion path. `max_tokens` defaults to 16 here, as
 * in vLLM's and OpenAI's completions API.
 */

import type { FastifyInstance } from 'fastify';
import {
  type CompletionSettings,
  type CountedPrompt,
  handleCompletion,
  sharedFields,
} from '../completion-handler.js';
import type { ModelDirectory } from '../model-directory.js';
import {
  type CompletionRequest,
  completionRequestSchema,
  parseRequestBody,
} from '../openai-schemas.js';
import type { ServedModel } from '../served-model.js';
import { textWireFormat } from '../wire-format.js';

/** vLLM's (and OpenAI's) default `max_tokens` for `/v1/completions`. */
export const COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

function countPrompts(model: ServedModel, prompt: CompletionRequest['prompt']): CountedPrompt[] {
  if (typeof prompt === 'string') {
    return [{ promptTokens: model.tokenizer.countCompletionPrompt(prompt), text: prompt }];
  }
  if (prompt.length > 0 && prompt.every((item) => typeof item === 'string')) {
    return (prompt as string[]).map((text) => ({
      promptTokens: model.tokenizer.countCompletionPrompt(text),
      text,
    }));
  }
  if (prompt.every((item) => typeof item === 'number')) {
    const tokenIds = prompt as number[];
    return [{ promptTokens: tokenIds.length, text: model.tokenizer.decode(tokenIds) }];
  }
  return (prompt as number[][]).map((tokenIds) => ({
    promptTokens: tokenIds.length,
    text: model.tokenizer.decode(tokenIds),
  }));
}

export function registerCompletionsRoute(
  app: FastifyInstance,
  models: ModelDirectory,
  settings: CompletionSettings,
): void {
  app.post('/v1/completions', async (request, reply) => {
    const body = parseRequestBody(completionRequestSchema, request.body);
    const model = models.resolve(body.model);
    const logprobs = body.logprobs ?? undefined;
    await handleCompletion({
      request,
      reply,
      model,
      prompts: countPrompts(model, body.prompt),
      fields: {
        maxTokens: body.max_tokens ?? COMPLETIONS_DEFAULT_MAX_TOKENS,
        maxTokensParam: 'max_tokens',
        ...sharedFields(body),
        // Completions logprobs=k returns the chosen token plus k alternatives at most.
        topLogprobs: logprobs === undefined ? undefined : logprobs + 1,
        promptParam: 'prompt',
      },
      format: textWireFormat,
      settings,
      requestNumber: models.nextRequestNumber(),
    });
  });
}
