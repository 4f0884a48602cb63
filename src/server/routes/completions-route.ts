/**
 * @module `POST /v1/completions`: prompts as text, texts, token ids or lists of token ids, each
 * counted as vLLM does, then the shared completion path. `max_tokens` defaults to 16 here, as
 * in vLLM's and OpenAI's completions API.
 */

import type { FastifyInstance } from 'fastify';
import { invalidRequest } from '../api-error.js';
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

/** Text of a token-id prompt, for echo; ids the bundled tokenizer cannot decode give ''. */
function decodeSafely(model: ServedModel, tokenIds: readonly number[]): string {
  try {
    return model.tokenizer.decode(tokenIds);
  } catch {
    return '';
  }
}

/** A token-id prompt, checked against the model's vocabulary as vLLM checks it. */
function tokenIdPrompt(model: ServedModel, tokenIds: readonly number[], param: string) {
  const { vocabSize } = model.deployment.model.spec;
  const outside = tokenIds.findIndex((tokenId) => tokenId >= vocabSize);
  if (outside >= 0) {
    throw invalidRequest(
      `Token id ${tokenIds[outside]} is out of vocabulary (the model has ${vocabSize} tokens).`,
      `${param}[${outside}]`,
    );
  }
  return { promptTokens: tokenIds.length, text: decodeSafely(model, tokenIds) };
}

function textPrompt(model: ServedModel, text: string, param: string): CountedPrompt {
  const promptTokens = model.tokenizer.countCompletionPrompt(text);
  if (promptTokens === 0) throw invalidRequest('The prompt is empty.', param);
  return { promptTokens, text };
}

function countPrompts(
  model: ServedModel,
  prompt: CompletionRequest['prompt'],
  maxPrompts: number,
): CountedPrompt[] {
  if (typeof prompt === 'string') return [textPrompt(model, prompt, 'prompt')];
  const batch = prompt.length > 0 && typeof prompt[0] !== 'number';
  if (batch && prompt.length > maxPrompts) {
    throw invalidRequest(
      `prompt may hold at most ${maxPrompts} prompts on this server, got ${prompt.length}.`,
      'prompt',
    );
  }
  if (prompt.every((item) => typeof item === 'string')) {
    return prompt.map((text, index) => textPrompt(model, text, `prompt[${index}]`));
  }
  if (prompt.every((item) => typeof item === 'number')) {
    return [tokenIdPrompt(model, prompt, 'prompt')];
  }
  return prompt.map((tokenIds, index) => tokenIdPrompt(model, tokenIds, `prompt[${index}]`));
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
      prompts: countPrompts(model, body.prompt, settings.limits.maxPrompts),
      fields: {
        maxTokens: body.max_tokens ?? COMPLETIONS_DEFAULT_MAX_TOKENS,
        maxTokensParam: 'max_tokens',
        ...sharedFields(body, settings.limits),
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
