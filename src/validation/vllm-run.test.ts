/**
 * @module Tests of the measured side of a vLLM run: latency definitions on a hand-made run, the
 * per-second series, malformed files, and the shipped Llama-3.1-8B run's figures.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { thrown } from '../../test/support/thrown.js';
import { TraceParseError } from '../errors.js';
import { SCENARIO_DIRECTORY } from './scenario-catalog.js';
import { readVllmRun } from './vllm-run.js';

const directory = mkdtempSync(join(tmpdir(), 'llmsim-vllm-run-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const HEADER = 't,prompt_throughput,gen_throughput,running,waiting,kv_cache_pct';

function writeRun(name: string, requests: object[], series: string[]): string {
  const folder = join(directory, name);
  mkdirSync(folder);
  writeFileSync(
    join(folder, 'requests.jsonl'),
    requests.map((request) => JSON.stringify(request)).join('\n'),
  );
  writeFileSync(join(folder, 'timeseries.csv'), `${[HEADER, ...series].join('\n')}\n`);
  return folder;
}

const request = (
  inputTokens: number,
  outputTokens: number,
  queued: number,
  first: number,
  last: number,
) => ({
  request_id: `r${queued}`,
  input_toks: inputTokens,
  output_toks: outputTokens,
  arrival_time: 1_700_000_000 + queued,
  queued_ts: queued,
  scheduled_ts: queued,
  first_token_ts: first,
  last_token_ts: last,
});

describe('readVllmRun', () => {
  it('measures TTFT, TPOT and E2E from the engine timestamps', () => {
    const folder = writeRun(
      'small',
      [
        request(100, 11, 10, 10.5, 11.5), // ttft 0.5, tpot 0.1, e2e 1.5
        request(50, 1, 11, 11.2, 11.2), // one token: no TPOT
        request(70, 5, 12, 13, 13.8), // ttft 1, tpot 0.2, e2e 1.8
        request(0, 0, 13, 13, 13), // failed: left out
      ],
      ['1.0,100.0,10.0,2,1,0.0', '2.0,0.0,5.0,1,0,0.0'],
    );
    const run = readVllmRun(folder);
    expect(run.requests).toBe(3);
    expect(run.ttftS.mean).toBeCloseTo((0.5 + 0.2 + 1) / 3, 12);
    expect(run.ttftS.p50).toBeCloseTo(0.5, 12);
    expect(run.tpotS.mean).toBeCloseTo(0.15, 12);
    expect(run.e2eS.p50).toBeCloseTo(1.5, 12);
    expect(run.e2eS.p90).toBeCloseTo(1.5 + 0.8 * 0.3, 12);
    expect(run.timeSeries).toEqual({
      promptTokensPerS: [100, 0],
      generationTokensPerS: [10, 5],
      running: [2, 1],
      waiting: [1, 0],
    });
  });

  it('refuses a request line without a timestamp, naming file and line', () => {
    const bad = request(10, 2, 1, 2, 3) as Record<string, unknown>;
    delete bad.first_token_ts;
    const folder = writeRun('bad-request', [request(10, 2, 1, 2, 3), bad], []);
    const error = thrown(() => readVllmRun(folder));
    expect(error).toBeInstanceOf(TraceParseError);
    expect(error.message).toMatch(/requests\.jsonl:2: field 'first_token_ts'/);
  });

  it('refuses a series with a gap in its ticks', () => {
    const folder = writeRun(
      'bad-series',
      [request(10, 2, 1, 2, 3)],
      ['1.0,1,1,1,0,0', '3.0,1,1,1,0,0'],
    );
    expect(thrown(() => readVllmRun(folder)).message).toMatch(
      /timeseries\.csv:3: expected 6 numbers with t = 2/,
    );
  });

  it('reads the shipped Llama-3.1-8B run (figures checked with NumPy)', () => {
    const run = readVllmRun(join(SCENARIO_DIRECTORY, 'vllm-runs/RTXPRO6000/Llama-3.1-8B'));
    expect(run.requests).toBe(300);
    expect(run.ttftS.mean * 1000).toBeCloseTo(7097.157, 2);
    expect(run.ttftS.p99 * 1000).toBeCloseTo(19755.254, 2);
    expect(run.tpotS.mean * 1000).toBeCloseTo(32.458, 2);
    expect(run.e2eS.p90 * 1000).toBeCloseTo(35450.736, 2);
    expect(run.timeSeries.running).toHaveLength(67);
    expect(run.timeSeries.promptTokensPerS[0]).toBe(9069);
  });
});
