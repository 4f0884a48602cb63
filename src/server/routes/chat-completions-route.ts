/**
 * @module `POST /v1/chat/completions`: counts the chat prompt with the model's template and
 * tokenizer, then hands over to the shared completion path.
 */

import type { FastifyInstance } from 'fastify';
import { invalidRequest } from '../api-error.js';
import { type CompletionSettings, handleCompletion, sharedFields } from '../completion-handler.js';
import type { ModelDirectory } from '../model-directory.js';
import {
  type ChatMessage,
  chatCompletionRequestSchema,
  parseRequestBody,
} from '../openai-schemas.js';
import { chatWireFormat } from '../wire-format.js';

/** A message's text: a string, or its text parts joined by newlines (as vLLM joins them). */
export function messageText(message: ChatMessage): string {
  const { content } = message;
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .filter((part) => part.type === 'text' && typeof part.text === 'string')
    .map((part) => part.text as string)
    .join('\n');
}

export function registerChatCompletionsRoute(
  app: FastifyInstance,
  models: ModelDirectory,
  settings: CompletionSettings,
): void {
  app.post('/v1/chat/completions', async (request, reply) => {
    const body = parseRequestBody(chatCompletionRequestSchema, request.body);
    if (body.top_logprobs !== undefined && body.top_logprobs !== null && body.logprobs !== true) {
      throw invalidRequest('top_logprobs requires logprobs to be true.', 'top_logprobs');
    }
    const model = models.resolve(body.model);
    const messages = body.messages.map((message) => ({
      role: message.role,
      content: messageText(message),
    }));
    const last = messages[messages.length - 1];
    const promptTokens = model.tokenizer.countChatPrompt(messages);
    const maxTokensParam =
      body.max_completion_tokens === undefined || body.max_completion_tokens === null
        ? 'max_tokens'
        : 'max_completion_tokens';
    await handleCompletion({
      request,
      reply,
      model,
      prompts: [{ promptTokens, text: last?.content ?? '' }],
      fields: {
        maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
        maxTokensParam,
        ...sharedFields(body, settings.limits),
        topLogprobs: body.logprobs === true ? (body.top_logprobs ?? 0) : undefined,
        promptParam: 'messages',
      },
      format: chatWireFormat,
      settings,
      requestNumber: models.nextRequestNumber(),
    });
  });
}
