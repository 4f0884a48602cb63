/**
 * @module End-to-end tests of the command line: `simulate` (JSON contract, determinism, result
 * files, table output), `list`, and the one-line errors, run in-process through `runCli` with a
 * capturing io, plus two runs of the real process.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_USAGE } from '../src/cli/main.js';
import { type CliRun, runCapturedCli as run } from './support/run-cli.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const TRACE_FIXTURES = fileURLToPath(new URL('./fixtures/traces/', import.meta.url));
const SPAWN_TIMEOUT_MS = 20_000;

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.length > 0);
}

type Json = Record<string, unknown>;

function field(document: Json, path: string): unknown {
  let value: unknown = document;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Json)[key];
  }
  return value;
}

function withoutWallTime(document: Json): Json {
  const copy = structuredClone(document);
  delete (copy.simulator as Json).wall_s;
  return copy;
}

/** A failure: non-zero exit, nothing on stdout, exactly one line on stderr. */
function expectOneLineFailure(result: CliRun): string {
  expect(result.exitCode).not.toBe(0);
  expect(result.stdout).toBe('');
  const errorLines = lines(result.stderr);
  expect(errorLines).toHaveLength(1);
  expect(result.stderr.endsWith('\n')).toBe(true);
  return errorLines[0] as string;
}

/** A failure raised by the product: also the `llmservingsim: error:` prefix and exit 2. */
function expectProductError(result: CliRun): string {
  const line = expectOneLineFailure(result);
  expect(line.startsWith('llmservingsim: error: ')).toBe(true);
  expect(result.exitCode).toBe(EXIT_USAGE);
  return line;
}

const temporaryDirectory = mkdtempSync(join(tmpdir(), 'llmsim-cli-'));
afterAll(() => rmSync(temporaryDirectory, { recursive: true, force: true }));

const SIMULATE_JSON = ['simulate', '--num-requests', '200', '--json'] as const;

describe('simulate --json', () => {
  let first: CliRun;
  let summary: Json;

  beforeAll(async () => {
    first = await run(SIMULATE_JSON);
    summary = JSON.parse(first.stdout) as Json;
  });

  it('exits 0 and prints exactly one JSON document on stdout, nothing on stderr', async () => {
    expect(first.exitCode).toBe(0);
    expect(first.stderr).toBe('');
    expect(typeof summary).toBe('object');
    expect(Array.isArray(summary)).toBe(false);
  });

  it('has the contract keys with the run’s values', async () => {
    expect(summary.model).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect(summary.hardware).toBe('H100');
    expect(summary.tp).toBe(1);
    expect(summary.pp).toBe(1);
    expect(field(summary, 'requests.completed')).toBe(200);
    const duration = summary.duration_s as number;
    expect(duration).toBeGreaterThan(0);
    for (const key of [
      'requests_per_s',
      'input_tokens_per_s',
      'output_tokens_per_s',
      'total_tokens_per_s',
    ]) {
      const value = field(summary, `throughput.${key}`);
      expect(typeof value, key).toBe('number');
      expect(value as number, key).toBeGreaterThan(0);
    }
    expect(field(summary, 'throughput.requests_per_s') as number).toBeCloseTo(200 / duration, 6);
    expect(field(summary, 'throughput.total_tokens_per_s') as number).toBeCloseTo(
      (field(summary, 'throughput.input_tokens_per_s') as number) +
        (field(summary, 'throughput.output_tokens_per_s') as number),
      6,
    );
    for (const metric of ['ttft_ms', 'tpot_ms', 'itl_ms', 'e2e_ms', 'queue_ms']) {
      const stats = summary[metric] as Json;
      for (const statistic of ['mean', 'p50', 'p90', 'p95', 'p99']) {
        expect(typeof stats[statistic], `${metric}.${statistic}`).toBe('number');
        expect(stats[statistic] as number, `${metric}.${statistic}`).toBeGreaterThanOrEqual(0);
      }
      expect(stats.p50 as number).toBeLessThanOrEqual(stats.p90 as number);
      expect(stats.p90 as number).toBeLessThanOrEqual(stats.p95 as number);
      expect(stats.p95 as number).toBeLessThanOrEqual(stats.p99 as number);
    }
    expect(field(summary, 'e2e_ms.p99') as number).toBeLessThanOrEqual(duration * 1000 + 1e-6);
    expect(field(summary, 'kv_cache.capacity_tokens') as number).toBeGreaterThan(0);
    expect(field(summary, 'kv_cache.block_size')).toBe(16);
    const peak = field(summary, 'kv_cache.peak_usage') as number;
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(1);
    expect(field(summary, 'simulator.wall_s') as number).toBeGreaterThanOrEqual(0);
    expect(field(summary, 'simulator.steps') as number).toBeGreaterThan(0);
  });

  it('gives identical JSON for the same flags, except the wall time', async () => {
    const second = await run(SIMULATE_JSON);
    expect(second.exitCode).toBe(0);
    expect(withoutWallTime(JSON.parse(second.stdout) as Json)).toEqual(withoutWallTime(summary));
  });

  it('gives a different run for a different seed', async () => {
    const other = await run([...SIMULATE_JSON, '--seed', '1']);
    expect(other.exitCode).toBe(0);
    expect(withoutWallTime(JSON.parse(other.stdout) as Json)).not.toEqual(withoutWallTime(summary));
  });
});

describe('simulate --output', () => {
  const directory = join(temporaryDirectory, 'run');
  let result: CliRun;

  beforeAll(async () => {
    result = await run([...SIMULATE_JSON, '--output', directory]);
  });

  it('writes requests.csv with the header and one row per request', async () => {
    expect(result.exitCode).toBe(0);
    const [header, ...rows] = lines(readFileSync(join(directory, 'requests.csv'), 'utf8'));
    expect(header).toBe(
      'id,arrival_s,input_tokens,output_tokens,queue_s,ttft_s,tpot_s,e2e_s,preemptions',
    );
    expect(rows).toHaveLength(200);
    const ids = new Set<string>();
    for (const row of rows) {
      const cells = row.split(',');
      expect(cells).toHaveLength(9);
      ids.add(cells[0] as string);
      const [, arrival, input, output, queue, ttft, , e2e] = cells.map(Number);
      expect(input).toBeGreaterThan(0);
      expect(output).toBeGreaterThan(0);
      expect(arrival).toBe(0);
      expect(queue).toBeGreaterThanOrEqual(0);
      expect(ttft).toBeGreaterThanOrEqual(queue as number);
      expect(e2e).toBeGreaterThanOrEqual(ttft as number);
    }
    expect(ids.size).toBe(200);
  });

  it('writes timeseries.csv with the header and one row per simulated second', async () => {
    const [header, ...rows] = lines(readFileSync(join(directory, 'timeseries.csv'), 'utf8'));
    expect(header).toBe(
      'second,running,waiting,kv_usage,prompt_tokens_per_s,generation_tokens_per_s,steps,mean_batch_size',
    );
    expect(rows.length).toBeGreaterThan(0);
    const seconds = rows.map((row) => Number(row.split(',')[0]));
    expect(seconds[0]).toBe(0);
    for (let index = 1; index < seconds.length; index++) {
      expect(seconds[index]).toBeGreaterThan(seconds[index - 1] as number);
    }
    for (const row of rows) {
      const cells = row.split(',').map(Number);
      const kvUsage = cells[3] as number;
      expect(kvUsage).toBeGreaterThanOrEqual(0);
      expect(kvUsage).toBeLessThanOrEqual(1);
      // A second with steps has a batch of at least one sequence; one without has none.
      const [steps, meanBatch] = [cells[6] as number, cells[7] as number];
      expect(steps > 0 ? meanBatch >= 1 : meanBatch === 0).toBe(true);
    }
  });

  it('writes summary.json equal to the printed JSON', async () => {
    const written = JSON.parse(readFileSync(join(directory, 'summary.json'), 'utf8')) as Json;
    expect(written).toEqual(JSON.parse(result.stdout) as Json);
  });
});

describe('simulate: table and traces', () => {
  it('prints a table with TTFT and the model id without --json', async () => {
    const result = await run(['simulate', '--num-requests', '50']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('TTFT');
    expect(result.stdout).toContain('meta-llama/Llama-3.1-8B-Instruct');
    expect(() => JSON.parse(result.stdout)).toThrow();
  });

  it('replays a trace, noting the format on stderr', async () => {
    const path = join(TRACE_FIXTURES, 'llmservingsim.jsonl');
    const result = await run(['simulate', '--trace', path, '--json']);
    expect(result.exitCode).toBe(0);
    expect(field(JSON.parse(result.stdout) as Json, 'requests.completed')).toBe(5);
    const notes = lines(result.stderr);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(path);
    expect(notes[0]).not.toContain('error');
  });

  // Known bug: `--request-rate inf` is documented but rejected (zod 4's z.number() refuses
  // Infinity). Turn into `it` once fixed.
  it('accepts --request-rate inf', async () => {
    expect((await run([...SIMULATE_JSON, '--request-rate', 'inf'])).exitCode).toBe(0);
  });

  it("accepts vLLM bench's --num-prompts and --max-concurrency as aliases", async () => {
    const aliased = await run([
      'simulate',
      '--num-prompts',
      '30',
      '--max-concurrency',
      '3',
      '--json',
    ]);
    const plain = await run(['simulate', '--num-requests', '30', '--concurrency', '3', '--json']);
    expect(aliased.exitCode).toBe(0);
    const document = JSON.parse(aliased.stdout) as Json;
    expect(field(document, 'requests.completed')).toBe(30);
    expect(field(document, 'workload.description')).toContain('concurrency 3');
    expect(withoutWallTime(document)).toEqual(withoutWallTime(JSON.parse(plain.stdout) as Json));
  });
});

describe('simulate: errors are one line on stderr', () => {
  it('names the closest models for an unknown model', async () => {
    const line = expectProductError(await run(['simulate', '--model', 'llama-3.1-9b']));
    expect(line).toContain('closest known');
    expect(line).toContain('llama-3.1-9b');
  });

  it('names the closest hardware for an unknown GPU', async () => {
    const line = expectProductError(await run(['simulate', '--hardware', 'H10']));
    expect(line).toContain("'H10'");
    expect(line).toContain('H100');
  });

  it('rejects a non-numeric --tp through commander', async () => {
    const result = await run(['simulate', '--tp', 'abc']);
    const line = expectOneLineFailure(result);
    expect(result.exitCode).toBe(EXIT_USAGE);
    expect(line).toContain('--tp');
    expect(line).toContain('abc');
  });

  it('rejects a bad length spec', async () => {
    const line = expectProductError(await run(['simulate', '--input-len', 'uniform:5']));
    expect(line).toContain('uniform:5');
  });

  it('rejects a missing trace file, naming it', async () => {
    const path = join(temporaryDirectory, 'missing.jsonl');
    const line = expectProductError(await run(['simulate', '--trace', path]));
    expect(line).toContain(path);
  });

  it('rejects a malformed trace, naming file and line 2', async () => {
    const path = join(temporaryDirectory, 'bad.jsonl');
    writeFileSync(
      path,
      '{"input_toks": 16, "output_toks": 4, "arrival_time_ns": 0}\n{"input_toks": 8, oops}\n',
    );
    const line = expectProductError(await run(['simulate', '--trace', path]));
    expect(line).toContain(`${path}:2:`);
  });

  it('rejects a model that does not fit', async () => {
    const line = expectProductError(
      await run(['simulate', '--model', 'meta-llama/Llama-3.1-405B', '--num-requests', '5']),
    );
    expect(line).toContain('does not fit');
  });

  it('names the flag of an out-of-range value', async () => {
    const line = expectProductError(await run(['simulate', '--gpu-memory-utilization', '1.5']));
    expect(line).toContain('--gpu-memory-utilization');
  });

  // Known issue: commander's "(Did you mean …?)" suggestion goes on a second stderr line.
  it('keeps a mistyped flag with a suggestion to one line', async () => {
    const result = await run(['simulate', '--num-request', '5']);
    expect(lines(result.stderr)).toHaveLength(1);
  });
});

describe('list', () => {
  it('lists hardware, including H100 and RTXPRO6000', async () => {
    const result = await run(['list', 'hardware']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const names = lines(result.stdout).map((line) => line.split(/\s+/)[0]);
    expect(names).toContain('H100');
    expect(names).toContain('RTXPRO6000');
  });

  it('lists models, including meta-llama/Llama-3.1-8B-Instruct', async () => {
    const result = await run(['list', 'models']);
    expect(result.exitCode).toBe(0);
    const ids = lines(result.stdout).map((line) => line.split(/\s+/)[0]);
    expect(ids).toContain('meta-llama/Llama-3.1-8B-Instruct');
    expect(ids).toContain('Qwen/Qwen3-30B-A3B');
  });

  it('fails on anything else', async () => {
    const line = expectProductError(await run(['list', 'foo']));
    expect(line).toContain('foo');
  });
});

describe('the real process', () => {
  const spawnOptions = {
    cwd: REPOSITORY_ROOT,
    encoding: 'utf8' as const,
    timeout: SPAWN_TIMEOUT_MS,
    env: { ...process.env, NO_COLOR: '1' },
  };

  it('runs simulate --json and exits 0 with JSON on stdout', async () => {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'simulate', '--num-requests', '50', '--json'],
      spawnOptions,
    );
    expect(child.error).toBeUndefined();
    expect(child.status, child.stderr).toBe(0);
    const summary = JSON.parse(child.stdout) as Json;
    expect(field(summary, 'requests.completed')).toBe(50);
  });

  it('exits 2 with a single stderr line on a bad flag', async () => {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'simulate', '--no-such-flag'],
      spawnOptions,
    );
    expect(child.error).toBeUndefined();
    expect(child.status).toBe(2);
    expect(child.stdout).toBe('');
    const errorLines = lines(child.stderr);
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toContain('--no-such-flag');
  });
});
