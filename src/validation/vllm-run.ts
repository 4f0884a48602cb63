/**
 * @module The measured side of a real vLLM run (LLMServingSim's `vllm-runs` layout): per-request
 * latencies from the engine timestamps in `requests.jsonl`, and the per-second series of
 * `timeseries.csv`. The workload side (arrivals and lengths) is read by the trace reader.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LatencyStats } from '../core/metrics/percentiles.js';
import { summarize } from '../core/metrics/percentiles.js';
import { FileAccessError, TraceParseError } from '../errors.js';

/** The per-tick series of a run, index i covering second [i, i + 1) of the run. */
export interface RunTimeSeries {
  readonly promptTokensPerS: readonly number[];
  readonly generationTokensPerS: readonly number[];
  readonly running: readonly number[];
  readonly waiting: readonly number[];
}

/** Latency statistics in seconds, with the run's definitions (see `readVllmRun`). */
export interface VllmRunMeasurements {
  readonly requests: number;
  readonly ttftS: LatencyStats;
  readonly tpotS: LatencyStats;
  readonly e2eS: LatencyStats;
  readonly timeSeries: RunTimeSeries;
}

const REQUEST_FIELDS = [
  'input_toks',
  'output_toks',
  'queued_ts',
  'first_token_ts',
  'last_token_ts',
] as const;
const SERIES_HEADER = 't,prompt_throughput,gen_throughput,running,waiting,kv_cache_pct';

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FileAccessError(path, `cannot read vLLM run file: ${reason}`, { cause: error });
  }
}

/**
 * Reads `requests.jsonl` and `timeseries.csv` of the run in `folder`. Definitions are the run's
 * own (LLMServingSim README): TTFT = first_token_ts − queued_ts; TPOT = (last_token_ts −
 * first_token_ts) / (output_toks − 1), over requests with more than one output token; E2E =
 * last_token_ts − queued_ts. Rows with 0 input or output tokens (failed requests) are left out,
 * as the trace reader leaves them out of the replay.
 */
export function readVllmRun(folder: string): VllmRunMeasurements {
  const requestsPath = join(folder, 'requests.jsonl');
  const ttft: number[] = [];
  const tpot: number[] = [];
  const e2e: number[] = [];
  readText(requestsPath)
    .split('\n')
    .forEach((line, index) => {
      if (line.trim().length === 0) return;
      const fields = parseRequestLine(line, requestsPath, index + 1);
      if (fields.input_toks === 0 || fields.output_toks === 0) return;
      ttft.push(fields.first_token_ts - fields.queued_ts);
      e2e.push(fields.last_token_ts - fields.queued_ts);
      if (fields.output_toks > 1) {
        tpot.push((fields.last_token_ts - fields.first_token_ts) / (fields.output_toks - 1));
      }
    });
  return {
    requests: ttft.length,
    ttftS: summarize(ttft),
    tpotS: summarize(tpot),
    e2eS: summarize(e2e),
    timeSeries: readTimeSeries(join(folder, 'timeseries.csv')),
  };
}

function parseRequestLine(
  line: string,
  path: string,
  lineNumber: number,
): Record<(typeof REQUEST_FIELDS)[number], number> {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    throw new TraceParseError(path, lineNumber, 'invalid JSON');
  }
  const fields = {} as Record<(typeof REQUEST_FIELDS)[number], number>;
  for (const field of REQUEST_FIELDS) {
    const value = (record as Record<string, unknown> | null)?.[field];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TraceParseError(path, lineNumber, `field '${field}' is missing or not a number`);
    }
    fields[field] = value;
  }
  return fields;
}

/**
 * The run's series. vLLM's logger ticks once a second; the row at `t` holds the second ending at
 * t (t = 1, 2, …), so it becomes index t − 1.
 */
function readTimeSeries(path: string): RunTimeSeries {
  const lines = readText(path)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (lines[0] !== SERIES_HEADER) {
    throw new TraceParseError(path, 1, `expected the header '${SERIES_HEADER}'`);
  }
  const series = {
    promptTokensPerS: [] as number[],
    generationTokensPerS: [] as number[],
    running: [] as number[],
    waiting: [] as number[],
  };
  lines.slice(1).forEach((line, index) => {
    const values = line.split(',').map(Number);
    const [t, prompt, generation, running, waiting] = values;
    if (values.length !== 6 || values.some((value) => !Number.isFinite(value)) || t !== index + 1) {
      throw new TraceParseError(path, index + 2, `expected 6 numbers with t = ${index + 1}`);
    }
    series.promptTokensPerS.push(prompt as number);
    series.generationTokensPerS.push(generation as number);
    series.running.push(running as number);
    series.waiting.push(waiting as number);
  });
  return series;
}
