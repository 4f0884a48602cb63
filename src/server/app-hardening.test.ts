/**
 * @module The server's defences through `inject()`: keys on every route but `/health` (Bearer,
 * and Basic for the monitoring routes a browser opens), `--public-metrics`, strict bodies
 * (UTF-8, nesting, prototype-poisoning keys), the per-request limits, nothing user-sent
 * reflected as HTML, refusal while draining, and reproducible fault injection.
 */

import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServedApp, sseEvents } from '../../test/support/served-app.js';
import { KeyRing, presentedKey } from './access-control.js';
import { faultFor, parseFailureKinds } from './fault-injection.js';
import { jsonDepth } from './request-body.js';
import { ServerLifecycle } from './server-lifecycle.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field.
type Json = Record<string, any>;

const CHAT = { messages: [{ role: 'user', content: 'Hello' }], max_tokens: 4 };

function post(app: FastifyInstance, body: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
}

function errorOf(response: LightMyRequestResponse, status: number): Json {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const { error } = response.json();
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  return error;
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

describe('API keys', () => {
  let keyed: FastifyInstance;
  let open: FastifyInstance;
  beforeAll(async () => {
    ({ app: keyed } = await buildServedApp({ apiKeys: ['sk-one', 'sk-two'] }));
    ({ app: open } = await buildServedApp({ apiKeys: ['sk-one'], publicMetrics: true }));
  });
  afterAll(async () => {
    await Promise.all([keyed.close(), open.close()]);
  });

  it('match exactly, whatever their length, and read Bearer and Basic credentials', () => {
    const ring = new KeyRing(['sk-one', 'sk-two']);
    expect(ring.accepts('sk-one')).toBe(true);
    expect(ring.accepts('sk-two')).toBe(true);
    for (const wrong of ['', 'sk-on', 'sk-one ', 'SK-ONE', 'sk-one-more', 'x'.repeat(10_000)]) {
      expect(ring.accepts(wrong)).toBe(false);
    }
    expect(presentedKey('Bearer sk-one', false)).toBe('sk-one');
    expect(presentedKey('bearer   sk-one ', false)).toBe('sk-one');
    expect(presentedKey(basic('user', 'sk-one'), true)).toBe('sk-one');
    expect(presentedKey(basic('sk-one', ''), true)).toBe('sk-one');
    expect(presentedKey(basic('user', 'sk-one'), false)).toBeUndefined();
    expect(presentedKey('Token sk-one', true)).toBeUndefined();
  });

  it('guard /v1, /status, /metrics, the dashboard and /debug; /health stays open', async () => {
    for (const url of [
      '/v1/models',
      '/status',
      '/metrics',
      '/',
      '/dashboard/data',
      '/debug/requests',
    ]) {
      const refused = errorOf(await keyed.inject(url), 401);
      expect(refused).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
      const wrong = await keyed.inject({ url, headers: { authorization: 'Bearer sk-three' } });
      expect(errorOf(wrong, 401).message).toMatch(/Incorrect API key/);
      const right = await keyed.inject({ url, headers: { authorization: 'Bearer sk-two' } });
      expect(right.statusCode).toBe(200);
    }
    expect((await keyed.inject('/health')).statusCode).toBe(200);
    errorOf(await post(keyed, CHAT), 401);
    expect((await post(keyed, CHAT, { authorization: 'Bearer sk-one' })).statusCode).toBe(200);
  });

  it('let a browser log in to the dashboard with Basic credentials; not the API', async () => {
    const page = await keyed.inject('/dashboard');
    errorOf(page, 401);
    expect(page.headers['www-authenticate']).toBe('Basic realm="llmservingsim"');
    const login = { authorization: basic('anyone', 'sk-one') };
    expect((await keyed.inject({ url: '/dashboard', headers: login })).statusCode).toBe(200);
    expect((await keyed.inject({ url: '/dashboard/data', headers: login })).statusCode).toBe(200);
    expect((await keyed.inject({ url: '/metrics', headers: login })).statusCode).toBe(200);
    const api = await keyed.inject({ url: '/v1/models', headers: login });
    errorOf(api, 401);
    expect(api.headers['www-authenticate']).toBeUndefined();
  });

  it('leave the monitoring routes open with --public-metrics, and only those', async () => {
    for (const url of ['/', '/dashboard', '/dashboard/data', '/metrics', '/status']) {
      expect((await open.inject(url)).statusCode).toBe(200);
    }
    errorOf(await open.inject('/v1/models'), 401);
    errorOf(await open.inject('/debug/requests'), 401);
  });
});

describe('request bodies', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    ({ app } = await buildServedApp({ timeScale: 100_000 }));
  });
  afterAll(async () => {
    await app.close();
  });

  it('must be UTF-8', async () => {
    const valid = Buffer.from(JSON.stringify(CHAT));
    const at = valid.indexOf('Hello');
    for (const bad of [[0xc3, 0x28], [0xff], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      const body = Buffer.concat([valid.subarray(0, at), Buffer.from(bad), valid.subarray(at)]);
      const error = errorOf(await post(app, body), 400);
      expect(error).toMatchObject({ param: null, code: 'invalid_encoding' });
      expect(error.message).toContain(`byte ${at}`);
    }
    // A BOM and non-ASCII text are fine.
    const accented = { ...CHAT, messages: [{ role: 'user', content: 'déjà vu 😀' }] };
    const bom = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(JSON.stringify(accented)),
    ]);
    expect((await post(app, bom)).statusCode).toBe(200);
  });

  it('may nest 64 levels, not more; brackets inside strings do not count', async () => {
    expect(jsonDepth('{"a": "[[[[{{{{", "b": [[1]], "c": "\\"["}')).toBe(3);
    const nested = (depth: number) => ({
      ...CHAT,
      extra: JSON.parse(`${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}`),
    });
    expect((await post(app, nested(64))).statusCode).toBe(200);
    const error = errorOf(await post(app, nested(65)), 400);
    expect(error).toMatchObject({ param: null, code: 'nesting_too_deep' });
    const hostile = `{"messages": ${'['.repeat(200_000)}`;
    expect(errorOf(await post(app, hostile), 400).code).toBe('nesting_too_deep');
  });

  it('refuses __proto__ and constructor.prototype keys, and nothing leaks into prototypes', async () => {
    const poisoned = [
      '{"messages":[{"role":"user","content":"x"}],"__proto__":{"polluted":1}}',
      '{"messages":[{"role":"user","content":"x","__proto__":{"polluted":1}}]}',
      '{"messages":[{"role":"user","content":"x"}],"constructor":{"prototype":{"polluted":1}}}',
    ];
    for (const body of poisoned) {
      expect(errorOf(await post(app, body), 400)).toMatchObject({
        param: null,
        code: 'forbidden_key',
      });
    }
    expect(({} as Json).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('keeps user input out of HTML: errors are JSON that browsers must not sniff', async () => {
    const probe = '<script>alert(1)</script>';
    const unknown = await app.inject(
      `/${encodeURIComponent(probe)}?q=${encodeURIComponent(probe)}`,
    );
    errorOf(unknown, 404);
    expect(unknown.headers['x-content-type-options']).toBe('nosniff');
    const page = await app.inject(`/dashboard?model=${encodeURIComponent(probe)}`);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).not.toContain(probe);
    expect(page.body).not.toContain('alert(1)');
  });
});

describe('per-request limits', () => {
  it('bound n, stop strings, prompts per batch and max_tokens, naming the field', async () => {
    const { app } = await buildServedApp({
      timeScale: 100_000,
      limits: { maxN: 4, maxStop: 2, maxPrompts: 3, maxOutputTokens: 10 },
    });
    try {
      expect((await post(app, { ...CHAT, n: 4 })).statusCode).toBe(200);
      expect(errorOf(await post(app, { ...CHAT, n: 5 }), 400).param).toBe('n');
      expect(errorOf(await post(app, { ...CHAT, stop: ['a', 'b', 'c'] }), 400).param).toBe('stop');
      const capped = errorOf(await post(app, { ...CHAT, max_completion_tokens: 11 }), 400);
      expect(capped.param).toBe('max_completion_tokens');
      // Without max_tokens, the cap is the default: no reply runs past it.
      const free = await post(app, { messages: CHAT.messages, ignore_eos: true });
      expect(free.json().usage.completion_tokens).toBe(10);
      const batch = (count: number) =>
        app.inject({
          method: 'POST',
          url: '/v1/completions',
          payload: { prompt: Array.from({ length: count }, () => 'hi'), max_tokens: 2 },
        });
      expect((await batch(3)).statusCode).toBe(200);
      expect(errorOf(await batch(4), 400).param).toBe('prompt');
    } finally {
      await app.close();
    }
  });
});

describe('draining', () => {
  it('answers new requests with 503 in OpenAI shape, /health included', async () => {
    const lifecycle = new ServerLifecycle();
    const { app } = await buildServedApp({ lifecycle });
    try {
      expect((await app.inject('/health')).statusCode).toBe(200);
      lifecycle.beginDrain();
      for (const response of [await app.inject('/health'), await post(app, CHAT)]) {
        const error = errorOf(response, 503);
        expect(error).toMatchObject({ type: 'server_error', code: 'service_unavailable' });
        expect(response.headers.connection).toBe('close');
      }
    } finally {
      await app.close();
    }
  });
});

describe('fault injection', () => {
  const kinds = parseFailureKinds('429,500,503,stream-error,stall');

  it('chooses the same faults for the same seed and request numbers, at about the rate', () => {
    const settings = { rate: 0.3, kinds, seed: 11 };
    const plan = (seed: number) =>
      Array.from({ length: 2000 }, (_, n) => {
        const fault = faultFor({ ...settings, seed }, n);
        return fault.kind === 'status' ? fault.error.statusCode : fault.kind;
      });
    const first = plan(11);
    expect(plan(11)).toEqual(first);
    expect(plan(12)).not.toEqual(first);
    const failed = first.filter((kind) => kind !== 'none').length;
    expect(failed / first.length).toBeGreaterThan(0.25);
    expect(failed / first.length).toBeLessThan(0.35);
    for (const kind of [429, 500, 503, 'stream-error', 'stall']) expect(first).toContain(kind);
    expect(faultFor(undefined, 3)).toEqual({ kind: 'none' });
    expect(() => parseFailureKinds('429,teapot')).toThrow(/unknown failure kind 'teapot'/);
  });

  it('answers with the chosen status, retry-after on 429 and 503', async () => {
    for (const [kind, status] of [
      ['429', 429],
      ['500', 500],
      ['503', 503],
    ] as const) {
      const { app } = await buildServedApp({
        timeScale: 100_000,
        faults: { rate: 1, kinds: [kind], seed: 1 },
      });
      try {
        const response = await post(app, CHAT);
        const error = errorOf(response, status);
        expect(error.message).toContain('injected');
        if (status !== 500) expect(response.headers['retry-after']).toBe('1');
        // Bad input still gets its 400 first.
        expect(errorOf(await post(app, { messages: [] }), 400).param).toBe('messages');
      } finally {
        await app.close();
      }
    }
  });

  it('ends a stream with an error event mid-way, and frees the request', async () => {
    // Real time, so the engine is still running the request when the fault strikes.
    const { app, model } = await buildServedApp({
      timeScale: 1,
      faults: { rate: 1, kinds: ['stream-error'], seed: 3 },
    });
    try {
      const streamed = await post(app, { ...CHAT, max_tokens: 40, ignore_eos: true, stream: true });
      const events = sseEvents(streamed.body);
      expect(events.at(-1)).toBe('[DONE]');
      const last = events.at(-2) as Json;
      expect(last.error).toMatchObject({ type: 'server_error' });
      expect(last.error.message).toContain('injected');
      // Fewer than the 40 tokens asked for were sent before the error.
      expect(events.length - 2).toBeLessThan(41);
      const plain = await post(app, { ...CHAT, max_tokens: 40, ignore_eos: true });
      expect(errorOf(plain, 500).message).toContain('injected');
      const status = model.engine.status();
      expect(status.runningRequests + status.waitingRequests).toBe(0);
      expect(status.kvUsedBlocks).toBe(0);
      expect(status.abortedRequests).toBe(2);
    } finally {
      await app.close();
    }
  });

  it('stalls: sends nothing more, frees the KV blocks, and ends with the error at shutdown', async () => {
    const lifecycle = new ServerLifecycle();
    const { app, model } = await buildServedApp({
      timeScale: 100_000,
      lifecycle,
      faults: { rate: 1, kinds: ['stall'], seed: 5 },
    });
    try {
      const pending = post(app, { ...CHAT, max_tokens: 50, ignore_eos: true, stream: true });
      // Well past the simulated end of a 50-token request at this time scale.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(lifecycle.inFlight).toBe(1);
      expect(model.engine.status().kvUsedBlocks).toBe(0);
      lifecycle.abortInFlight();
      const events = sseEvents((await pending).body);
      expect(events.at(-1)).toBe('[DONE]');
      expect((events.at(-2) as Json).error.code).toBe('service_unavailable');
      expect(events.length - 2).toBeLessThan(51);
      expect(lifecycle.inFlight).toBe(0);
    } finally {
      await app.close();
    }
  });
});
