/**
 * @module The request bodies of the OpenAI completion endpoints as zod schemas, and the parse that
 * turns a failure into a 400 naming the field. Unknown fields pass through and are ignored, as in
 * vLLM; `null` counts as absent, since several clients send it for unset options.
 */

import { z } from 'zod';
import { invalidRequest } from './api-error.js';

const count = z.number().int().nonnegative();
const positiveCount = z.number().int().positive();

/** `stop`: one string or a list of them (the server's `--max-stop` bounds the list). */
const stopSchema = z.union([z.string(), z.array(z.string())]).nullish();

const streamOptionsSchema = z
  .looseObject({
    include_usage: z.boolean().nullish(),
    continuous_usage_stats: z.boolean().nullish(),
  })
  .nullish();

/** Fields both endpoints share (sampling settings are accepted; only their ranges are checked). */
const commonFields = {
  model: z.string().min(1).nullish(),
  max_tokens: positiveCount.nullish(),
  n: positiveCount.nullish(),
  stop: stopSchema,
  seed: z.number().int().nullish(),
  ignore_eos: z.boolean().nullish(),
  min_tokens: count.nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  stream: z.boolean().nullish(),
  stream_options: streamOptionsSchema,
  echo: z.boolean().nullish(),
  user: z.string().nullish(),
};

/** The fields both endpoints share, as parsed (either endpoint's body has them all). */
export type CommonRequestFields = z.output<z.ZodObject<typeof commonFields>>;

const contentPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

const messageSchema = z.looseObject({
  role: z.string().min(1),
  content: z.union([z.string(), z.array(contentPartSchema)]).nullish(),
});

export const chatCompletionRequestSchema = z.looseObject({
  ...commonFields,
  messages: z.array(messageSchema).min(1),
  max_completion_tokens: positiveCount.nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
});

export type ChatCompletionRequest = z.output<typeof chatCompletionRequestSchema>;
export type ChatMessage = z.output<typeof messageSchema>;

/** A completions prompt: text, texts, token ids, or lists of token ids. */
const promptSchema = z.union([
  z.string(),
  z.array(z.string()).min(1),
  z.array(count).min(1),
  z.array(z.array(count).min(1)).min(1),
]);

export const completionRequestSchema = z.looseObject({
  ...commonFields,
  prompt: promptSchema,
  logprobs: z.number().int().min(0).max(20).nullish(),
  suffix: z.string().nullish(),
});

export type CompletionRequest = z.output<typeof completionRequestSchema>;

/** Renders a zod path as OpenAI does: `messages[0].content`. */
function paramOf(path: readonly PropertyKey[]): string | null {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text === '' ? null : text;
}

/** Parses a body or throws a 400 `ApiError` whose `param` is the first offending field. */
export function parseRequestBody<Schema extends z.ZodType>(
  schema: Schema,
  body: unknown,
): z.output<Schema> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object.');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw invalidRequest('Invalid request body.');
  const param = paramOf(issue.path);
  const detail = describeIssue(issue);
  throw invalidRequest(param === null ? detail : `${param}: ${detail}`, param);
}

/** Parses a route's query parameters or throws a 400 whose `param` is the first offending one. */
export function parseQuery<Schema extends z.ZodType>(
  schema: Schema,
  query: unknown,
): z.output<Schema> {
  return parseRequestBody(schema, query ?? {});
}

function describeIssue(issue: z.core.$ZodIssue): string {
  // zod leaves the input off its issues; a missing field reads "… received undefined".
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
    return 'Field required';
  }
  if (issue.code === 'invalid_union') return 'Input does not match any of the accepted forms';
  return issue.message;
}
