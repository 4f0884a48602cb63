/**
 * @module `GET /metrics` end to end over a real socket: streaming and non-streaming clients, some
 * capped by max_tokens, some disconnecting; the exposition parses, carries vLLM's names and
 * labels, and its counters, histogram counts and sums and gauges agree with what the clients got
 * and with `/debug/requests` and `/status`.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveServer } from '../src/server/live-server.js';
import { startTestServer } from './support/live-server.js';

/** One sample line of the text format. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** A sample value as Prometheus reads it (Go's ParseFloat: NaN and Inf in any case). */
function floatOf(text: string): number | undefined {
  if (/^nan$/i.test(text)) return Number.NaN;
  if (/^[+-]?inf$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  const value = Number(text);
  return text.trim() === '' || Number.isNaN(value) ? undefined : value;
}

/** Parses the Prometheus text format strictly enough to fail on anything malformed. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = line.match(/^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/);
    if (type !== null) {
      types.set(type[1] as string, type[2] as string);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const sample = line.match(SAMPLE_LINE);
    if (sample === null) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (sample[2] ?? '').matchAll(LABEL_PAIR)) {
      labels[pair[1] as string] = pair[2] as string;
    }
    const value = floatOf(sample[3] as string);
    if (value === undefined) throw new Error(`not a number: ${line}`);
    samples.push({ name: sample[1] as string, labels, value });
  }
  return { samples, types };
}

/** The single sample named `name` whose labels include `labels`. */
function sampleValue(samples: readonly Sample[], name: string, labels: Record<string, string>) {
  const found = samples.filter(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return found[0]?.value as number;
}

async function scrape(server: LiveServer) {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await response.text());
}

interface ClientResult {
  readonly id: string;
  readonly finishReason: string;
  readonly completionTokens: number;
}

async function nonStreaming(server: LiveServer, body: object): Promise<ClientResult> {
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as {
    id: string;
    choices: { finish_reason: string }[];
    usage: { completion_tokens: number };
  };
  return {
    id: json.id,
    finishReason: json.choices[0]?.finish_reason as string,
    completionTokens: json.usage.completion_tokens,
  };
}

/** Reads an SSE stream to its end; `signal` lets the caller disconnect. */
async function streaming(
  server: LiveServer,
  body: object,
  options: { signal?: AbortSignal; onFirstChunk?: () => void } = {},
): Promise<ClientResult> {
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const decoder = new TextDecoder();
  let buffer = '';
  let id = '';
  let finishReason = '';
  let completionTokens = -1;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    const events = buffer.split('\n\n');
    buffer = events.pop() ?? '';
    for (const event of events) {
      const data = event.replace(/^data: /, '');
      if (data === '[DONE]') continue;
      const json = JSON.parse(data) as {
        id: string;
        choices: { finish_reason: string | null }[];
        usage?: { completion_tokens: number } | null;
      };
      if (id === '') options.onFirstChunk?.();
      id = json.id;
      finishReason = json.choices[0]?.finish_reason ?? finishReason;
      if (json.usage) completionTokens = json.usage.completion_tokens;
    }
  }
  return { id, finishReason, completionTokens };
}

const MODEL = { model_name: 'sim-llama', engine: '0' };

describe('GET /metrics end to end', () => {
  let server: LiveServer;

  beforeAll(async () => {
    server = await startTestServer({
      engine: { maxModelLen: 8192, maxNumSeqs: 2 },
      servedModelNames: ['sim-llama'],
      timeScale: 5,
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('agrees with what the clients got and with the simulated timelines', async () => {
    const prompt = (words: number) => [{ role: 'user', content: 'metrics '.repeat(words) }];
    const results = await Promise.all([
      nonStreaming(server, { messages: prompt(30), max_tokens: 6, ignore_eos: true }),
      nonStreaming(server, { messages: prompt(400), max_tokens: 400 }),
      nonStreaming(server, { messages: prompt(5), max_tokens: 9, ignore_eos: true }),
      streaming(server, { messages: prompt(200), max_tokens: 12, ignore_eos: true }),
      streaming(server, { messages: prompt(1200), max_tokens: 400 }),
      streaming(server, { messages: prompt(60), max_tokens: 400 }),
    ]);
    const reasons = results.map((result) => result.finishReason);
    expect(reasons.filter((reason) => reason === 'length').length).toBeGreaterThanOrEqual(3);
    expect(reasons.filter((reason) => reason === 'stop').length).toBeGreaterThanOrEqual(1);

    const { samples, types } = await scrape(server);
    for (const [name, type] of [
      ['vllm:num_requests_running', 'gauge'],
      ['vllm:num_requests_waiting', 'gauge'],
      ['vllm:kv_cache_usage_perc', 'gauge'],
      ['vllm:gpu_cache_usage_perc', 'gauge'],
      ['vllm:num_preemptions_total', 'counter'],
      ['vllm:prompt_tokens_total', 'counter'],
      ['vllm:generation_tokens_total', 'counter'],
      ['vllm:request_success_total', 'counter'],
      ['vllm:time_to_first_token_seconds', 'histogram'],
      ['vllm:inter_token_latency_seconds', 'histogram'],
      ['vllm:time_per_output_token_seconds', 'histogram'],
      ['vllm:request_time_per_output_token_seconds', 'histogram'],
      ['vllm:e2e_request_latency_seconds', 'histogram'],
      ['vllm:request_queue_time_seconds', 'histogram'],
      ['vllm:request_prompt_tokens', 'histogram'],
      ['vllm:request_generation_tokens', 'histogram'],
      ['vllm:iteration_tokens_total', 'histogram'],
      ['llmservingsim:simulated_time_seconds', 'gauge'],
      ['llmservingsim:time_scale', 'gauge'],
      ['process_cpu_seconds_total', 'counter'],
    ]) {
      expect(types.get(name as string), name).toBe(type);
    }
    const vllmSamples = samples.filter((sample) => sample.name.startsWith('vllm:'));
    expect(vllmSamples.every((sample) => sample.labels.model_name === 'sim-llama')).toBe(true);
    expect(vllmSamples.every((sample) => sample.labels.engine === '0')).toBe(true);

    for (const reason of ['stop', 'length', 'abort']) {
      expect(
        sampleValue(samples, 'vllm:request_success_total', { ...MODEL, finished_reason: reason }),
      ).toBe(reasons.filter((got) => got === reason).length);
    }
    for (const histogram of [
      'vllm:e2e_request_latency_seconds',
      'vllm:time_to_first_token_seconds',
      'vllm:request_generation_tokens',
    ]) {
      expect(sampleValue(samples, `${histogram}_count`, MODEL), histogram).toBe(results.length);
      expect(sampleValue(samples, `${histogram}_bucket`, { ...MODEL, le: '+Inf' })).toBe(
        results.length,
      );
    }
    const completionTokens = results.reduce((sum, result) => sum + result.completionTokens, 0);
    expect(sampleValue(samples, 'vllm:generation_tokens_total', MODEL)).toBe(completionTokens);
    expect(sampleValue(samples, 'vllm:request_generation_tokens_sum', MODEL)).toBe(
      completionTokens,
    );
    expect(sampleValue(samples, 'vllm:inter_token_latency_seconds_count', MODEL)).toBe(
      completionTokens - results.length,
    );

    const debug = (await (await fetch(`${server.url}/debug/requests?limit=100`)).json()) as {
      data: {
        id: string;
        arrival_s: number;
        prompt_tokens: number;
        choices: { first_token_s: number }[];
      }[];
    };
    const timelines = debug.data.filter((timeline) =>
      results.some((result) => result.id === timeline.id),
    );
    expect(timelines).toHaveLength(results.length);
    const ttftSumS = timelines.reduce(
      (sum, timeline) =>
        sum + ((timeline.choices[0]?.first_token_s as number) - timeline.arrival_s),
      0,
    );
    const exportedTtftSumS = sampleValue(samples, 'vllm:time_to_first_token_seconds_sum', MODEL);
    expect(Math.abs(exportedTtftSumS - ttftSumS)).toBeLessThan(1e-9);
    expect(ttftSumS).toBeGreaterThan(0);
    const promptTokens = timelines.reduce((sum, timeline) => sum + timeline.prompt_tokens, 0);
    expect(sampleValue(samples, 'vllm:prompt_tokens_total', MODEL)).toBe(promptTokens);
    expect(sampleValue(samples, 'llmservingsim:time_scale', {})).toBe(5);
  });

  it('reports running and waiting requests as /status does, and disconnects as aborts', async () => {
    const before = await scrape(server);
    const abortsBefore = sampleValue(before.samples, 'vllm:request_success_total', {
      ...MODEL,
      finished_reason: 'abort',
    });
    const controller = new AbortController();
    let started = 0;
    let bothStarted: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      bothStarted = resolve;
    });
    const body = {
      messages: [{ role: 'user', content: 'long '.repeat(50) }],
      max_tokens: 4000,
      ignore_eos: true,
    };
    const streams = Array.from({ length: 4 }, () =>
      streaming(server, body, {
        signal: controller.signal,
        onFirstChunk: () => {
          started++;
          if (started === 2) bothStarted();
        },
      }).catch((error: unknown) => error),
    );
    await running;

    // max_num_seqs 2: two run and two wait, for the ~6 wall seconds the first two would take.
    const { samples } = await scrape(server);
    const status = (await (await fetch(`${server.url}/status`)).json()) as {
      running_requests: number;
      pending_requests: number;
      models: { kv_cache: { usage: number } }[];
    };
    expect(sampleValue(samples, 'vllm:num_requests_running', MODEL)).toBe(2);
    expect(status.running_requests).toBe(2);
    expect(sampleValue(samples, 'vllm:num_requests_waiting', MODEL)).toBe(status.pending_requests);
    expect(status.pending_requests).toBe(2);
    const kvUsage = sampleValue(samples, 'vllm:kv_cache_usage_perc', MODEL);
    expect(kvUsage).toBeGreaterThan(0);
    // The two reads are a few simulated milliseconds apart: a few decode tokens' blocks at most.
    expect(Math.abs(kvUsage - (status.models[0]?.kv_cache.usage as number))).toBeLessThan(0.01);
    expect(sampleValue(samples, 'vllm:gpu_cache_usage_perc', MODEL)).toBe(kvUsage);

    controller.abort();
    await Promise.all(streams);
    let aborts = abortsBefore;
    for (let attempt = 0; attempt < 100 && aborts < abortsBefore + 4; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      aborts = sampleValue((await scrape(server)).samples, 'vllm:request_success_total', {
        ...MODEL,
        finished_reason: 'abort',
      });
    }
    expect(aborts).toBe(abortsBefore + 4);
    const after = (await scrape(server)).samples;
    expect(sampleValue(after, 'vllm:num_requests_running', MODEL)).toBe(0);
    expect(sampleValue(after, 'vllm:num_requests_waiting', MODEL)).toBe(0);
  });
});
