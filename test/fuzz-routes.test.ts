/**
 * @module Property-based fuzz tests of every HTTP route (fast-check, fixed seeds): generated
 * bodies, headers, queries, paths and methods through `inject()`, and raw request bytes over a
 * real socket. The contract: no 5xx, no hang, every error in OpenAI's envelope naming the
 * offending `param`, and a server that still answers a normal request afterwards with no
 * prototype polluted.
 */

import net from 'node:net';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  badPercent,
  chatMutation,
  completionMutation,
  type FieldMutation,
  FUZZ_MODEL,
  hardSegment,
  IGNORED_SITES,
  invalidUtf8Body,
  MAX_JSON_DEPTH,
  malformedJson,
  nestedChatBody,
  poisonedChatBody,
  queryText,
  type RawRequest,
  randomHeaders,
  rawRequest,
  unparsableRequest,
  validChatBody,
  validCompletionBody,
} from './support/fuzz-arbitraries.js';
import { startTestServer } from './support/live-server.js';
import { buildServedApp } from './support/served-app.js';

/** Wall-clock bound of one request: far above the ~1 ms an answer takes here. */
const REQUEST_TIMEOUT_MS = 5_000;

/** Fast enough that a 24-token completion takes microseconds of wall time. */
const TIME_SCALE = 100_000;

interface Answer {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly body: string;
}

/** A request that does not settle in time fails the property (a hang is a bug too). */
async function bounded<T>(promise: Promise<T>, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms: ${label}`)),
      REQUEST_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function send(app: FastifyInstance, options: InjectOptions): Promise<Answer> {
  const label = `${String(options.method ?? 'GET')} ${String(options.url)}`;
  return bounded(app.inject(options) as Promise<Answer>, label);
}

function postJson(
  app: FastifyInstance,
  url: string,
  payload: string | Buffer,
  contentType = 'application/json',
) {
  return send(app, { method: 'POST', url, payload, headers: { 'content-type': contentType } });
}

interface ErrorFields {
  readonly message: string;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
}

/** Checks OpenAI's error envelope (exactly its four fields, a JSON content type) and returns it. */
function expectEnvelope(answer: Answer, context: string): ErrorFields {
  expect(String(answer.headers['content-type']), context).toMatch(/^application\/json\b/);
  let parsed: unknown;
  expect(
    () => {
      parsed = JSON.parse(answer.body);
    },
    `${context}: body ${answer.body.slice(0, 200)}`,
  ).not.toThrow();
  expect(Object.keys(parsed as object), `${context}: ${answer.body.slice(0, 200)}`).toEqual([
    'error',
  ]);
  const error = (parsed as { error: Record<string, unknown> }).error;
  expect(Object.keys(error).sort(), `${context}: ${answer.body.slice(0, 200)}`).toEqual([
    'code',
    'message',
    'param',
    'type',
  ]);
  expect(typeof error.message === 'string' && error.message.length > 0, context).toBe(true);
  expect(typeof error.type, context).toBe('string');
  expect(error.param === null || typeof error.param === 'string', context).toBe(true);
  expect(error.code === null || typeof error.code === 'string', context).toBe(true);
  return error as unknown as ErrorFields;
}

/** The contract every answer meets: no 5xx, and any error in the envelope (HEAD has no body). */
function expectWellFormed(answer: Answer, context: string, method = 'GET'): void {
  expect(answer.statusCode, `${context}: ${answer.body.slice(0, 200)}`).toBeLessThan(500);
  if (answer.statusCode >= 400 && method !== 'HEAD') expectEnvelope(answer, context);
}

/** A 400 whose `param` is null: the body as a whole is refused, before any field is read. */
function expectBodyRefused(answer: Answer, context: string): void {
  expect(answer.statusCode, `${context}: ${answer.body.slice(0, 200)}`).toBe(400);
  expect(expectEnvelope(answer, context).param, context).toBeNull();
}

function expectMutationRefused(answer: Answer, mutation: FieldMutation): void {
  const context = mutation.description;
  expect(answer.statusCode, `${context}: ${answer.body.slice(0, 300)}`).toBe(mutation.status);
  const { param } = expectEnvelope(answer, context);
  if (mutation.match === 'exact') {
    expect(param, context).toBe(mutation.param);
  } else {
    const named =
      param === mutation.param ||
      param?.startsWith(`${mutation.param}.`) === true ||
      param?.startsWith(`${mutation.param}[`) === true;
    expect(named, `${context}: param ${param}, expected ${mutation.param} or below`).toBe(true);
  }
}

/** Runs a property with a fixed seed, so a failure reproduces. */
function check<Ts extends [unknown, ...unknown[]]>(
  property: fc.IAsyncPropertyWithHooks<Ts>,
  options: { seed: number; numRuns: number },
): Promise<void> {
  return fc.assert(property, options);
}

const NORMAL_CHAT = { messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 4 };

/** Object.prototype's own keys before any fuzzing, to detect pollution. */
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

function expectNoPrototypePollution(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
  expect(Object.getOwnPropertyNames(Array.prototype)).not.toContain('polluted');
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

describe('fuzzed requests through inject()', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    ({ app } = await buildServedApp({ timeScale: TIME_SCALE }));
  });
  afterAll(async () => {
    await app.close();
  });
  afterEach(async () => {
    // Whatever a property threw at the server, it still serves and nothing was polluted.
    const answer = await postJson(app, '/v1/chat/completions', JSON.stringify(NORMAL_CHAT));
    expect(answer.statusCode, answer.body).toBe(200);
    expect(JSON.parse(answer.body).choices[0].message.role).toBe('assistant');
    expectNoPrototypePollution();
  });

  describe('valid bodies (the generators the mutations start from)', () => {
    it('chat completions answer 200 with a completion or a finished stream', async () => {
      await check(
        fc.asyncProperty(validChatBody, async (body) => {
          const answer = await postJson(app, '/v1/chat/completions', JSON.stringify(body));
          expect(answer.statusCode, answer.body.slice(0, 300)).toBe(200);
          if (body.stream === true) expect(answer.body).toMatch(/data: \[DONE\]\n\n$/);
          else expect(JSON.parse(answer.body).object).toBe('chat.completion');
        }),
        { seed: 101, numRuns: 250 },
      );
    });

    it('completions answer 200 with a completion or a finished stream', async () => {
      await check(
        fc.asyncProperty(validCompletionBody, async (body) => {
          const answer = await postJson(app, '/v1/completions', JSON.stringify(body));
          expect(answer.statusCode, answer.body.slice(0, 300)).toBe(200);
          if (body.stream === true) expect(answer.body).toMatch(/data: \[DONE\]\n\n$/);
          else expect(JSON.parse(answer.body).object).toBe('text_completion');
        }),
        { seed: 102, numRuns: 250 },
      );
    });
  });

  describe('one invalid field', () => {
    it('chat completions: 400 (404 for an unknown model) naming exactly that field', async () => {
      await check(
        fc.asyncProperty(chatMutation, async (mutation) => {
          const answer = await postJson(app, '/v1/chat/completions', JSON.stringify(mutation.body));
          expectMutationRefused(answer, mutation);
        }),
        { seed: 201, numRuns: 2000 },
      );
    });

    it('completions: 400 (404 for an unknown model) naming exactly that field', async () => {
      await check(
        fc.asyncProperty(completionMutation, async (mutation) => {
          const answer = await postJson(app, '/v1/completions', JSON.stringify(mutation.body));
          expectMutationRefused(answer, mutation);
        }),
        { seed: 202, numRuns: 2000 },
      );
    });
  });

  describe('bodies refused as a whole (400, param null)', () => {
    const completionUrl = fc.constantFrom('/v1/chat/completions', '/v1/completions');
    const jsonContentType = fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
    );

    it('malformed JSON: truncated, trailing garbage, random bytes', async () => {
      await check(
        fc.asyncProperty(completionUrl, malformedJson, jsonContentType, async (url, body, type) => {
          const answer = await postJson(app, url, body.bytes, type);
          expectBodyRefused(answer, `${url} ${type} ${body.description}`);
        }),
        { seed: 301, numRuns: 1500 },
      );
    });

    it('invalid UTF-8 inside a string of an otherwise valid body', async () => {
      await check(
        fc.asyncProperty(invalidUtf8Body, jsonContentType, async (body, type) => {
          const answer = await postJson(app, body.url, body.bytes, type);
          expectBodyRefused(answer, `${body.url} ${type} ${body.description}`);
        }),
        { seed: 302, numRuns: 800 },
      );
    });

    it('nesting deeper than 64 arrays or objects, wherever it is', async () => {
      await check(
        fc.asyncProperty(
          // The body adds 2 or 3 levels around the value: 68 levels at least in all.
          nestedChatBody(
            fc.oneof(fc.integer({ min: MAX_JSON_DEPTH + 2, max: 300 }), fc.constant(20_000)),
          ),
          jsonContentType,
          async (body, type) => {
            const answer = await postJson(app, '/v1/chat/completions', body.text, type);
            expectBodyRefused(answer, `${type} ${body.description}`);
          },
        ),
        { seed: 303, numRuns: 600 },
      );
    });

    it('nesting well within the limit, in fields the schema ignores, is served', async () => {
      await check(
        fc.asyncProperty(
          // 61 levels at most in all, with the 3 the body adds.
          nestedChatBody(fc.integer({ min: 1, max: MAX_JSON_DEPTH - 6 }), IGNORED_SITES),
          async (body) => {
            const answer = await postJson(app, '/v1/chat/completions', body.text);
            expect(answer.statusCode, `${body.description}: ${answer.body.slice(0, 200)}`).toBe(
              200,
            );
          },
        ),
        { seed: 304, numRuns: 150 },
      );
    });

    it('__proto__ and constructor.prototype keys, at any depth', async () => {
      await check(
        fc.asyncProperty(poisonedChatBody, jsonContentType, async (body, type) => {
          const answer = await postJson(app, '/v1/chat/completions', body.text, type);
          expectBodyRefused(answer, `${type} ${body.description}`);
          expectNoPrototypePollution();
        }),
        { seed: 305, numRuns: 800 },
      );
    });
  });

  describe('headers', () => {
    const anyRoute = fc.constantFrom(
      ['POST', '/v1/chat/completions'],
      ['POST', '/v1/completions'],
      ['GET', '/v1/models'],
      ['GET', '/health'],
      ['GET', '/status'],
      ['GET', '/metrics'],
      ['GET', '/dashboard/data'],
    );
    const anyBody = fc.oneof(
      validChatBody.map((body) => Buffer.from(JSON.stringify(body))),
      malformedJson.map((body) => body.bytes),
    );

    it('random content-type, authorization, accept and encoding headers never cause a 5xx', async () => {
      await check(
        fc.asyncProperty(anyRoute, randomHeaders, anyBody, async ([method, url], headers, body) => {
          const answer = await send(app, {
            method: method as 'GET' | 'POST',
            url,
            headers,
            ...(method === 'POST' ? { payload: body } : {}),
          });
          expectWellFormed(answer, `${method} ${url} ${JSON.stringify(headers)}`, method);
        }),
        { seed: 401, numRuns: 1500 },
      );
    });

    it('with --api-key, every route but /health answers 401 unless the key matches', async () => {
      const key = 'sk-fuzz-0123456789';
      const { app: guarded } = await buildServedApp({ timeScale: TIME_SCALE, apiKeys: [key] });
      const basic = (user: string, password: string) =>
        `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      type Credential = { header: string; kind: 'bearer' | 'basic' | 'wrong' };
      const credential: fc.Arbitrary<Credential> = fc.oneof(
        fc.constant({ header: `Bearer ${key}`, kind: 'bearer' as const }),
        fc.constant({ header: basic('prometheus', key), kind: 'basic' as const }),
        fc
          .oneof(
            randomHeaders.map((headers) => headers.authorization ?? ''),
            fc.string({ maxLength: 20 }).map((text) => `Bearer ${key}${text}`),
            fc.constant(`Bearer ${key.slice(0, -1)}`),
            fc.constant(`bearer ${key.toUpperCase()}`),
            fc.string({ maxLength: 12 }).map((password) => basic(key, `x${password}`)),
          )
          .filter((header) => !header.includes(key) || header.trim() !== `Bearer ${key}`)
          .map((header) => ({ header, kind: 'wrong' as const })),
      );
      const route = fc.constantFrom(
        ['POST', '/v1/chat/completions'],
        ['POST', '/v1/completions'],
        ['GET', '/v1/models'],
        ['GET', `/v1/models/${FUZZ_MODEL}`],
        ['GET', '/health'],
        ['GET', '/status'],
        ['GET', '/metrics'],
        ['GET', '/'],
        ['GET', '/dashboard'],
        ['GET', '/dashboard/data'],
        ['GET', '/debug/requests'],
        ['GET', '/nowhere'],
      );
      const monitoring = new Set(['/status', '/metrics', '/', '/dashboard', '/dashboard/data']);
      try {
        await check(
          fc.asyncProperty(route, credential, async ([method, url], { header, kind }) => {
            const answer = await send(guarded, {
              method: method as 'GET' | 'POST',
              url,
              headers: { authorization: header, 'content-type': 'application/json' },
              ...(method === 'POST' ? { payload: JSON.stringify(NORMAL_CHAT) } : {}),
            });
            const context = `${method} ${url} authorization ${JSON.stringify(header)}`;
            expectWellFormed(answer, context, method);
            const accepted =
              url === '/health' || kind === 'bearer' || (kind === 'basic' && monitoring.has(url));
            if (accepted) {
              expect(answer.statusCode, `${context}: ${answer.body.slice(0, 200)}`).not.toBe(401);
            } else {
              expect(answer.statusCode, `${context}: ${answer.body.slice(0, 200)}`).toBe(401);
              expect(expectEnvelope(answer, context).code, context).toBe('invalid_api_key');
            }
          }),
          { seed: 402, numRuns: 500 },
        );
      } finally {
        await guarded.close();
      }
    });
  });

  describe('query parameters', () => {
    const validSince = fc.oneof(
      fc.nat().map(String),
      fc
        .tuple(fc.integer({ min: 0, max: 2e12 }), fc.nat({ max: 999 }))
        .map(([whole, part]) => `${whole}.${part}`),
    );
    const invalidSince = fc.oneof(
      fc.constantFrom('', 'abc', '-5', '1e3', 'NaN', 'Infinity', '0x10', '5abc', '-0.5'),
      fc.stringMatching(/^[a-z]{1,8}$/),
    );
    const extraPairs = fc.array(fc.tuple(queryText, queryText), { maxLength: 3 });
    const query = (pairs: readonly (readonly [string, string])[]) =>
      pairs.map(([key, value]) => `${key}=${value}`).join('&');

    it('GET /dashboard/data?since=: 200 with samples newer than `since`, or 400 naming `since`', async () => {
      await check(
        fc.asyncProperty(
          fc.oneof(
            validSince.map((value) => ({ value, valid: true })),
            invalidSince.map((value) => ({ value, valid: false })),
          ),
          fc.boolean(),
          async (since, repeat) => {
            const url = `/dashboard/data?since=${encodeURIComponent(since.value)}${repeat ? '&since=0' : ''}`;
            const answer = await send(app, { method: 'GET', url });
            expectWellFormed(answer, url);
            if (since.valid && !repeat) {
              expect(answer.statusCode, `${url}: ${answer.body.slice(0, 200)}`).toBe(200);
              const data = JSON.parse(answer.body) as {
                models: { samples: { time_ms: number[] } }[];
              };
              for (const timeMs of data.models[0]?.samples.time_ms ?? []) {
                expect(timeMs, url).toBeGreaterThan(Number(since.value));
              }
            } else {
              expect(answer.statusCode, `${url}: ${answer.body.slice(0, 200)}`).toBe(400);
              expect(expectEnvelope(answer, url).param, url).toBe('since');
            }
          },
        ),
        { seed: 501, numRuns: 500 },
      );
    });

    it('GET /dashboard/data?model=: only that model, or 400/404 naming `model`', async () => {
      await check(
        fc.asyncProperty(
          fc.oneof(
            fc.constant({ value: FUZZ_MODEL, served: true }),
            fc.stringMatching(/^[a-z0-9/._-]{1,20}$/).map((value) => ({ value, served: false })),
          ),
          fc.option(fc.nat().map(String)),
          async (model, since) => {
            const sinceQuery = since === null ? '' : `since=${since}&`;
            const url = `/dashboard/data?${sinceQuery}model=${encodeURIComponent(model.value)}`;
            const answer = await send(app, { method: 'GET', url });
            expectWellFormed(answer, url);
            if (model.served) {
              expect(answer.statusCode, `${url}: ${answer.body.slice(0, 200)}`).toBe(200);
              const data = JSON.parse(answer.body) as { models: { model: string }[] };
              expect(
                data.models.map((entry) => entry.model),
                url,
              ).toEqual([FUZZ_MODEL]);
            } else {
              expect([400, 404], `${url}: ${answer.body.slice(0, 200)}`).toContain(
                answer.statusCode,
              );
              expect(expectEnvelope(answer, url).param, url).toBe('model');
            }
          },
        ),
        { seed: 505, numRuns: 300 },
      );
    });

    it('GET /debug/requests?limit=: 200 with at most `limit` entries, or 400 naming `limit`', async () => {
      const validLimit = fc
        .integer({ min: 1, max: 1000 })
        .map((value) => ({ value: String(value), valid: true as boolean | undefined }));
      const invalidLimit = fc
        .oneof(
          fc.constantFrom('0', '-1', '2.5', 'abc', '', 'NaN', 'Infinity', '5abc', '-0'),
          fc.stringMatching(/^[a-z]{1,6}$/),
        )
        .map((value) => ({ value, valid: false as boolean | undefined }));
      // Above the cap: clamping and refusing both keep the contract.
      const largeLimit = fc
        .integer({ min: 1001, max: 2 ** 40 })
        .map((value) => ({ value: String(value), valid: undefined }));
      await check(
        fc.asyncProperty(fc.oneof(validLimit, invalidLimit, largeLimit), async (limit) => {
          const url = `/debug/requests?limit=${encodeURIComponent(limit.value)}`;
          const answer = await send(app, { method: 'GET', url });
          expectWellFormed(answer, url);
          if (limit.valid === true) {
            expect(answer.statusCode, url).toBe(200);
            expect(JSON.parse(answer.body).data.length, url).toBeLessThanOrEqual(
              Number(limit.value),
            );
          } else if (limit.valid === false) {
            expect(answer.statusCode, `${url}: ${answer.body.slice(0, 200)}`).toBe(400);
            expect(expectEnvelope(answer, url).param, url).toBe('limit');
          }
        }),
        { seed: 502, numRuns: 500 },
      );
    });

    it('random query keys and values on every GET route never cause a 5xx', async () => {
      const route = fc.constantFrom(
        '/v1/models',
        `/v1/models/${FUZZ_MODEL}`,
        '/health',
        '/status',
        '/metrics',
        '/',
        '/dashboard',
        '/dashboard/data',
        '/debug/requests',
      );
      await check(
        fc.asyncProperty(route, extraPairs, fc.boolean(), async (path, pairs, bare) => {
          const url = bare
            ? `${path}?${pairs.map(([key]) => key).join('&')}`
            : `${path}?${query(pairs)}`;
          const answer = await send(app, { method: 'GET', url });
          expectWellFormed(answer, url);
        }),
        { seed: 503, numRuns: 1000 },
      );
    });

    it('routes without parameters ignore any query and answer 200', async () => {
      const route = fc.constantFrom(
        '/v1/models',
        '/health',
        '/status',
        '/metrics',
        '/',
        '/dashboard',
      );
      await check(
        fc.asyncProperty(
          route,
          fc.array(fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })), {
            maxLength: 3,
          }),
          async (path, pairs) => {
            const url = `${path}?${pairs.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&')}`;
            const answer = await send(app, { method: 'GET', url });
            expect(answer.statusCode, `${url}: ${answer.body.slice(0, 200)}`).toBe(200);
          },
        ),
        { seed: 504, numRuns: 300 },
      );
    });
  });

  describe('paths and methods', () => {
    const KNOWN: readonly (readonly [string, string])[] = [
      ['/v1/chat/completions', 'POST'],
      ['/v1/completions', 'POST'],
      ['/v1/models', 'GET'],
      ['/health', 'GET'],
      ['/status', 'GET'],
      ['/metrics', 'GET'],
      ['/', 'GET'],
      ['/dashboard', 'GET'],
      ['/dashboard/data', 'GET'],
      ['/debug/requests', 'GET'],
    ];
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD');

    it('wrong methods on known paths: 405 with `allow`; unknown paths: 404', async () => {
      await check(
        fc.asyncProperty(fc.constantFrom(...KNOWN), method, async ([path, allowed], verb) => {
          fc.pre(verb !== allowed && !(verb === 'HEAD' && allowed === 'GET'));
          const answer = await send(app, {
            method: verb as 'GET',
            url: path,
            ...(verb === 'GET' || verb === 'HEAD'
              ? {}
              : { payload: '{}', headers: { 'content-type': 'application/json' } }),
          });
          const context = `${verb} ${path}`;
          expect(answer.statusCode, `${context}: ${answer.body.slice(0, 200)}`).toBe(405);
          expect(answer.headers.allow, context).toBe(allowed);
          if (verb !== 'HEAD') expectEnvelope(answer, context);
        }),
        { seed: 601, numRuns: 200 },
      );
    });

    it('random paths and methods never cause a 5xx', async () => {
      const path = fc.oneof(
        fc
          .tuple(
            fc.constantFrom(...KNOWN.map(([known]) => known)),
            fc.array(hardSegment, { maxLength: 3 }),
          )
          .map(([known, extra]) => [known.replace(/\/$/, ''), ...extra].join('/') || '/'),
        fc
          .array(hardSegment, { minLength: 1, maxLength: 4 })
          .map((segments) => `/${segments.join('/')}`),
        fc.webPath().map((value) => value || '/'),
      );
      await check(
        fc.asyncProperty(method, path, async (verb, url) => {
          const answer = await send(app, {
            method: verb as 'GET',
            url,
            ...(verb === 'GET' || verb === 'HEAD'
              ? {}
              : {
                  payload: JSON.stringify(NORMAL_CHAT),
                  headers: { 'content-type': 'application/json' },
                }),
          });
          expectWellFormed(answer, `${verb} ${url}`, verb);
        }),
        { seed: 602, numRuns: 1500 },
      );
    });

    it('GET /v1/models/:id: the card for a served name, else 404 model_not_found', async () => {
      const id = fc.oneof(
        fc.constant({ path: FUZZ_MODEL, served: true }),
        fc.constant({ path: encodeURIComponent(FUZZ_MODEL), served: true }),
        fc
          .string({ minLength: 1, maxLength: 20 })
          .filter((text) => !text.includes('%'))
          .map((text) => ({ path: encodeURIComponent(text), served: text === FUZZ_MODEL })),
      );
      await check(
        fc.asyncProperty(id, async ({ path, served }) => {
          const url = `/v1/models/${path}`;
          const answer = await send(app, { method: 'GET', url });
          expectWellFormed(answer, url);
          if (served) {
            expect(answer.statusCode, url).toBe(200);
            expect(JSON.parse(answer.body).id, url).toBe(FUZZ_MODEL);
          } else {
            expect(answer.statusCode, `${url}: ${answer.body.slice(0, 200)}`).toBe(404);
            expect(expectEnvelope(answer, url)).toMatchObject({
              param: 'model',
              code: 'model_not_found',
            });
          }
        }),
        { seed: 603, numRuns: 400 },
      );
    });

    // Regression: the route once decoded an id Fastify had already decoded, so `%25` (a literal
    // `%`) was decoded twice and decodeURIComponent threw: 500 instead of 404.
    it('GET /v1/models/:id with a `%` in the id: 404 model_not_found', async () => {
      await check(
        fc.asyncProperty(
          fc.string({ maxLength: 10 }),
          fc.string({ maxLength: 10 }),
          async (before, after) => {
            const url = `/v1/models/${encodeURIComponent(`${before}%${after}`)}`;
            const answer = await send(app, { method: 'GET', url });
            expect(answer.statusCode, `${url}: ${answer.body.slice(0, 200)}`).toBe(404);
            expect(expectEnvelope(answer, url).param, url).toBe('model');
          },
        ),
        { seed: 604, numRuns: 200 },
      );
    });

    it('GET /debug/requests/:id: the timeline of a recent request, else 404 naming `id`', async () => {
      const recent = await postJson(app, '/v1/chat/completions', JSON.stringify(NORMAL_CHAT));
      const recentId = String(JSON.parse(recent.body).id);
      const id = fc.oneof(
        fc.constant({ path: recentId, known: true }),
        fc
          .string({ minLength: 1, maxLength: 20 })
          .map((text) => ({ path: encodeURIComponent(text), known: text === recentId })),
      );
      await check(
        fc.asyncProperty(id, async ({ path, known }) => {
          const url = `/debug/requests/${path}`;
          const answer = await send(app, { method: 'GET', url });
          expectWellFormed(answer, url);
          if (known) {
            expect(answer.statusCode, url).toBe(200);
            expect(JSON.parse(answer.body).id, url).toBe(recentId);
          } else {
            expect(answer.statusCode, `${url}: ${answer.body.slice(0, 200)}`).toBe(404);
            expect(expectEnvelope(answer, url).param, url).toBe('id');
          }
        }),
        { seed: 605, numRuns: 400 },
      );
    });

    // Regression: Fastify's router answered a path it cannot percent-decode with its own body
    // ({"error":"Bad Request","code":"FST_ERR_BAD_URL",...}), bypassing the app's error handler.
    it('paths with undecodable percent-encoding: 400 in the envelope', async () => {
      await check(
        fc.asyncProperty(
          fc.constantFrom(
            '/v1/models/',
            '/debug/requests/',
            '/',
            '/v1/chat/completions/',
            '/unknown/',
          ),
          badPercent,
          method,
          async (prefix, bad, verb) => {
            fc.pre(verb !== 'HEAD');
            const answer = await send(app, { method: verb as 'GET', url: `${prefix}${bad}` });
            expect(answer.statusCode).toBeGreaterThanOrEqual(400);
            expectWellFormed(answer, `${verb} ${prefix}${bad}`, verb);
          },
        ),
        { seed: 606, numRuns: 100 },
      );
    });

    it('OPTIONS on any path (CORS off): a 4xx in the envelope, 404 or 405 without a body', async () => {
      await check(
        fc.asyncProperty(
          fc.constantFrom(...KNOWN.map(([path]) => path), '/nowhere'),
          randomHeaders,
          async (url, headers) => {
            const answer = await send(app, { method: 'OPTIONS', url, headers });
            const context = `OPTIONS ${url} ${JSON.stringify(headers)}: ${answer.body.slice(0, 200)}`;
            expect(answer.statusCode, context).toBeGreaterThanOrEqual(400);
            expectWellFormed(answer, context, 'OPTIONS');
            // A content-type announces a body, which Fastify parses (415 for an unknown type)
            // before routing.
            if (headers['content-type'] === undefined) {
              expect([404, 405], context).toContain(answer.statusCode);
            }
          },
        ),
        { seed: 607, numRuns: 300 },
      );
    });

    // Regression: with --cors, @fastify/cors answered an OPTIONS request that is not a complete
    // preflight (no Origin or no Access-Control-Request-Method) with 400 text/plain "Invalid
    // Preflight Request" instead of an OpenAI-shaped error.
    it('OPTIONS with --cors: a preflight succeeds, anything else gets the envelope', async () => {
      const { app: open } = await buildServedApp({
        timeScale: TIME_SCALE,
        corsOrigins: ['http://example.com'],
      });
      try {
        await check(
          fc.asyncProperty(
            fc.constantFrom(...KNOWN.map(([path]) => path), '/nowhere'),
            randomHeaders,
            async (url, headers) => {
              const answer = await send(open, { method: 'OPTIONS', url, headers });
              expectWellFormed(answer, `OPTIONS ${url} ${JSON.stringify(headers)}`, 'OPTIONS');
            },
          ),
          { seed: 608, numRuns: 200 },
        );
      } finally {
        await open.close();
      }
    });
  });
});

describe('oversized bodies', () => {
  const LIMIT_BYTES = 4096;
  let app: FastifyInstance;

  beforeAll(async () => {
    ({ app } = await buildServedApp({ timeScale: TIME_SCALE, maxBodyBytes: LIMIT_BYTES }));
  });
  afterAll(async () => {
    await app.close();
  });

  it('413 in the envelope past --max-body-bytes, served up to it', async () => {
    await check(
      fc.asyncProperty(
        validChatBody,
        fc.oneof(
          fc.integer({ min: 200, max: LIMIT_BYTES }),
          fc.integer({ min: LIMIT_BYTES + 1, max: 50_000 }),
        ),
        fc.constantFrom('application/json', 'text/plain'),
        fc.boolean(),
        async (body, sizeBytes, type, malformed) => {
          const plain = { ...body, stream: false, stream_options: null };
          const unpadded = Buffer.byteLength(JSON.stringify({ ...plain, pad: '' }));
          fc.pre(unpadded <= sizeBytes);
          let text = JSON.stringify({ ...plain, pad: 'p'.repeat(sizeBytes - unpadded) });
          if (malformed) text = `${text.slice(0, -2)}!`;
          const answer = await postJson(app, '/v1/chat/completions', text, type);
          const context = `${Buffer.byteLength(text)} bytes ${type}${malformed ? ' malformed' : ''}`;
          if (Buffer.byteLength(text) > LIMIT_BYTES) {
            expect(answer.statusCode, `${context}: ${answer.body.slice(0, 200)}`).toBe(413);
            expectEnvelope(answer, context);
          } else if (malformed) {
            expectBodyRefused(answer, context);
          } else {
            expect(answer.statusCode, `${context}: ${answer.body.slice(0, 200)}`).toBe(200);
          }
        },
      ),
      { seed: 701, numRuns: 300 },
    );
    const normal = await postJson(app, '/v1/chat/completions', JSON.stringify(NORMAL_CHAT));
    expect(normal.statusCode).toBe(200);
    expectNoPrototypePollution();
  });
});

interface RawExchange {
  readonly received: Buffer;
  readonly timedOut: boolean;
}

/** Writes raw bytes, half-closes, and collects what comes back until the server closes. */
function exchangeRaw(port: number, bytes: Buffer, timeoutMs = 3_000): Promise<RawExchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after a refused request is an answer too.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ received: Buffer.concat(chunks), timedOut });
    });
    socket.on('connect', () => {
      socket.end(bytes);
    });
  });
}

/** Status codes of every response in a raw exchange (pipelined requests give several). */
function statusCodes(received: Buffer): number[] {
  const text = received.toString('latin1');
  return [...text.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3}) /g)].map((match) => Number(match[1]));
}

/** The first response of a raw exchange as an `Answer` (its body by content-length). */
function firstAnswer(received: Buffer): Answer | undefined {
  const text = received.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  const statusLine = /^HTTP\/1\.[01] (\d{3}) /.exec(text);
  if (headEnd < 0 || statusLine === null) return undefined;
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, headEnd).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const bodyStart = headEnd + 4;
  return {
    statusCode: Number(statusLine[1]),
    headers,
    body: received.subarray(bodyStart, bodyStart + length).toString('utf8'),
  };
}

describe('raw bytes over a socket', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let port: number;

  beforeAll(async () => {
    server = await startTestServer({ timeScale: TIME_SCALE });
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => {
    await server.close();
  });

  async function expectServerHealthy(): Promise<void> {
    // Every fuzzing socket is gone, so none is left open on the server side.
    let open = -1;
    for (let attempt = 0; attempt < 50 && open !== 0; attempt++) {
      open = await new Promise<number>((resolve, reject) =>
        server.app.server.getConnections((error, count) =>
          error ? reject(error) : resolve(count),
        ),
      );
      if (open !== 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(open, 'connections still open on the server').toBe(0);
    const health = await bounded(fetch(`${server.url}/health`), 'GET /health');
    expect(health.status).toBe(200);
    const chat = await bounded(
      fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(NORMAL_CHAT),
      }),
      'POST /v1/chat/completions',
    );
    expect(chat.status).toBe(200);
    expect(((await chat.json()) as { object: string }).object).toBe('chat.completion');
    expectNoPrototypePollution();
    // These checks' own keep-alive connections must not count as left open by the next test.
    server.app.server.closeIdleConnections();
  }

  it('random request lines, headers, bodies and cut-off requests: no 5xx, no hang, server fine', async () => {
    await check(
      fc.asyncProperty(
        fc.array(rawRequest, { minLength: 1, maxLength: 8 }),
        async (requests: RawRequest[]) => {
          // Sent together, as concurrent clients would.
          const exchanges = await Promise.all(
            requests.map((request) => exchangeRaw(port, request.bytes)),
          );
          exchanges.forEach((exchange, index) => {
            const context = requests[index]?.description ?? '';
            expect(exchange.timedOut, `${context}: the server neither answered nor closed`).toBe(
              false,
            );
            for (const status of statusCodes(exchange.received)) {
              expect(
                status,
                `${context}: ${exchange.received.toString('latin1').slice(0, 300)}`,
              ).toBeLessThan(500);
            }
          });
        },
      ),
      { seed: 801, numRuns: 150 },
    );
    await expectServerHealthy();
  });

  // Regression: Node's parser errors went to Fastify's default clientError handler, which wrote
  // {"error":"Bad Request","message":"Client Error","statusCode":400} (431: "Request Header
  // Fields Too Large"), and a request without Host got Node's bare 400: not OpenAI's envelope.
  it('requests the HTTP parser refuses get a 4xx in the envelope', async () => {
    await check(
      fc.asyncProperty(unparsableRequest, async (request) => {
        const exchange = await exchangeRaw(port, request.bytes);
        const answer = firstAnswer(exchange.received);
        expect(answer, `${request.description}: no HTTP response`).toBeDefined();
        if (answer === undefined) return;
        expect(answer.statusCode, request.description).toBeGreaterThanOrEqual(400);
        expectWellFormed(answer, request.description);
      }),
      { seed: 802, numRuns: 50 },
    );
    await expectServerHealthy();
  });
});
