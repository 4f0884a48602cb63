/**
 * @module Conformance of the live server with the clients people point at it: the official
 * `openai` SDK, the Vercel AI SDK through `@ai-sdk/openai-compatible`, and LangChain's
 * `ChatOpenAI`. Each runs against a real server on 127.0.0.1 (no other network), and the tests
 * check the values the clients hand back, since a client that parses a wrong shape often still
 * returns an object with the right keys.
 */

import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { UsageMetadata } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { generateText, streamText } from 'ai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveServer } from '../src/server/live-server.js';
import { DEFAULT_TEST_MODEL, startTestServer } from './support/live-server.js';

const MODEL = DEFAULT_TEST_MODEL;
/** Every client call gives up after this long, so a hung server fails one test, not the run. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Per test; server starts in the hooks have Vitest's own hook timeout. */
const TEST_TIMEOUT_MS = 15_000;
/**
 * vLLM's extension that runs a choice to `max_tokens` instead of a sampled end of sequence, so
 * usage is exact. The SDK types do not know it; spread in, it passes through as vLLM users send it.
 */
const IGNORE_EOS = { ignore_eos: true } as const;

/** An `openai` client for `server`; retries are off so that 429s and 5xx surface at once. */
function openaiClient(server: LiveServer, apiKey = 'dummy'): OpenAI {
  return new OpenAI({
    baseURL: `${server.url}/v1`,
    apiKey,
    maxRetries: 0,
    timeout: REQUEST_TIMEOUT_MS,
  });
}

/** The error a promise rejects with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail, it succeeded');
}

describe('openai SDK', { timeout: TEST_TIMEOUT_MS }, () => {
  let server: LiveServer;
  let client: OpenAI;

  beforeAll(async () => {
    server = await startTestServer();
    client = openaiClient(server);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('creates a chat completion with exact usage under ignore_eos', async () => {
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'Hello! How are you?' },
      ],
      max_tokens: 12,
      ...IGNORE_EOS,
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.model).toBe(MODEL);
    expect(completion.choices).toHaveLength(1);
    const choice = completion.choices[0];
    expect(choice?.index).toBe(0);
    expect(choice?.message.role).toBe('assistant');
    expect(choice?.message.content?.trim().length).toBeGreaterThan(0);
    expect(choice?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(12);
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage?.total_tokens).toBe(
      (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
    );
  });

  it('exposes the simulated timings as response headers and a debug timeline', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: MODEL,
        messages: [{ role: 'user', content: 'Time me.' }],
        max_tokens: 5,
        ...IGNORE_EOS,
      })
      .withResponse();
    expect(response.headers.get('x-request-id')).toBe(data.id);
    const ttftMs = Number(response.headers.get('x-llmservingsim-ttft-ms'));
    const e2eMs = Number(response.headers.get('x-llmservingsim-e2e-ms'));
    expect(ttftMs).toBeGreaterThan(0);
    expect(e2eMs).toBeGreaterThan(ttftMs);
    expect(Number(response.headers.get('x-llmservingsim-tpot-ms'))).toBeGreaterThan(0);
    expect(Number(response.headers.get('x-llmservingsim-queue-ms'))).toBeGreaterThanOrEqual(0);

    const timeline = await fetch(`${server.url}/debug/requests/${data.id}`, {
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    expect(timeline.status).toBe(200);
    const body = (await timeline.json()) as {
      id: string;
      ttft_ms: number;
      choices: { token_times_s: number[] }[];
    };
    expect(body.id).toBe(data.id);
    expect(body.ttft_ms).toBeCloseTo(ttftMs, 2);
    expect(body.choices[0]?.token_times_s).toHaveLength(5);
  });

  it('streams one content chunk per completion token, role first and finish_reason last', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Count to ten.' }],
      max_tokens: 10,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    const withChoices = chunks.filter((chunk) => chunk.choices.length > 0);
    expect(withChoices[0]?.choices[0]?.delta.role).toBe('assistant');
    const contentChunks = withChoices.filter(
      (chunk) => (chunk.choices[0]?.delta.content ?? '') !== '',
    );
    const usageChunk = chunks.at(-1);
    expect(usageChunk?.choices).toEqual([]);
    const completionTokens = usageChunk?.usage?.completion_tokens ?? 0;
    expect(completionTokens).toBeGreaterThan(0);
    expect(completionTokens).toBeLessThanOrEqual(10);
    expect(contentChunks).toHaveLength(completionTokens);
    expect(usageChunk?.usage?.prompt_tokens).toBeGreaterThan(0);

    const finishReasons = withChoices.map((chunk) => chunk.choices[0]?.finish_reason ?? null);
    expect(finishReasons.at(-1)).toMatch(/^(stop|length)$/);
    expect(finishReasons.slice(0, -1).every((reason) => reason === null)).toBe(true);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
  });

  it('sends no usage chunk unless stream_options.include_usage asks for it', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: 4,
      stream: true,
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((chunk) => chunk.choices.length === 1 && !chunk.usage)).toBe(true);
  });

  it('assembles a stream with chat.completions.stream() and finalChatCompletion()', async () => {
    const deltas: string[] = [];
    const runner = client.chat.completions.stream({
      model: MODEL,
      messages: [{ role: 'user', content: 'Tell me a story.' }],
      max_tokens: 8,
      stream_options: { include_usage: true },
      ...IGNORE_EOS,
    });
    runner.on('content', (delta) => {
      deltas.push(delta);
    });
    const completion = await runner.finalChatCompletion();
    const content = completion.choices[0]?.message.content ?? '';
    expect(content.trim().length).toBeGreaterThan(0);
    expect(deltas.join('')).toBe(content);
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(8);
    expect(deltas).toHaveLength(8);
  });

  it('creates text completions from a string, a list of strings and token ids', async () => {
    const single = await client.completions.create({
      model: MODEL,
      prompt: 'The future of AI is',
      max_tokens: 6,
      ...IGNORE_EOS,
    });
    expect(single.object).toBe('text_completion');
    expect(single.id).toMatch(/^cmpl-/);
    expect(single.choices[0]?.text.trim().length).toBeGreaterThan(0);
    expect(single.usage?.completion_tokens).toBe(6);
    expect(single.usage?.prompt_tokens).toBeGreaterThan(0);

    const batch = await client.completions.create({
      model: MODEL,
      prompt: ['First prompt', 'Second prompt', 'Third prompt'],
      max_tokens: 3,
      ...IGNORE_EOS,
    });
    expect(batch.choices.map((choice) => choice.index)).toEqual([0, 1, 2]);
    expect(batch.usage?.completion_tokens).toBe(9);

    const tokenIds = [791, 3938, 315, 15592, 374, 1633, 17302];
    const fromIds = await client.completions.create({
      model: MODEL,
      prompt: tokenIds,
      max_tokens: 2,
    });
    expect(fromIds.usage?.prompt_tokens).toBe(tokenIds.length);
  });

  it('defaults completions max_tokens to 16, as vLLM does', async () => {
    const completion = await client.completions.create({
      model: MODEL,
      prompt: 'Once upon a time',
      ...IGNORE_EOS,
    });
    expect(completion.usage?.completion_tokens).toBe(16);
  });

  it('streams text completions', async () => {
    const stream = await client.completions.create({
      model: MODEL,
      prompt: 'The future of AI is',
      max_tokens: 5,
      stream: true,
      stream_options: { include_usage: true },
      ...IGNORE_EOS,
    });
    let text = '';
    let pieces = 0;
    let usage: OpenAI.Completions.CompletionUsage | undefined;
    let finishReason: string | null = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (choice === undefined) continue;
      text += choice.text;
      pieces += 1;
      finishReason = choice.finish_reason ?? finishReason;
    }
    expect(text.trim().length).toBeGreaterThan(0);
    expect(pieces).toBe(5);
    expect(usage?.completion_tokens).toBe(5);
    expect(finishReason).toBe('length');
  });

  it('lists and retrieves models, with slashes in the id', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual([MODEL]);
    const model = await client.models.retrieve(MODEL);
    expect(model).toMatchObject({ id: MODEL, object: 'model', owned_by: 'llmservingsim' });
    expect(model.created).toBeGreaterThan(1_600_000_000);
  });

  it('returns n choices with distinct indexes and usage for all of them', async () => {
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Give me two answers.' }],
      max_tokens: 7,
      n: 2,
      ...IGNORE_EOS,
    });
    expect(completion.choices.map((choice) => choice.index)).toEqual([0, 1]);
    for (const choice of completion.choices) {
      expect(choice.message.content?.trim().length).toBeGreaterThan(0);
    }
    expect(completion.usage?.completion_tokens).toBe(14);
  });

  it('repeats content and length for the same seed', async () => {
    const ask = (seed: number) =>
      client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'Say something.' }],
        max_tokens: 40,
        seed,
      });
    const [first, second, other] = await Promise.all([ask(1234), ask(1234), ask(4321)]);
    const content = first.choices[0]?.message.content ?? '';
    expect(content.length).toBeGreaterThan(0);
    expect(second.choices[0]?.message.content).toBe(content);
    expect(second.usage?.completion_tokens).toBe(first.usage?.completion_tokens);
    expect(other.choices[0]?.message.content).not.toBe(content);
  });

  it('ends the text before a stop string', async () => {
    const ask = (stop?: string) =>
      client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'Write a sentence.' }],
        max_tokens: 30,
        seed: 7,
        ...(stop === undefined ? {} : { stop }),
        ...IGNORE_EOS,
      });
    const full = (await ask()).choices[0]?.message.content ?? '';
    const words = full.split(' ');
    expect(words.length).toBeGreaterThan(6);
    // A word from the middle, with its leading space, so the cut lands inside the text.
    const stop = ` ${words[5]}`;
    const cut = await ask(stop);
    expect(cut.choices[0]?.message.content).toBe(full.slice(0, full.indexOf(stop)));
    expect(cut.choices[0]?.finish_reason).toBe('stop');
    expect(cut.usage?.completion_tokens).toBeLessThan(30);
  });

  it('returns one logprobs entry per token, with the requested alternatives', async () => {
    const chat = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: 6,
      logprobs: true,
      top_logprobs: 3,
      ...IGNORE_EOS,
    });
    const entries = chat.choices[0]?.logprobs?.content ?? [];
    expect(entries).toHaveLength(6);
    expect(entries.map((entry) => entry.token).join('')).toBe(chat.choices[0]?.message.content);
    for (const entry of entries) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top_logprobs).toHaveLength(3);
    }

    const text = await client.completions.create({
      model: MODEL,
      prompt: 'Echo me',
      max_tokens: 4,
      logprobs: 2,
      echo: true,
      ...IGNORE_EOS,
    });
    const choice = text.choices[0];
    expect(choice?.text.startsWith('Echo me')).toBe(true);
    expect(choice?.logprobs?.tokens).toHaveLength(4);
    expect(choice?.logprobs?.text_offset?.[0]).toBe('Echo me'.length);
  });

  it('throws NotFoundError for an unknown model', async () => {
    const error = await rejection(
      client.chat.completions.create({
        model: 'no-such-model',
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    );
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    const notFound = error as InstanceType<typeof OpenAI.NotFoundError>;
    expect(notFound.status).toBe(404);
    expect(notFound.code).toBe('model_not_found');
    expect(notFound.param).toBe('model');
    expect(notFound.message).toContain('no-such-model');

    const retrieve = await rejection(client.models.retrieve('no-such-model'));
    expect(retrieve).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('throws BadRequestError when max_tokens exceeds the context window', async () => {
    const error = await rejection(
      client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'Hi' }],
        max_tokens: 1_000_000,
      }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const badRequest = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(badRequest.status).toBe(400);
    expect(badRequest.code).toBe('context_length_exceeded');
    expect(badRequest.param).toBe('max_tokens');
    expect(badRequest.message).toContain('maximum context length is 131072 tokens');
  });

  it('throws BadRequestError naming the field of an invalid body', async () => {
    const error = await rejection(
      client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'Hi' }],
        temperature: 5,
      }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('temperature');
  });
});

describe('openai SDK against a server with limits', { timeout: TEST_TIMEOUT_MS }, () => {
  let keyed: LiveServer;
  let full: LiveServer;
  let small: LiveServer;

  beforeAll(async () => {
    [keyed, full, small] = await Promise.all([
      startTestServer({ apiKeys: ['sk-right'] }),
      startTestServer({ maxWaiting: 0 }),
      startTestServer({ engine: { maxModelLen: 4096 } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([keyed?.close(), full?.close(), small?.close()]);
  });

  it('throws AuthenticationError for a wrong key and accepts the right one', async () => {
    const error = await rejection(openaiClient(keyed, 'sk-wrong').models.list());
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');

    const page = await openaiClient(keyed, 'sk-right').models.list();
    expect(page.data.map((model) => model.id)).toEqual([MODEL]);
  });

  it('throws RateLimitError when the waiting queue is full', async () => {
    const error = await rejection(
      openaiClient(full).chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'Hi' }],
        max_tokens: 4,
      }),
    );
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.code).toBe('rate_limit_exceeded');
    expect(rateLimit.headers.get('retry-after')).toBe('1');
  });

  it('reports the configured context window in the error', async () => {
    const error = await rejection(
      openaiClient(small).completions.create({ model: MODEL, prompt: 'Hi', max_tokens: 5000 }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('maximum context length is 4096 tokens');
  });
});

describe('openai SDK against injected faults', { timeout: TEST_TIMEOUT_MS }, () => {
  const servers = new Map<string, LiveServer>();
  const kinds = ['429', '500', '503', 'stream-error', 'stall'] as const;
  const chat = { model: MODEL, messages: [{ role: 'user' as const, content: 'Hi' }] };

  beforeAll(async () => {
    for (const kind of kinds) {
      servers.set(kind, await startTestServer({ faults: { rate: 1, kinds: [kind], seed: 1 } }));
    }
  });
  afterAll(async () => {
    await Promise.all([...servers.values()].map((server) => server.close()));
  });

  function clientFor(kind: (typeof kinds)[number], timeout = REQUEST_TIMEOUT_MS): OpenAI {
    return new OpenAI({
      baseURL: `${servers.get(kind)?.url}/v1`,
      apiKey: 'dummy',
      maxRetries: 0,
      timeout,
    });
  }

  it('surfaces 429, 500 and 503 as the SDK error classes for those statuses', async () => {
    const limited = await rejection(clientFor('429').chat.completions.create(chat));
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe(
      '1',
    );
    for (const kind of ['500', '503'] as const) {
      const failed = await rejection(clientFor(kind).chat.completions.create(chat));
      expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
      expect((failed as InstanceType<typeof OpenAI.APIError>).status).toBe(Number(kind));
      expect((failed as Error).message).toContain('injected');
    }
  });

  it('throws an APIError mid-stream after some tokens for stream-error', async () => {
    const stream = await clientFor('stream-error').chat.completions.create({
      ...chat,
      max_tokens: 40,
      ...IGNORE_EOS,
      stream: true,
    });
    let contentChunks = 0;
    const error = await rejection(
      (async () => {
        for await (const chunk of stream) if (chunk.choices[0]?.delta.content) contentChunks++;
      })(),
    );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain('injected');
    expect(contentChunks).toBeLessThan(40);
  });

  it('runs into the client timeout when the reply stalls', async () => {
    const error = await rejection(
      clientFor('stall', 500).chat.completions.create({ ...chat, max_tokens: 8, ...IGNORE_EOS }),
    );
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });
});

describe('Vercel AI SDK (openai-compatible provider)', { timeout: TEST_TIMEOUT_MS }, () => {
  let server: LiveServer;
  let provider: ReturnType<typeof createOpenAICompatible>;

  beforeAll(async () => {
    server = await startTestServer({ outputLen: '24' });
    provider = createOpenAICompatible({
      name: 'llmservingsim',
      baseURL: `${server.url}/v1`,
      apiKey: 'dummy',
      includeUsage: true,
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('generateText returns text and token usage', async () => {
    const result = await generateText({
      model: provider.chatModel(MODEL),
      prompt: 'Hello! How are you?',
      maxOutputTokens: 10,
      maxRetries: 0,
      abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    expect(result.text.trim().length).toBeGreaterThan(0);
    expect(result.finishReason).toBe('length');
    expect(result.usage.outputTokens).toBe(10);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.totalTokens).toBe(
      (result.usage.inputTokens ?? 0) + (result.usage.outputTokens ?? 0),
    );
  });

  it('generateText works with the completion model', async () => {
    const result = await generateText({
      model: provider.completionModel(MODEL),
      prompt: 'The future of AI is',
      maxOutputTokens: 6,
      maxRetries: 0,
      abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    expect(result.text.trim().length).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBe(6);
  });

  it('streamText delivers one delta per token and usage that matches', async () => {
    const result = streamText({
      model: provider.chatModel(MODEL),
      prompt: 'Stream to me.',
      maxOutputTokens: 12,
      maxRetries: 0,
      abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    const usage = await result.usage;
    expect(deltas.join('').trim().length).toBeGreaterThan(0);
    expect(usage.outputTokens).toBe(deltas.length);
    expect(usage.outputTokens).toBe(12);
    expect(usage.inputTokens).toBeGreaterThan(0);
    expect(await result.finishReason).toBe('length');
    expect(await result.text).toBe(deltas.join(''));
  });
});

/**
 * A LangChain message's token usage. @langchain/core 1.4 infers the field's type from the message
 * structure, which collapses to `never` under `exactOptionalPropertyTypes`, so it is read as the
 * documented shape.
 */
function usageMetadataOf(message: object): UsageMetadata | undefined {
  return (message as { usage_metadata?: UsageMetadata }).usage_metadata;
}

describe('LangChain ChatOpenAI', { timeout: TEST_TIMEOUT_MS }, () => {
  let server: LiveServer;
  let chat: ChatOpenAI;

  beforeAll(async () => {
    server = await startTestServer({ outputLen: '24' });
    chat = new ChatOpenAI({
      model: MODEL,
      apiKey: 'dummy',
      configuration: { baseURL: `${server.url}/v1` },
      maxTokens: 9,
      maxRetries: 0,
      timeout: REQUEST_TIMEOUT_MS,
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('invoke returns a message with content and usage metadata', async () => {
    const message = await chat.invoke([
      ['system', 'You are a helpful assistant.'],
      ['human', 'Hello! How are you?'],
    ]);
    expect(typeof message.content).toBe('string');
    expect(String(message.content).trim().length).toBeGreaterThan(0);
    const usage = usageMetadataOf(message);
    expect(usage?.output_tokens).toBe(9);
    expect(usage?.input_tokens).toBeGreaterThan(0);
    expect(usage?.total_tokens).toBe((usage?.input_tokens ?? 0) + 9);
    expect(message.response_metadata.finish_reason).toBe('length');
  });

  it('stream yields chunks that concatenate to the reply, with usage at the end', async () => {
    const stream = await chat.stream('Stream a reply.');
    let content = '';
    let contentChunks = 0;
    let outputTokens: number | undefined;
    for await (const chunk of stream) {
      const text = typeof chunk.content === 'string' ? chunk.content : '';
      if (text !== '') contentChunks += 1;
      content += text;
      const usage = usageMetadataOf(chunk);
      outputTokens = usage?.output_tokens ?? outputTokens;
    }
    expect(content.trim().length).toBeGreaterThan(0);
    expect(outputTokens).toBe(9);
    expect(contentChunks).toBe(9);
  });
});
