import { describe, expect, it } from 'vitest';
import { benchMetrics } from './bench-metrics.js';
import type { BenchRun } from './bench-types.js';
import { formatBenchTable, vllmResultJson } from './vllm-result.js';

const run: BenchRun = {
  settings: {
    baseUrl: 'http://127.0.0.1:1',
    endpoint: 'chat',
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    numPrompts: 2,
    requestRatePerS: 4,
    burstiness: 1,
    maxConcurrency: 8,
    dataset: { kind: 'random' },
    inputLen: '100',
    outputLen: '3',
    ignoreEos: true,
    seed: 0,
    stream: true,
    timeoutS: 60,
  },
  tokenizer: { name: 'llama3', exact: true },
  datasetDescription: 'synthetic',
  notes: [],
  planned: [],
  records: [
    {
      index: 0,
      responseId: 'a',
      arrivalS: 0,
      sendS: 0,
      plannedInputTokens: 100,
      serverPromptTokens: 140,
      outputTokens: 3,
      outputTokensSource: 'usage',
      ttftS: 0.05,
      itlS: [0.01, 0.01],
      e2elS: 0.07,
      success: true,
      error: '',
    },
    {
      index: 1,
      responseId: null,
      arrivalS: 0.25,
      sendS: 0.3,
      plannedInputTokens: 100,
      serverPromptTokens: null,
      outputTokens: 0,
      outputTokensSource: 'none',
      ttftS: 0,
      itlS: [],
      e2elS: 0,
      success: false,
      error: 'HTTP 429: queue full',
    },
  ],
  startedAt: '2025-03-04T05:06:07.000Z',
  durationS: 0.5,
};

const metrics = benchMetrics(run, { percentiles: [50, 99.9], goodput: { ttftMs: 100 } });

describe('formatBenchTable', () => {
  it("prints vLLM's rows in vLLM's order and widths", () => {
    const lines = formatBenchTable(run, metrics).trimEnd().split('\n');
    expect(lines[0]).toBe('============ Serving Benchmark Result ============');
    expect(lines.slice(1, 15)).toEqual([
      `${'Successful requests:'.padEnd(40)} 1`,
      `${'Failed requests:'.padEnd(40)} 1`,
      `${'Maximum request concurrency:'.padEnd(40)} 8`,
      `${'Request rate configured (RPS):'.padEnd(40)} 4.00`,
      `${'Benchmark duration (s):'.padEnd(40)} 0.50`,
      `${'Total input tokens:'.padEnd(40)} 140`,
      `${'Total generated tokens:'.padEnd(40)} 3`,
      `${'Request throughput (req/s):'.padEnd(40)} 2.00`,
      `${'Request goodput (req/s):'.padEnd(40)} 2.00`,
      `${'Output token throughput (tok/s):'.padEnd(40)} 6.00`,
      `${'Peak output token throughput (tok/s):'.padEnd(40)} 3.00`,
      `${'Peak concurrent requests:'.padEnd(40)} 1.00`,
      `${'Total token throughput (tok/s):'.padEnd(40)} 286.00`,
      '---------------Time to First Token----------------',
    ]);
    expect(lines).toContain('-----Time per Output Token (excl. 1st token)------');
    expect(lines).toContain('---------------Inter-token Latency----------------');
    expect(lines).toContain('----------------End-to-end Latency----------------');
    expect(lines).toContain(`${'P99.9 ITL (ms):'.padEnd(40)} 10.00`);
    expect(lines).toContain(`${'Mean TPOT (ms):'.padEnd(40)} 10.00`);
    expect(lines.at(-1)).toBe('='.repeat(50));
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(51);
  });
});

describe('vllmResultJson', () => {
  it("has the keys of vLLM's saved result, per-request lists when detailed", () => {
    const result = vllmResultJson(run, metrics, { detailed: true });
    expect(result).toMatchObject({
      endpoint_type: 'openai-chat',
      backend: 'openai-chat',
      model_id: 'meta-llama/Llama-3.1-8B-Instruct',
      num_prompts: 2,
      request_rate: 4,
      burstiness: 1,
      max_concurrency: 8,
      duration: 0.5,
      completed: 1,
      failed: 1,
      total_input_tokens: 140,
      total_output_tokens: 3,
      request_goodput: 2,
      input_lens: [140, 100],
      output_lens: [3, 0],
      ttfts: [0.05, 0],
      itls: [[0.01, 0.01], []],
      errors: ['', 'HTTP 429: queue full'],
      queue_times: [0, expect.closeTo(0.05, 12)],
    });
    expect(result.date).toMatch(/^\d{8}-\d{6}$/);
    for (const metric of ['ttft', 'tpot', 'itl', 'e2el']) {
      for (const stat of ['mean', 'median', 'std', 'p50', 'p99.9']) {
        expect(typeof result[`${stat}_${metric}_ms`]).toBe('number');
      }
    }
    const summary = vllmResultJson(run, metrics, { detailed: false });
    expect(summary).not.toHaveProperty('ttfts');
    expect(summary).not.toHaveProperty('errors');
    expect(summary.mean_ttft_ms).toBeCloseTo(50, 9);
    expect(
      vllmResultJson(
        { ...run, settings: { ...run.settings, requestRatePerS: Infinity } },
        metrics,
        { detailed: false },
      ).request_rate,
    ).toBe('inf');
  });
});
