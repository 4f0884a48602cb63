/**
 * @module The HTTP contract through `inject()` (no socket): response and chunk shapes, usage
 * counts, the request options vLLM honours, and every error status in OpenAI's envelope.
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServedApp, sseEvents } from '../../test/support/served-app.js';
import { resolveDeployment } from '../config/deployment.js';
import type { ServedModel } from './served-model.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field.
type Json = Record<string, any>;

function chat(app: FastifyInstance, body: Json, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url: '/v1/chat/completions', payload: body, headers });
}

function completions(app: FastifyInstance, body: Json) {
  return app.inject({ method: 'POST', url: '/v1/completions', payload: body });
}

function expectApiError(
  response: { statusCode: number; json(): Json },
  status: number,
  expected: { param?: string | null; code?: string | null; type?: string },
) {
  expect(response.statusCode).toBe(status);
  const { error } = response.json();
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof error.message).toBe('string');
  expect(error.message.length).toBeGreaterThan(0);
  if ('param' in expected) expect(error.param).toBe(expected.param);
  if ('code' in expected) expect(error.code).toBe(expected.code);
  if (expected.type !== undefined) expect(error.type).toBe(expected.type);
  return error;
}

describe('the server app', () => {
  let app: FastifyInstance;
  let model: ServedModel;

  beforeAll(async () => {
    ({ app, model } = await buildServedApp());
  });
  afterAll(async () => {
    await app.close();
  });

  describe('chat completions', () => {
    it('answers with the OpenAI shape, real prompt counts and timing headers', async () => {
      const messages = [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hello! How are you?' },
      ];
      const response = await chat(app, { model: MODEL, messages, max_tokens: 150 });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.object).toBe('chat.completion');
      expect(body.id).toMatch(/^chatcmpl-/);
      expect(body.model).toBe(MODEL);
      expect(Number.isInteger(body.created)).toBe(true);
      const [choice] = body.choices;
      expect(choice.index).toBe(0);
      expect(choice.message.role).toBe('assistant');
      expect(choice.finish_reason).toBe('stop');
      expect(body.usage.prompt_tokens).toBe(model.tokenizer.countChatPrompt(messages));
      // The default output length of the test app is 24 tokens, under max_tokens: EOS.
      expect(body.usage.completion_tokens).toBe(24);
      expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + 24);
      // The text re-tokenizes to exactly completion_tokens tokens.
      expect(model.tokenizer.encode(choice.message.content)).toHaveLength(24);
      const ttftMs = Number(response.headers['x-llmservingsim-ttft-ms']);
      const e2eMs = Number(response.headers['x-llmservingsim-e2e-ms']);
      expect(ttftMs).toBeGreaterThan(0);
      expect(e2eMs).toBeGreaterThan(ttftMs);
      expect(response.headers['x-request-id']).toBe(body.id);
    });

    it('streams a role chunk at the first token, one chunk per token, finish_reason last', async () => {
      const response = await chat(app, {
        model: MODEL,
        messages: [{ role: 'user', content: 'Count.' }],
        max_tokens: 12,
        ignore_eos: true,
        stream: true,
        stream_options: { include_usage: true },
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
      const events = sseEvents(response.body);
      expect(events.at(-1)).toBe('[DONE]');
      const chunks = events.slice(0, -1) as Json[];
      const usage = chunks.at(-1) as Json;
      expect(usage.choices).toEqual([]);
      expect(usage.usage.completion_tokens).toBe(12);
      const tokenChunks = chunks.slice(1, -1);
      expect(chunks[0]?.choices[0].delta).toEqual({ role: 'assistant', content: '' });
      expect(tokenChunks).toHaveLength(12);
      for (const chunk of tokenChunks) {
        expect(chunk.object).toBe('chat.completion.chunk');
        expect(typeof chunk.choices[0].delta.content).toBe('string');
      }
      expect(
        tokenChunks.slice(0, -1).every((chunk) => chunk.choices[0].finish_reason === null),
      ).toBe(true);
      expect(tokenChunks.at(-1)?.choices[0].finish_reason).toBe('length');
    });

    it('sends no usage chunk unless asked', async () => {
      const response = await chat(app, {
        messages: [{ role: 'user', content: 'Hi' }],
        max_tokens: 3,
        stream: true,
      });
      const chunks = sseEvents(response.body).slice(0, -1) as Json[];
      expect(chunks.every((chunk) => chunk.usage === undefined && chunk.choices.length === 1)).toBe(
        true,
      );
    });

    it('gives n choices, summing their tokens in usage', async () => {
      const response = await chat(app, {
        messages: [{ role: 'user', content: 'Two please' }],
        n: 3,
        max_tokens: 5,
        ignore_eos: true,
      });
      const body = response.json();
      expect(body.choices.map((choice: Json) => choice.index)).toEqual([0, 1, 2]);
      expect(body.usage.completion_tokens).toBe(15);
    });

    it('repeats text and length for the same seed, and varies them otherwise', async () => {
      const varied = await buildServedApp({
        outputLength: { kind: 'uniform', minTokens: 1, maxTokens: 400 },
      });
      try {
        const ask = async (seed: number) =>
          (
            await chat(varied.app, {
              messages: [{ role: 'user', content: 'Tell me a story' }],
              seed,
              temperature: 0.9,
            })
          ).json();
        const first = await ask(42);
        const again = await ask(42);
        const other = await ask(43);
        expect(again.choices[0].message.content).toBe(first.choices[0].message.content);
        expect(again.usage.completion_tokens).toBe(first.usage.completion_tokens);
        expect(other.choices[0].message.content).not.toBe(first.choices[0].message.content);
      } finally {
        await varied.app.close();
      }
    });

    it('returns well-formed synthetic logprobs when asked', async () => {
      const body = (
        await chat(app, {
          messages: [{ role: 'user', content: 'Hi' }],
          max_tokens: 4,
          ignore_eos: true,
          logprobs: true,
          top_logprobs: 2,
        })
      ).json();
      const content = body.choices[0].logprobs.content;
      expect(content).toHaveLength(4);
      expect(content.map((entry: Json) => entry.token).join('')).toBe(
        body.choices[0].message.content,
      );
      for (const entry of content) {
        expect(entry.logprob).toBeLessThanOrEqual(0);
        expect(entry.bytes).toEqual([...Buffer.from(entry.token)]);
        expect(entry.top_logprobs).toHaveLength(2);
      }
    });

    it('accepts unknown fields, null options and content parts', async () => {
      const response = await chat(app, {
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Part one' }], name: 'x' },
          { role: 'assistant', content: null, tool_calls: [] },
          { role: 'user', content: 'Next' },
        ],
        max_tokens: null,
        stop: null,
        some_future_field: { nested: true },
        tools: [],
      });
      expect(response.statusCode).toBe(200);
    });
  });

  describe('completions', () => {
    it('defaults max_tokens to 16 and counts BOS in the prompt, as vLLM', async () => {
      const body = (
        await completions(app, { model: MODEL, prompt: 'The future of AI is', ignore_eos: true })
      ).json();
      expect(body.object).toBe('text_completion');
      expect(body.id).toMatch(/^cmpl-/);
      expect(body.usage.completion_tokens).toBe(16);
      expect(body.choices[0].finish_reason).toBe('length');
      expect(body.usage.prompt_tokens).toBe(
        model.tokenizer.encode('The future of AI is').length + 1,
      );
    });

    it('takes several prompts and token-id prompts', async () => {
      const several = (
        await completions(app, { prompt: ['a b c', 'd e'], n: 2, max_tokens: 3 })
      ).json();
      expect(several.choices.map((choice: Json) => choice.index)).toEqual([0, 1, 2, 3]);
      expect(several.usage.prompt_tokens).toBe(
        model.tokenizer.countCompletionPrompt('a b c') +
          model.tokenizer.countCompletionPrompt('d e'),
      );
      const ids = (await completions(app, { prompt: [128000, 791, 3938], max_tokens: 2 })).json();
      expect(ids.usage.prompt_tokens).toBe(3);
      const lists = (
        await completions(app, {
          prompt: [
            [1, 2],
            [3, 4, 5],
          ],
          max_tokens: 2,
        })
      ).json();
      expect(lists.usage.prompt_tokens).toBe(5);
      expect(lists.choices).toHaveLength(2);
    });

    it('echoes the prompt and returns completions-style logprobs', async () => {
      const body = (
        await completions(app, {
          prompt: 'Say:',
          echo: true,
          logprobs: 2,
          max_tokens: 3,
          ignore_eos: true,
        })
      ).json();
      const [choice] = body.choices;
      expect(choice.text.startsWith('Say:')).toBe(true);
      const { tokens, token_logprobs, top_logprobs, text_offset } = choice.logprobs;
      expect(tokens).toHaveLength(3);
      expect(token_logprobs).toHaveLength(3);
      expect(top_logprobs).toHaveLength(3);
      expect(text_offset[0]).toBe('Say:'.length);
      expect(Object.keys(top_logprobs[0]).length).toBeLessThanOrEqual(3);
    });

    it('streams logprobs whose text_offset counts everything sent before the token', async () => {
      const response = await completions(app, {
        prompt: 'Say:',
        echo: true,
        logprobs: 1,
        max_tokens: 6,
        ignore_eos: true,
        stream: true,
      });
      const chunks = sseEvents(response.body).slice(0, -1) as Json[];
      expect(chunks).toHaveLength(6);
      let sent = 0;
      for (const [index, chunk] of chunks.entries()) {
        const [choice] = chunk.choices;
        const tokenStart = index === 0 ? 'Say:'.length : sent;
        expect(choice.logprobs.text_offset).toEqual([tokenStart]);
        expect(choice.logprobs.tokens).toHaveLength(1);
        sent += choice.text.length;
      }
    });

    it('streams text_completion chunks with include_usage', async () => {
      const response = await completions(app, {
        prompt: 'x',
        max_tokens: 4,
        ignore_eos: true,
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks = sseEvents(response.body).slice(0, -1) as Json[];
      expect(chunks).toHaveLength(5);
      expect(chunks.slice(0, 4).map((chunk) => chunk.object)).toEqual(
        Array(4).fill('text_completion'),
      );
      expect(chunks[3]?.choices[0].finish_reason).toBe('length');
      expect(chunks[4]?.usage).toEqual({ prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 });
    });
  });

  describe('models, health and status', () => {
    it('lists and retrieves models (ids with slashes)', async () => {
      const list = (await app.inject('/v1/models')).json();
      expect(list.object).toBe('list');
      expect(list.data.map((card: Json) => card.id)).toEqual([MODEL]);
      expect(list.data[0]).toMatchObject({ object: 'model', owned_by: 'llmservingsim' });
      const card = (await app.inject(`/v1/models/${MODEL}`)).json();
      expect(card.id).toBe(MODEL);
      expect(card.max_model_len).toBe(8192);
      expectApiError(await app.inject('/v1/models/nope/nope'), 404, { code: 'model_not_found' });
    });

    it('answers to every served name and reports the first, as vLLM', async () => {
      const aliased = await buildServedApp({ names: ['llama', 'my-alias'] });
      try {
        const list = (await aliased.app.inject('/v1/models')).json();
        expect(list.data.map((card: Json) => card.id)).toEqual(['llama', 'my-alias']);
        expect(list.data[1].root).toBe(MODEL);
        const reply = await chat(aliased.app, {
          model: 'my-alias',
          messages: [{ role: 'user', content: 'x' }],
          max_tokens: 2,
        });
        expect(reply.json().model).toBe('llama');
        expectApiError(
          await chat(aliased.app, { model: MODEL, messages: [{ role: 'user', content: 'x' }] }),
          404,
          { code: 'model_not_found' },
        );
      } finally {
        await aliased.app.close();
      }
    });

    it('reports health and a status document with the original fields', async () => {
      expect((await app.inject('/health')).statusCode).toBe(200);
      const status = (await app.inject('/status')).json();
      for (const field of [
        'pending_requests',
        'running_requests',
        'inflight_batches',
        'completed_requests',
        'simulated_time_s',
      ]) {
        expect(typeof status[field]).toBe('number');
      }
      const { total, used, available } = status.memory_usage;
      expect(total).toBe(80 * 2 ** 30);
      expect(used + available).toBe(total);
      expect(status.kv_cache.total_blocks).toBe(model.deployment.kvCapacity.totalBlocks);
      expect(status.kv_cache.capacity_tokens).toBe(model.deployment.kvCapacity.capacityTokens);
      expect(status.models[0].model).toBe(MODEL);
      // The settings it reports rebuild the same instance offline.
      const rebuilt = resolveDeployment(status.models[0].engine_settings);
      expect(rebuilt.kvCapacity).toEqual(model.deployment.kvCapacity);
      expect(rebuilt.engineConfig).toEqual(model.deployment.engineConfig);
    });

    it('shows a request in flight in /status and its timeline in /debug', async () => {
      const slow = await buildServedApp({ timeScale: 1 });
      try {
        const pending = chat(slow.app, {
          messages: [{ role: 'user', content: 'Hello '.repeat(300) }],
          max_tokens: 40,
          ignore_eos: true,
        });
        await new Promise((resolve) => setTimeout(resolve, 60));
        const during = (await slow.app.inject('/status')).json();
        expect(during.running_requests).toBe(1);
        expect(during.kv_cache.used_blocks).toBeGreaterThan(300 / 16);
        const response = await pending;
        const after = (await slow.app.inject('/status')).json();
        // Memory in use counts the KV blocks held: it falls back once the request is done.
        expect(during.memory_usage.used).toBeGreaterThan(after.memory_usage.used);
        expect(after.running_requests).toBe(0);
        expect(after.kv_cache.used_blocks).toBe(0);
        expect(after.completed_requests).toBe(1);
        // The real-time driver woke for the steps (one wake-up may cover several if it ran late).
        const { driver } = after.models[0];
        expect(driver.wake_ups).toBeGreaterThan(0);
        expect(driver.lateness_ms.p50).toBeGreaterThanOrEqual(0);
        expect(driver.lateness_ms.p99).toBeLessThan(1000);
        const timeline = (await slow.app.inject(`/debug/requests/${response.json().id}`)).json();
        expect(timeline.choices[0].token_times_s).toHaveLength(40);
        expect(timeline.ttft_ms).toBeCloseTo(
          Number(response.headers['x-llmservingsim-ttft-ms']),
          2,
        );
      } finally {
        await slow.app.close();
      }
    });
  });

  describe('errors', () => {
    it('400 for invalid JSON, a non-object body and missing or mistyped fields', async () => {
      const broken = await app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        payload: '{"messages": [',
        headers: { 'content-type': 'application/json' },
      });
      expectApiError(broken, 400, { type: 'invalid_request_error' });
      expectApiError(
        await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: '[1,2]' }),
        400,
        { param: null },
      );
      expectApiError(await chat(app, { model: MODEL }), 400, { param: 'messages' });
      expectApiError(await chat(app, { messages: [{ content: 'x' }] }), 400, {
        param: 'messages[0].role',
      });
      expectApiError(await chat(app, { messages: [{ role: 'user', content: 'x' }], n: 0 }), 400, {
        param: 'n',
      });
      expectApiError(await completions(app, { prompt: 'x', max_tokens: -1 }), 400, {
        param: 'max_tokens',
      });
      // A wrong type is described as such, not as a missing field.
      const mistyped = expectApiError(
        await chat(app, { messages: [{ role: 'user', content: 'x' }], max_tokens: 'abc' }),
        400,
        { param: 'max_tokens' },
      );
      expect(mistyped.message).toContain('expected number');
      expect(mistyped.message).not.toContain('required');
    });

    it('400 for token ids outside the vocabulary and for a prompt with no tokens', async () => {
      expectApiError(await completions(app, { prompt: [1, 128256] }), 400, {
        param: 'prompt[1]',
      });
      expectApiError(await completions(app, { prompt: [[5], [6, 7, 999999]] }), 400, {
        param: 'prompt[1][2]',
      });
      // Llama adds BOS, so an empty text prompt still has one token; Qwen adds none.
      expect((await completions(app, { prompt: '', max_tokens: 1 })).statusCode).toBe(200);
      const qwen = await buildServedApp({ engine: { model: 'Qwen/Qwen3-8B', maxModelLen: 8192 } });
      try {
        expectApiError(await completions(qwen.app, { prompt: '' }), 400, { param: 'prompt' });
      } finally {
        await qwen.app.close();
      }
    });

    it('parses JSON sent without a JSON content type (curl -d)', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/completions',
        payload: '{"prompt":"hi","max_tokens":2}',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(response.statusCode).toBe(200);
      const plain = await app.inject({
        method: 'POST',
        url: '/v1/completions',
        payload: '{"prompt":"hi","max_tokens":2}',
        headers: { 'content-type': 'text/plain' },
      });
      expect(plain.json().usage.completion_tokens).toBe(2);
    });

    it('400 context_length_exceeded with the window in the message', async () => {
      const error = expectApiError(
        await chat(app, { messages: [{ role: 'user', content: 'x' }], max_tokens: 9000 }),
        400,
        { code: 'context_length_exceeded', param: 'max_tokens' },
      );
      expect(error.message).toContain('maximum context length is 8192 tokens');
      const long = 'word '.repeat(9000);
      expectApiError(await completions(app, { prompt: long }), 400, {
        code: 'context_length_exceeded',
        param: 'prompt',
      });
    });

    it('400 for stream_options without stream, and for top_logprobs without logprobs', async () => {
      expectApiError(
        await chat(app, {
          messages: [{ role: 'user', content: 'x' }],
          stream_options: { include_usage: true },
        }),
        400,
        { param: 'stream_options' },
      );
      expectApiError(
        await chat(app, { messages: [{ role: 'user', content: 'x' }], top_logprobs: 2 }),
        400,
        { param: 'top_logprobs' },
      );
    });

    it('404 model_not_found, 404 unknown route, 405 wrong method', async () => {
      expectApiError(
        await chat(app, { model: 'gpt-5', messages: [{ role: 'user', content: 'x' }] }),
        404,
        { code: 'model_not_found', param: 'model' },
      );
      expectApiError(await app.inject('/v2/things'), 404, { code: 'unknown_url' });
      const wrong = await app.inject({ method: 'GET', url: '/v1/chat/completions' });
      expectApiError(wrong, 405, { code: 'method_not_allowed' });
      expect(wrong.headers.allow).toBe('POST');
    });

    it('413 for a body over the limit', async () => {
      const small = await buildServedApp({ maxBodyBytes: 1024 });
      try {
        const response = await chat(small.app, {
          messages: [{ role: 'user', content: 'x'.repeat(4096) }],
        });
        expectApiError(response, 413, { code: 'request_too_large' });
      } finally {
        await small.app.close();
      }
    });

    it('401 on /v1 without the right key; health stays open', async () => {
      const keyed = await buildServedApp({ apiKeys: ['k1', 'k2'] });
      try {
        const body = { messages: [{ role: 'user', content: 'x' }], max_tokens: 2 };
        expectApiError(await chat(keyed.app, body), 401, { code: 'invalid_api_key' });
        expectApiError(await chat(keyed.app, body, { authorization: 'Bearer nope' }), 401, {
          code: 'invalid_api_key',
        });
        expect((await chat(keyed.app, body, { authorization: 'Bearer k2' })).statusCode).toBe(200);
        expectApiError(await keyed.app.inject('/v1/models'), 401, {});
        expect((await keyed.app.inject('/health')).statusCode).toBe(200);
      } finally {
        await keyed.app.close();
      }
    });

    it('429 with retry-after while the waiting queue is at --max-waiting', async () => {
      const busy = await buildServedApp({
        timeScale: 1,
        maxWaiting: 1,
        engine: { maxNumSeqs: 1, maxNumBatchedTokens: 8192 },
      });
      try {
        const body = {
          messages: [{ role: 'user', content: 'x' }],
          max_tokens: 60,
          ignore_eos: true,
        };
        const running = chat(busy.app, body);
        await new Promise((resolve) => setTimeout(resolve, 20));
        const waiting = chat(busy.app, body);
        await new Promise((resolve) => setTimeout(resolve, 20));
        const refused = await chat(busy.app, body);
        const error = expectApiError(refused, 429, { code: 'rate_limit_exceeded' });
        expect(error.type).toBe('rate_limit_error');
        expect(refused.headers['retry-after']).toBe('1');
        // Nothing already accepted is lost.
        expect((await running).statusCode).toBe(200);
        expect((await waiting).statusCode).toBe(200);
      } finally {
        await busy.app.close();
      }
    });
  });
});

describe('browsers', () => {
  it('get no CORS headers by default; with --cors, preflights and replies are marked', async () => {
    const body = { messages: [{ role: 'user', content: 'x' }], max_tokens: 2 };
    const headers = { origin: 'http://localhost:3000' };
    const closed = await buildServedApp();
    const open = await buildServedApp({ corsOrigins: ['*'] });
    const listed = await buildServedApp({ corsOrigins: ['http://localhost:3000'] });
    try {
      const refused = await chat(closed.app, body, headers);
      expect(refused.statusCode).toBe(200);
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await open.app.inject({
        method: 'OPTIONS',
        url: '/v1/chat/completions',
        headers: {
          ...headers,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization',
        },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('*');
      expect(String(preflight.headers['access-control-allow-methods'])).toContain('POST');
      const plain = await chat(open.app, body, headers);
      expect(plain.headers['access-control-allow-origin']).toBe('*');
      const streamed = await chat(open.app, { ...body, stream: true }, headers);
      expect(streamed.headers['access-control-allow-origin']).toBe('*');
      expect(streamed.headers['content-type']).toMatch(/^text\/event-stream/);
      const named = await chat(listed.app, body, headers);
      expect(named.headers['access-control-allow-origin']).toBe('http://localhost:3000');
      const other = await chat(listed.app, body, { origin: 'http://evil.example' });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await Promise.all([closed.app.close(), open.app.close(), listed.app.close()]);
    }
  });
});

describe('a KV cache too small for the load', () => {
  it('preempts and recomputes, and still completes every request with its full output', async () => {
    // 3,520 tokens of KV cache; eight requests of 200 + 400 tokens need 4,800.
    const { app, model } = await buildServedApp({
      // Slow enough that all eight arrive (about 1 ms of handling each) before the first ends.
      timeScale: 20,
      engine: { npuMem: 17.9, maxModelLen: 2048 },
    });
    try {
      expect(model.deployment.kvCapacity.capacityTokens).toBe(3520);
      const replies = await Promise.all(
        Array.from({ length: 8 }, () =>
          completions(app, { prompt: [...Array(200).keys()], max_tokens: 400, ignore_eos: true }),
        ),
      );
      const preemptions = replies.map((reply) =>
        Number(reply.headers['x-llmservingsim-preemptions']),
      );
      expect(replies.every((reply) => reply.json().usage.completion_tokens === 400)).toBe(true);
      expect(preemptions.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
      const status = (await app.inject('/status')).json();
      expect(status.kv_cache.used_blocks).toBe(0);
      expect(status.models[0].kv_cache.peak_used_blocks).toBe(status.kv_cache.total_blocks);
    } finally {
      await app.close();
    }
  });
});

describe('the echo response mode', () => {
  it('repeats the prompt’s tokens and honours stop strings', async () => {
    const { app } = await buildServedApp({ responseMode: 'echo' });
    try {
      const body = (
        await chat(app, {
          messages: [{ role: 'user', content: 'one two three four five' }],
          stop: [' four'],
          max_tokens: 50,
          ignore_eos: true,
        })
      ).json();
      expect(body.choices[0].message.content).toBe('one two three');
      expect(body.choices[0].finish_reason).toBe('stop');
      expect(body.choices[0].stop_reason).toBe(' four');
      // The token that completed the stop string was generated: 4 tokens.
      expect(body.usage.completion_tokens).toBe(4);
    } finally {
      await app.close();
    }
  });
});

describe('arbitrary request bodies', () => {
  it('never get a 5xx: every answer is a completion or an OpenAI-shaped 4xx', async () => {
    const { default: fc } = await import('fast-check');
    const { app } = await buildServedApp({ timeScale: 100_000 });
    const field = fc.oneof(
      fc.constantFrom(
        'model',
        'messages',
        'prompt',
        'max_tokens',
        'max_completion_tokens',
        'n',
        'stop',
        'seed',
        'ignore_eos',
        'min_tokens',
        'stream',
        'stream_options',
        'echo',
        'logprobs',
        'top_logprobs',
        'temperature',
      ),
      fc.string({ maxLength: 8 }),
    );
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.integer({ min: -5, max: 300 }),
      fc.constant([{ role: 'user', content: 'hi' }]),
      fc.constant([[1, 2, 3]]),
    );
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('/v1/chat/completions', '/v1/completions'),
          fc.dictionary(field, value, { maxKeys: 5 }),
          async (url, mutation) => {
            const base =
              url === '/v1/completions'
                ? { prompt: 'hello', max_tokens: 4 }
                : { messages: [{ role: 'user', content: 'hello' }], max_tokens: 4 };
            const response = await app.inject({
              method: 'POST',
              url,
              payload: { ...base, ...mutation },
            });
            expect(response.statusCode).toBeLessThan(500);
            if (response.statusCode >= 400) {
              expect(Object.keys(response.json().error).sort()).toEqual([
                'code',
                'message',
                'param',
                'type',
              ]);
            }
          },
        ),
        { numRuns: 300, seed: 7 },
      );
    } finally {
      await app.close();
    }
  });
});
