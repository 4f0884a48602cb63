/**
 * @module The dashboard routes through `inject()`: the page on both paths with its security
 * policy, the data endpoint's columns and `since` filtering, and OpenAI-shaped 400s for a bad
 * `since`.
 */

import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServedApp } from '../../../test/support/served-app.js';
import { ModelDirectory } from '../model-directory.js';
import type { ServedModel } from '../served-model.js';
import { registerDashboardRoutes } from './dashboard-routes.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field.
type Json = Record<string, any>;

const COLUMNS = [
  'time_ms',
  'running_requests',
  'waiting_requests',
  'kv_cache_usage',
  'prompt_tokens_per_s',
  'generation_tokens_per_s',
  'ttft_p50_s',
  'ttft_p90_s',
  'ttft_p99_s',
  'itl_p50_s',
  'itl_p90_s',
  'itl_p99_s',
];

describe('dashboard routes in the app', () => {
  let served: Awaited<ReturnType<typeof buildServedApp>>;
  beforeAll(async () => {
    served = await buildServedApp();
  });
  afterAll(async () => {
    await served.app.close();
  });

  it('serves the same self-contained page at / and /dashboard', async () => {
    const root = await served.app.inject('/');
    const dashboard = await served.app.inject('/dashboard');
    expect(root.statusCode).toBe(200);
    expect(root.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(dashboard.body).toBe(root.body);
    expect(root.body).toContain('meta-llama/Llama-3.1-8B-Instruct');
    expect(root.body).toContain('data-chart="itl"');
    expect(root.body).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet/);
    const policy = String(root.headers['content-security-policy']);
    expect(policy).toMatch(/script-src 'sha256-[^']+' 'sha256-[^']+'/);
    expect(policy).not.toContain('unsafe');
  });

  it('answers a bad `since` with an OpenAI-shaped 400', async () => {
    for (const since of ['abc', '-5', '', '1e3']) {
      const response = await served.app.inject(`/dashboard/data?since=${since}`);
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({
        type: 'invalid_request_error',
        param: 'since',
      });
      expect(response.json().error.message).toMatch(/^since: /);
    }
    const repeated = await served.app.inject('/dashboard/data?since=1&since=2');
    expect(repeated.statusCode).toBe(400);
  });

  it('reports the model, time scale and totals before any sample', async () => {
    const body: Json = (await served.app.inject('/dashboard/data')).json();
    expect(body.time_scale).toBe(1000);
    expect(body.models).toHaveLength(1);
    expect(body.models[0].model).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect(Object.keys(body.models[0].samples)).toEqual(COLUMNS);
    expect(body.models[0].totals.running_requests).toBe(0);
  });
});

describe('dashboard data over time', () => {
  let model: ServedModel;
  let servedApp: FastifyInstance;
  const app = Fastify();
  beforeAll(async () => {
    // Slow enough that the requests run for seconds (the test reads the first ~100 ms).
    ({ model, app: servedApp } = await buildServedApp({ timeScale: 10 }));
    registerDashboardRoutes(app, new ModelDirectory([model]), {
      timeScale: 10,
      sampleIntervalMs: 20,
    });
  });
  afterAll(async () => {
    await app.close();
    await servedApp.close();
  });

  it('samples running requests and tokens, and returns only samples newer than `since`', async () => {
    const ignore = { token: () => {}, end: () => {} };
    for (let index = 0; index < 8; index++) {
      model.engine.submit({ inputTokens: 1000, outputTokens: 6000 }, ignore);
    }
    let body: Json = {};
    for (let attempt = 0; attempt < 100; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      body = (await app.inject('/dashboard/data?since=0')).json();
      if (body.models[0].samples.time_ms.length >= 3) break;
    }
    const { samples, totals } = body.models[0];
    expect(samples.time_ms.length).toBeGreaterThanOrEqual(3);
    for (const column of COLUMNS) expect(samples[column]).toHaveLength(samples.time_ms.length);
    expect(Math.max(...samples.running_requests)).toBe(8);
    expect(Math.max(...samples.generation_tokens_per_s)).toBeGreaterThan(0);
    expect(Math.max(...samples.kv_cache_usage)).toBeGreaterThan(0);
    expect(samples.itl_p50_s.some((value: number | null) => value !== null && value > 0)).toBe(
      true,
    );
    expect(totals.generation_tokens).toBeGreaterThan(0);

    const lastMs = samples.time_ms.at(-1);
    const newer: Json = (await app.inject(`/dashboard/data?since=${lastMs}`)).json();
    for (const timeMs of newer.models[0].samples.time_ms) expect(timeMs).toBeGreaterThan(lastMs);
    const future: Json = (await app.inject(`/dashboard/data?since=${lastMs + 60_000}`)).json();
    expect(future.models[0].samples.time_ms).toEqual([]);
  });
});
