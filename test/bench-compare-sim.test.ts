/**
 * @module `bench --compare-sim` against our own server, and the server's Prometheus histograms
 * against what the client measured for the same run. The server runs at time scale 5 (its
 * simulated seconds are divided by 5 to compare with wall seconds); the client's figures include
 * HTTP, parsing and tokenizing, which the simulator has not, so the client is later by a
 * little: the tolerances below say how much is accepted.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSimulatorTarget } from '../src/bench/simulator-target.js';
import { type BenchCommandResult, runBenchCommand } from '../src/cli/bench-command.js';
import type { CliIo } from '../src/cli/cli-io.js';
import { InvalidConfigError } from '../src/errors.js';
import type { LiveServer } from '../src/server/live-server.js';
import { startTestServer } from './support/live-server.js';

const TIME_SCALE = 5;

let server: LiveServer;
let directory: string;
let stdout = '';
let result: BenchCommandResult;

function capturingIo(): CliIo {
  return {
    stdout: (text) => {
      stdout += text;
    },
    stderr: () => undefined,
    stderrIsTty: false,
    environment: {},
    stopSignal: AbortSignal.abort(),
    logDestination: { write: () => undefined },
  };
}

/** `name{labels} value` samples of one metric from Prometheus text. */
function sample(text: string, name: string, labelFilter = ''): number {
  const line = text
    .split('\n')
    .find((entry) => entry.startsWith(`${name}{`) && entry.includes(labelFilter));
  if (line === undefined) throw new Error(`no sample ${name} ${labelFilter}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

beforeAll(async () => {
  server = await startTestServer({ timeScale: TIME_SCALE, engine: { maxModelLen: 4096 } });
  directory = mkdtempSync(join(tmpdir(), 'compare-sim-'));
  result = await runBenchCommand(
    {
      baseUrl: server.url,
      numPrompts: 40,
      requestRate: 40,
      inputLen: 'uniform:64:512',
      outputLen: 'uniform:8:40',
      percentiles: '50,99',
      compareSim: true,
      saveResult: join(directory, 'result.json'),
    },
    capturingIo(),
  );
}, 30_000);

afterAll(async () => {
  await server.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('bench --compare-sim against our server', () => {
  it("simulates the server's own deployment and time scale", () => {
    const simulation = result.simulation;
    expect(simulation?.target.source).toBe('server');
    expect(simulation?.target.timeScale).toBe(TIME_SCALE);
    const served = server.models[0]?.deployment;
    expect(simulation?.target.deployment.engineConfig).toEqual(served?.engineConfig);
    expect(simulation?.metrics.completed).toBe(40);
    expect(simulation?.metrics.totalOutputTokens).toBe(result.metrics.totalOutputTokens);
    expect(simulation?.metrics.totalInputTokens).toBe(result.metrics.totalInputTokens);
  });

  it('predicts each request within milliseconds of what the client saw', () => {
    const perRequest = result.simulation?.comparison.perRequest;
    // The client is later than the simulated engine by its HTTP and parsing time only.
    expect(perRequest?.ttft.requests).toBe(40);
    expect(perRequest?.ttft.meanSignedMs).toBeLessThan(0.5);
    expect(perRequest?.ttft.meanSignedMs).toBeGreaterThan(-25);
    expect(perRequest?.e2el.medianAbsMs).toBeLessThan(25);
    const tpot = result.simulation?.comparison.figures.find((f) => f.label === 'Mean TPOT (ms)');
    expect(tpot).toBeDefined();
    expect(Math.abs((tpot?.simulated ?? 0) - (tpot?.measured ?? 0))).toBeLessThan(
      0.25 * (tpot?.measured ?? 0),
    );
  });

  it('prints the side-by-side table and saves the comparison with the vLLM result', () => {
    expect(stdout).toContain('Serving Benchmark Result');
    expect(stdout).toContain('Measured vs simulated');
    expect(stdout).toMatch(/Mean TTFT \(ms\):\s+[\d.]+\s+[\d.]+\s+-?[\d.]+\s+[+-][\d.]+%/);
    const saved = JSON.parse(readFileSync(join(directory, 'result.json'), 'utf8'));
    expect(saved.completed).toBe(40);
    expect(saved.llmservingsim.compare_sim.target.time_scale).toBe(TIME_SCALE);
    expect(saved.llmservingsim.compare_sim.per_request.ttft.requests).toBe(40);
  });

  it("agrees with the server's Prometheus histograms of the same run", async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const { metrics } = result;
    expect(sample(text, 'vllm:time_to_first_token_seconds_count')).toBe(metrics.completed);
    expect(sample(text, 'vllm:generation_tokens_total')).toBe(metrics.totalOutputTokens);
    expect(sample(text, 'vllm:prompt_tokens_total')).toBe(metrics.totalInputTokens);
    const successes =
      sample(text, 'vllm:request_success_total', 'finished_reason="length"') +
      sample(text, 'vllm:request_success_total', 'finished_reason="stop"');
    expect(successes).toBe(metrics.completed);
    const serverMeanMs = (name: string) =>
      ((sample(text, `${name}_sum`) / sample(text, `${name}_count`)) * 1000) / TIME_SCALE;
    const ttftGap = metrics.ttft.meanMs - serverMeanMs('vllm:time_to_first_token_seconds');
    const e2eGap = metrics.e2el.meanMs - serverMeanMs('vllm:e2e_request_latency_seconds');
    for (const gap of [ttftGap, e2eGap]) {
      expect(gap).toBeGreaterThan(-0.5);
      expect(gap).toBeLessThan(25);
    }
    const itlServerMs = serverMeanMs('vllm:inter_token_latency_seconds');
    expect(Math.abs(metrics.itl.meanMs - itlServerMs)).toBeLessThan(0.25 * itlServerMs);
  });
});

describe('the simulator target', () => {
  it('needs --sim-hardware for a server that does not report its settings', async () => {
    const foreign = Fastify();
    foreign.get('/v1/models', async () => ({ data: [{ id: 'some/model' }] }));
    const url = await foreign.listen({ host: '127.0.0.1', port: 0 });
    try {
      await expect(
        resolveSimulatorTarget({ baseUrl: url, apiKey: undefined, model: 'x', overrides: {} }),
      ).rejects.toThrow(/--sim-hardware/);
      const target = await resolveSimulatorTarget({
        baseUrl: url,
        apiKey: undefined,
        model: 'meta-llama/Llama-3.1-8B-Instruct',
        overrides: { hardware: 'A100-80GB', tp: 2, settingsJson: '{"maxNumSeqs":64}' },
      });
      expect(target.source).toBe('flags');
      expect(target.timeScale).toBe(1);
      expect(target.deployment.parallel.tp).toBe(2);
      expect(target.deployment.engineConfig.maxNumSeqs).toBe(64);
      await expect(
        resolveSimulatorTarget({
          baseUrl: url,
          apiKey: undefined,
          model: 'meta-llama/Llama-3.1-8B-Instruct',
          overrides: { hardware: 'A100-80GB', settingsJson: '[1]' },
        }),
      ).rejects.toBeInstanceOf(InvalidConfigError);
    } finally {
      await foreign.close();
    }
  });

  it('lets flags override what the server reports', async () => {
    const target = await resolveSimulatorTarget({
      baseUrl: server.url,
      apiKey: undefined,
      model: undefined,
      overrides: { hardware: 'A100-80GB' },
    });
    expect(target.source).toBe('server');
    expect(target.deployment.hardware.file.name).toMatch(/A100/);
    expect(target.deployment.engineConfig.maxModelLen).toBe(4096);
  });
});
