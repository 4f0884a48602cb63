/**
 * @module `llmservingsim bench` end to end against our own server started in-process on
 * 127.0.0.1 and a free port, with a time scale that makes each run take about a second:
 * streaming and non-streaming, chat and completions, the concurrency cap, the saved vLLM result
 * file, goodput, failed requests, one-line errors, and the bench's TTFT/TPOT against the
 * server's own simulated figures of the same requests (`GET /debug/requests`).
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchMetrics } from '../src/bench/bench-metrics.js';
import type { BenchRun } from '../src/bench/bench-types.js';
import { runBenchmark } from '../src/bench/run-benchmark.js';
import { EXIT_USAGE } from '../src/cli/main.js';
import type { LiveServer } from '../src/server/live-server.js';
import { startTestServer } from './support/live-server.js';
import { runCapturedCli } from './support/run-cli.js';

/**
 * Simulated seconds per wall second. At 10 a decode step of the simulated H100 (~6.5 ms) takes
 * ~0.65 ms of wall time: long enough against event-loop jitter for TPOT to be compared.
 */
const TIME_SCALE = 10;

/** Small, quick requests: ~13 ms of wall time each at this time scale. */
const WORKLOAD = ['--input-len', 'uniform:64:256', '--output-len', 'uniform:10:30'];

/** The server's simulated figures of one request (`GET /debug/requests`). */
interface ServerTimeline {
  readonly id: string;
  readonly ttft_ms: number;
  readonly tpot_ms: number | null;
  readonly e2e_ms: number;
  readonly choices: readonly { readonly completion_tokens: number }[];
}

let server: LiveServer;
let directory: string;

beforeAll(async () => {
  server = await startTestServer({ timeScale: TIME_SCALE });
  directory = mkdtempSync(join(tmpdir(), 'bench-cli-'));
});
afterAll(async () => {
  await server.close();
  rmSync(directory, { recursive: true, force: true });
});

async function serverTimelines(): Promise<Map<string, ServerTimeline>> {
  const response = await fetch(`${server.url}/debug/requests?limit=1000`);
  const body = (await response.json()) as { data: ServerTimeline[] };
  return new Map(body.data.map((timeline) => [timeline.id, timeline]));
}

/** Client-minus-server means, in wall milliseconds, over the requests both sides know. */
async function compareWithServer(run: BenchRun) {
  const timelines = await serverTimelines();
  let matched = 0;
  let clientTtft = 0;
  let serverTtft = 0;
  let clientTpot = 0;
  let serverTpot = 0;
  let tpotCount = 0;
  for (const record of run.records) {
    const timeline = timelines.get(record.responseId ?? '');
    if (timeline === undefined || !record.success) continue;
    matched++;
    expect(record.outputTokens).toBe(timeline.choices[0]?.completion_tokens);
    clientTtft += record.ttftS * 1000;
    serverTtft += timeline.ttft_ms / TIME_SCALE;
    if (timeline.tpot_ms !== null && record.outputTokens > 1) {
      clientTpot += ((record.e2elS - record.ttftS) * 1000) / (record.outputTokens - 1);
      serverTpot += timeline.tpot_ms / TIME_SCALE;
      tpotCount++;
    }
  }
  return {
    matched,
    clientTtftMs: clientTtft / matched,
    serverTtftMs: serverTtft / matched,
    clientTpotMs: clientTpot / tpotCount,
    serverTpotMs: serverTpot / tpotCount,
  };
}

describe('bench against our server', () => {
  it('streams completions and agrees with the server on TTFT and TPOT', async () => {
    const run = await runBenchmark({
      baseUrl: server.url,
      numPrompts: 40,
      requestRatePerS: 40,
      inputLen: 'uniform:64:256',
      outputLen: 'uniform:10:30',
      seed: 1,
    });
    expect(run.records.every((record) => record.success)).toBe(true);
    // Streaming with include_usage: the server's counts, and one gap per token after the first.
    for (const record of run.records) {
      expect(record.outputTokensSource).toBe('usage');
      expect(record.outputTokens).toBe(run.planned[record.index]?.plannedOutputTokens);
      expect(record.itlS).toHaveLength(record.outputTokens - 1);
      // The server counts the prompt with BOS: one more than the prompt text's tokens.
      expect(record.serverPromptTokens).toBe(record.plannedInputTokens + 1);
    }
    const comparison = await compareWithServer(run);
    expect(comparison.matched).toBe(40);
    // Measured on a 2-core machine: the client's mean TTFT exceeds the server's simulated one
    // (÷ time scale) by 1.9–3.0 ms (sending, parsing and tokenizing before the engine's
    // arrival stamp), and mean TPOTs differ by under 0.02 ms of ~0.65 ms. Bounds allow for a
    // loaded machine: the client never sees a token before its simulated time, so it cannot be
    // early by more than timer granularity.
    expect(comparison.clientTtftMs - comparison.serverTtftMs).toBeGreaterThan(-0.5);
    expect(comparison.clientTtftMs - comparison.serverTtftMs).toBeLessThan(20);
    expect(Math.abs(comparison.clientTpotMs / comparison.serverTpotMs - 1)).toBeLessThan(0.25);
  });

  it('streams chat: the role-only chunk starts TTFT and adds one chunk', async () => {
    const run = await runBenchmark({
      baseUrl: server.url,
      endpoint: 'chat',
      numPrompts: 20,
      requestRatePerS: 40,
      inputLen: '100',
      outputLen: '12',
      seed: 2,
    });
    for (const record of run.records) {
      expect(record.success).toBe(true);
      expect(record.outputTokens).toBe(12);
      // Role chunk + 12 content chunks = 12 gaps.
      expect(record.itlS).toHaveLength(12);
      // The chat template adds tokens around the 100-token message.
      expect(record.serverPromptTokens).toBeGreaterThan(100);
    }
    const comparison = await compareWithServer(run);
    expect(comparison.matched).toBe(20);
    expect(comparison.clientTtftMs - comparison.serverTtftMs).toBeGreaterThan(-0.5);
    expect(comparison.clientTtftMs - comparison.serverTtftMs).toBeLessThan(20);
  });

  it('without streaming, takes TTFT = E2EL and the usage counts', async () => {
    for (const endpoint of ['chat', 'completions'] as const) {
      const run = await runBenchmark({
        baseUrl: server.url,
        endpoint,
        stream: false,
        numPrompts: 10,
        requestRatePerS: 40,
        inputLen: '64',
        outputLen: '8',
      });
      const timelines = await serverTimelines();
      for (const record of run.records) {
        expect(record.success).toBe(true);
        expect(record.ttftS).toBe(record.e2elS);
        expect(record.itlS).toEqual([]);
        expect(record.outputTokens).toBe(8);
        const timeline = timelines.get(record.responseId ?? '') as ServerTimeline;
        // The whole body arrives after the simulated end (÷ time scale).
        expect(record.e2elS * 1000).toBeGreaterThan(timeline.e2e_ms / TIME_SCALE - 0.5);
      }
      const metrics = benchMetrics(run, { percentiles: [99] });
      expect(metrics.tpot.meanMs).toBe(0);
    }
  });
});

describe('llmservingsim bench', () => {
  it('prints the vLLM table, keeps the concurrency cap and saves the vLLM result', async () => {
    const resultPath = join(directory, 'result.json');
    const cli = await runCapturedCli([
      'bench',
      '--base-url',
      `${server.url}/v1/`,
      '--num-prompts',
      '30',
      '--max-concurrency',
      '3',
      ...WORKLOAD,
      '--goodput',
      'ttft:100000',
      'e2el:100000',
      '--percentiles',
      '50,90',
      '--save-result',
      resultPath,
    ]);
    expect(cli.stderr).not.toMatch(/error/);
    expect(cli.exitCode).toBe(0);
    expect(cli.stdout).toContain('============ Serving Benchmark Result ============');
    expect(cli.stdout).toMatch(/Successful requests:\s+30\n/);
    expect(cli.stdout).toMatch(/Maximum request concurrency:\s+3\n/);
    expect(cli.stdout).toMatch(/P90 TPOT \(ms\):\s+\d+\.\d\d\n/);
    expect(cli.stderr).toMatch(/30\/30 requests done, 0 failed/);
    const result = JSON.parse(readFileSync(resultPath, 'utf8')) as Record<string, unknown>;
    for (const key of [
      'date',
      'backend',
      'model_id',
      'num_prompts',
      'request_rate',
      'burstiness',
      'max_concurrency',
      'duration',
      'completed',
      'total_input_tokens',
      'total_output_tokens',
      'request_throughput',
      'request_goodput',
      'output_throughput',
      'total_token_throughput',
      'input_lens',
      'output_lens',
      'ttfts',
      'itls',
      'errors',
      'mean_ttft_ms',
      'median_tpot_ms',
      'std_itl_ms',
      'p90_e2el_ms',
      'p50_ttft_ms',
    ]) {
      expect(result).toHaveProperty(key);
    }
    expect(result.model_id).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect(result.request_rate).toBe('inf');
    expect(result.completed).toBe(30);
    // Every request meets SLOs of 100 s: goodput equals throughput.
    expect(result.request_goodput).toBe(result.request_throughput);
    // All 30 arrive at once; the semaphore keeps 3 in flight, never more.
    expect(result.max_concurrent_requests).toBe(3);
  });

  it('counts requests the server refuses as failures and goes on', async () => {
    const small = await startTestServer({ timeScale: 500, engine: { maxModelLen: 200 } });
    try {
      const resultPath = join(directory, 'failures.json');
      const cli = await runCapturedCli([
        'bench',
        '--base-url',
        small.url,
        '--num-prompts',
        '20',
        '--input-len',
        'uniform:50:400',
        '--output-len',
        '4',
        '--goodput',
        'ttft:0',
        '--save-result',
        resultPath,
      ]);
      expect(cli.exitCode).toBe(0);
      const result = JSON.parse(readFileSync(resultPath, 'utf8')) as {
        completed: number;
        failed: number;
        errors: string[];
        request_goodput: number;
      };
      expect(result.failed).toBeGreaterThan(0);
      expect(result.completed).toBeGreaterThan(0);
      expect(result.completed + result.failed).toBe(20);
      expect(result.errors.filter((error) => error !== '')).toHaveLength(result.failed);
      expect(result.errors.find((error) => error !== '')).toMatch(/^HTTP 400: /);
      expect(cli.stderr).toMatch(/requests failed:\n {2}request \d+: HTTP 400/);
      expect(cli.stdout).toMatch(/Failed requests:\s+[1-9]/);
      // A TTFT SLO of 0 ms is met by nobody.
      expect(result.request_goodput).toBe(0);

      const allFailed = await runCapturedCli([
        'bench',
        '--base-url',
        small.url,
        '--num-prompts',
        '5',
        '--input-len',
        '300',
      ]);
      expect(allFailed.exitCode).toBe(EXIT_USAGE);
      expect(allFailed.stdout).toMatch(/Successful requests:\s+0\n/);
      expect(allFailed.stderr).toMatch(
        /llmservingsim: error: all 5 requests failed; the first: HTTP 400: .+\n$/,
      );
    } finally {
      await small.close();
    }
  });

  it('fails requests that outlast --timeout, mid-stream or before the first byte', async () => {
    const slow = await startTestServer({ timeScale: 1 });
    try {
      for (const stream of ['--stream', '--no-stream']) {
        const startedMs = Date.now();
        const cli = await runCapturedCli([
          'bench',
          '--base-url',
          slow.url,
          stream,
          '--num-prompts',
          '2',
          '--input-len',
          '16',
          '--output-len',
          '200',
          '--timeout',
          '0.3',
        ]);
        // 200 tokens take over a simulated (= wall) second; the limit cuts them at 0.3 s.
        expect(Date.now() - startedMs).toBeLessThan(1500);
        expect(cli.exitCode).toBe(EXIT_USAGE);
        expect(cli.stderr).toMatch(/request 0: timed out after 0\.3 s/);
      }
    } finally {
      await slow.close();
    }
  });

  it('ends with one line and a non-zero exit when the server cannot be reached', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const cli = await runCapturedCli(['bench', '--base-url', `http://127.0.0.1:${port}`]);
    expect(cli.exitCode).toBe(EXIT_USAGE);
    expect(cli.stdout).toBe('');
    expect(cli.stderr).toMatch(
      new RegExp(
        `^llmservingsim: error: http://127\\.0\\.0\\.1:${port}: cannot reach the server .*ECONNREFUSED.*\\n$`,
      ),
    );
  });

  it('refuses bad flags in one line', async () => {
    for (const argv of [
      ['--dataset', 'bogus'],
      ['--endpoint', 'embeddings'],
      ['--goodput', 'itl:5'],
      ['--percentiles', '50,200'],
      ['--num-prompts', '0'],
    ]) {
      const cli = await runCapturedCli(['bench', '--base-url', server.url, ...argv]);
      expect(cli.exitCode).toBe(EXIT_USAGE);
      expect(cli.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(cli.stderr).toMatch(/^llmservingsim: error: invalid/);
    }
  });
});
