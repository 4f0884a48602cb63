/**
 * @module The exporter fed by real live engines on a manual clock: every counter, sum and bucket
 * agrees with the figures the engine itself reports for each request, gauges agree with
 * `status()`, and each app's registry is its own.
 */

import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { type Deployment, resolveDeployment } from '../config/deployment.js';
import type { RequestView } from '../core/engine/engine-types.js';
import { LiveEngine, type LiveRequestSpec, type RequestOutcome } from './live-engine.js';
import {
  oneTwoFiveBuckets,
  REQUEST_PHASE_BUCKETS_S,
  TOKEN_STEP_BUCKETS_S,
  TTFT_BUCKETS_S,
} from './metrics-buckets.js';
import { PrometheusMetrics } from './prometheus-metrics.js';
import { ManualClock } from './simulation-clock.js';

/** What the engine says about one request when it leaves. */
interface EndedRequest {
  readonly outcome: RequestOutcome;
  readonly endS: number;
  readonly arrivalS: number;
  readonly firstScheduledS: number;
  readonly inputTokens: number;
  readonly preemptions: number;
  readonly tokenTimesS: readonly number[];
}

/** A live engine on a manual clock with an exporter and a record of every request's end. */
function harness(deployment: Deployment, name = 'test-model') {
  const clock = new ManualClock();
  const engine = new LiveEngine(deployment, clock);
  const exporter = new PrometheusMetrics({
    models: [{ names: [name], deployment, engine }],
    timeScale: 1,
    processMetrics: false,
  });
  const ended: EndedRequest[] = [];
  const tokenTimes = new Map<RequestView, number[]>();
  let stepsWithOutput = 0;
  engine.observe({
    stepEnd: (step) => {
      if (step.emitted.length > 0) stepsWithOutput++;
    },
    requestOutcome: (request, outcome, timeS) => {
      ended.push({
        outcome,
        endS: timeS,
        arrivalS: request.arrivalS,
        firstScheduledS: request.firstScheduledS,
        inputTokens: request.inputTokens,
        preemptions: request.preemptions,
        tokenTimesS: tokenTimes.get(request) ?? [],
      });
    },
  });
  const submit = (spec: LiveRequestSpec): RequestView => {
    const times: number[] = [];
    const view = engine.submit(spec, {
      token: (_request, timeS) => times.push(timeS),
      end: () => {},
    });
    tokenTimes.set(view, times);
    return view;
  };
  return { clock, engine, exporter, ended, submit, stepsWithOutput: () => stepsWithOutput };
}

/** The parts of prom-client's JSON view that the tests read (histograms name each sample). */
interface JsonSample {
  readonly labels: Readonly<Partial<Record<string, string | number>>>;
  readonly value: number;
  readonly metricName?: string;
}
type Json = readonly { readonly name: string; readonly values: readonly JsonSample[] }[];

async function metricJson(exporter: PrometheusMetrics): Promise<Json> {
  return exporter.registry.getMetricsAsJSON();
}

function family(json: Json, name: string) {
  const found = json.find((metric) => metric.name === name);
  if (found === undefined) throw new Error(`no metric ${name}`);
  return found;
}

/** The value of a counter or gauge series matching `labels`. */
function seriesValue(json: Json, name: string, labels: Record<string, string> = {}): number {
  const series = family(json, name).values.filter((value) =>
    Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected),
  );
  expect(series).toHaveLength(1);
  return series[0]?.value as number;
}

/** Count, sum and cumulative bucket counts (by `le`) of a histogram's single series. */
function histogramOf(json: Json, name: string) {
  const values = family(json, name).values;
  const pick = (suffix: string) =>
    values.filter((value) => value.metricName === `${name}${suffix}`);
  const buckets = new Map<number, number>();
  for (const bucket of pick('_bucket')) {
    const le = bucket.labels.le;
    buckets.set(le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), bucket.value);
  }
  return {
    count: pick('_count')[0]?.value as number,
    sum: pick('_sum')[0]?.value as number,
    buckets,
  };
}

/** Asserts a histogram holds exactly `observations`: count, sum and every cumulative bucket. */
function expectHistogram(json: Json, name: string, observations: readonly number[]) {
  const histogram = histogramOf(json, name);
  expect(histogram.count, `${name} count`).toBe(observations.length);
  const sum = observations.reduce((total, value) => total + value, 0);
  expect(Math.abs(histogram.sum - sum), `${name} sum`).toBeLessThan(1e-9 * Math.max(1, sum));
  for (const [le, cumulative] of histogram.buckets) {
    expect(cumulative, `${name} le=${le}`).toBe(observations.filter((value) => value <= le).length);
  }
}

function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((time, index) => time - (times[index] as number));
}

describe('PrometheusMetrics on a scripted engine run', () => {
  it('agrees with the engine’s own figures for every request, bucket by bucket', async () => {
    const run = harness(resolveDeployment({ maxModelLen: 8192, maxNumSeqs: 4 }));
    const lengths: [number, number, 'stop' | 'length'][] = [
      [120, 40, 'stop'],
      [3000, 8, 'length'],
      [60, 300, 'stop'],
      [900, 1, 'length'],
      [2000, 120, 'stop'],
      [15, 64, 'length'],
      [400, 200, 'stop'],
      [7000, 30, 'stop'],
    ];
    let aborted: RequestView | undefined;
    lengths.forEach(([inputTokens, outputTokens, finishReason], index) => {
      run.clock.advanceTo(index * 0.013);
      const view = run.submit({ inputTokens, outputTokens, finishReason });
      if (index === 2) aborted = view;
    });
    // A prompt that leaves no room for output: rejected at arrival, never counted (vLLM answers
    // it with a 400 before its engine sees it).
    run.submit({ inputTokens: 8192, outputTokens: 10 });
    run.clock.advanceTo(0.5);
    expect(aborted?.outputTokens).toBeGreaterThan(2);
    run.engine.abort(aborted as RequestView);
    run.clock.advanceTo(120);

    const { ended } = run;
    expect(ended).toHaveLength(9);
    const served = ended.filter((request) => request.outcome !== 'rejected');
    const withTokens = served.filter((request) => request.tokenTimesS.length > 0);
    const json = await metricJson(run.exporter);

    for (const reason of ['stop', 'length', 'abort']) {
      expect(seriesValue(json, 'vllm:request_success_total', { finished_reason: reason })).toBe(
        served.filter((request) => request.outcome === reason).length,
      );
    }
    expect(seriesValue(json, 'vllm:request_success_total', { finished_reason: 'abort' })).toBe(1);
    const allTokens = served.flatMap((request) => request.tokenTimesS);
    expect(seriesValue(json, 'vllm:generation_tokens_total')).toBe(allTokens.length);
    const promptTokens = withTokens.reduce((sum, request) => sum + request.inputTokens, 0);
    expect(seriesValue(json, 'vllm:prompt_tokens_total')).toBe(promptTokens);
    expect(seriesValue(json, 'vllm:num_preemptions_total')).toBe(0);

    const ttfts = withTokens.map(
      (request) => (request.tokenTimesS[0] as number) - request.arrivalS,
    );
    const itls = served.flatMap((request) => gaps(request.tokenTimesS));
    expect(itls.length).toBe(allTokens.length - withTokens.length);
    expectHistogram(json, 'vllm:time_to_first_token_seconds', ttfts);
    expectHistogram(json, 'vllm:inter_token_latency_seconds', itls);
    expectHistogram(json, 'vllm:time_per_output_token_seconds', itls);
    expectHistogram(
      json,
      'vllm:request_time_per_output_token_seconds',
      served
        .filter((request) => request.tokenTimesS.length > 1)
        .map((request) => {
          const times = request.tokenTimesS;
          return ((times.at(-1) as number) - (times[0] as number)) / (times.length - 1);
        }),
    );
    expectHistogram(
      json,
      'vllm:e2e_request_latency_seconds',
      served.map((request) => request.endS - request.arrivalS),
    );
    expectHistogram(
      json,
      'vllm:request_queue_time_seconds',
      served.map((request) => request.firstScheduledS - request.arrivalS),
    );
    expectHistogram(
      json,
      'vllm:request_prefill_time_seconds',
      withTokens.map((request) => (request.tokenTimesS[0] as number) - request.firstScheduledS),
    );
    expectHistogram(
      json,
      'vllm:request_decode_time_seconds',
      withTokens.map(
        (request) => (request.tokenTimesS.at(-1) as number) - (request.tokenTimesS[0] as number),
      ),
    );
    expectHistogram(
      json,
      'vllm:request_inference_time_seconds',
      withTokens.map((request) => (request.tokenTimesS.at(-1) as number) - request.firstScheduledS),
    );
    expectHistogram(
      json,
      'vllm:request_prompt_tokens',
      served.map((request) => request.inputTokens),
    );
    expectHistogram(
      json,
      'vllm:request_generation_tokens',
      served.map((request) => request.tokenTimesS.length),
    );
    const iterations = histogramOf(json, 'vllm:iteration_tokens_total');
    expect(iterations.count).toBe(run.stepsWithOutput());
    expect(iterations.sum).toBe(promptTokens + allTokens.length);
    // The run really queued requests, so the queue buckets were tested off zero.
    expect(served.some((request) => request.firstScheduledS > request.arrivalS)).toBe(true);
  });

  it('counts preemptions, and each prompt once however often it is recomputed', async () => {
    // 3,520 tokens of KV cache; eight requests of 200 + 400 tokens need 4,800.
    const run = harness(resolveDeployment({ npuMem: 17.9, maxModelLen: 2048 }));
    for (let index = 0; index < 8; index++) run.submit({ inputTokens: 200, outputTokens: 400 });
    run.clock.advanceTo(600);
    const preemptions = run.ended.reduce((sum, request) => sum + request.preemptions, 0);
    expect(preemptions).toBeGreaterThan(0);
    const json = await metricJson(run.exporter);
    expect(seriesValue(json, 'vllm:num_preemptions_total')).toBe(preemptions);
    expect(seriesValue(json, 'vllm:prompt_tokens_total')).toBe(8 * 200);
    expect(seriesValue(json, 'vllm:generation_tokens_total')).toBe(8 * 400);
    expect(seriesValue(json, 'vllm:request_success_total', { finished_reason: 'stop' })).toBe(8);
  });

  it('reads the gauges from the engine status at scrape time', async () => {
    const run = harness(resolveDeployment({ maxModelLen: 8192, maxNumSeqs: 2 }));
    for (let index = 0; index < 5; index++) run.submit({ inputTokens: 1000, outputTokens: 50 });
    run.clock.advanceTo(0.2);
    const status = run.engine.status();
    expect(status.waitingRequests).toBe(3);
    expect(status.kvUsedBlocks).toBeGreaterThan(0);
    const json = await metricJson(run.exporter);
    expect(seriesValue(json, 'vllm:num_requests_running')).toBe(status.runningRequests);
    expect(seriesValue(json, 'vllm:num_requests_waiting')).toBe(3);
    const usage = status.kvUsedBlocks / status.kvTotalBlocks;
    expect(seriesValue(json, 'vllm:kv_cache_usage_perc')).toBe(usage);
    expect(seriesValue(json, 'vllm:gpu_cache_usage_perc')).toBe(usage);
    expect(seriesValue(json, 'llmservingsim:simulated_time_seconds')).toBe(0.2);
    expect(seriesValue(json, 'llmservingsim:time_scale')).toBe(1);
    // The manual clock fires wake-ups on time: lateness quantiles are 0 once there are any.
    expect(seriesValue(json, 'llmservingsim:driver_wakeups_total')).toBe(status.wakeUps);
    expect(status.wakeUps).toBeGreaterThan(0);
    expect(
      seriesValue(json, 'llmservingsim:driver_wakeup_lateness_seconds', { quantile: '0.99' }),
    ).toBe(0);
    run.clock.advanceTo(60);
    const after = await metricJson(run.exporter);
    expect(seriesValue(after, 'vllm:num_requests_running')).toBe(0);
    expect(seriesValue(after, 'vllm:kv_cache_usage_perc')).toBe(0);
  });

  it('labels each model’s series with its served name and engine 0, in a registry of its own', async () => {
    const clock = new ManualClock();
    const small = resolveDeployment({ maxModelLen: 4096 });
    const large = resolveDeployment({ maxModelLen: 20000 });
    const first = new LiveEngine(small, clock);
    const second = new LiveEngine(large, clock);
    const exporter = new PrometheusMetrics({
      models: [
        { names: ['alpha', 'alias'], deployment: small, engine: first },
        { names: ['beta'], deployment: large, engine: second },
      ],
      timeScale: 10,
      processMetrics: false,
    });
    const listener = { token: () => {}, end: () => {} };
    first.submit({ inputTokens: 100, outputTokens: 3 }, listener);
    second.submit({ inputTokens: 100, outputTokens: 5 }, listener);
    clock.advanceTo(10);
    const text = await exporter.metrics();
    expect(text).toContain('vllm:generation_tokens_total{model_name="alpha",engine="0"} 3');
    expect(text).toContain('vllm:generation_tokens_total{model_name="beta",engine="0"} 5');
    expect(text).not.toContain('model_name="alias"');
    // Series exist at zero before anything happened, as vLLM creates them at start-up.
    expect(text).toContain(
      'vllm:request_success_total{model_name="beta",engine="0",finished_reason="abort"} 0',
    );
    // One bucket set per family: the larger max_model_len bounds the token-count buckets.
    expect(text).toContain(
      'vllm:request_prompt_tokens_bucket{le="20000",model_name="alpha",engine="0"} 1',
    );
    expect(exporter.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await globalRegistry.metrics()).not.toContain('vllm:');
  });
});

describe('vLLM bucket boundaries', () => {
  it('builds 1-2-5 buckets up to max_model_len as vLLM does', () => {
    expect(oneTwoFiveBuckets(100)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(oneTwoFiveBuckets(8192)).toEqual([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]);
    expect(oneTwoFiveBuckets(1)).toEqual([1]);
  });

  it('exports each histogram with vLLM’s boundaries', async () => {
    const run = harness(resolveDeployment({ maxModelLen: 8192 }));
    const json = await metricJson(run.exporter);
    const bounds = (name: string) =>
      [...histogramOf(json, name).buckets.keys()].filter((le) => Number.isFinite(le));
    expect(bounds('vllm:time_to_first_token_seconds')).toEqual(TTFT_BUCKETS_S);
    expect(bounds('vllm:inter_token_latency_seconds')).toEqual(TOKEN_STEP_BUCKETS_S);
    expect(bounds('vllm:e2e_request_latency_seconds')).toEqual(REQUEST_PHASE_BUCKETS_S);
    expect(bounds('vllm:request_generation_tokens')).toEqual(oneTwoFiveBuckets(8192));
    expect(bounds('vllm:iteration_tokens_total')).toEqual([
      1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000,
    ]);
    expect(TTFT_BUCKETS_S.at(-1)).toBe(2560);
    expect(REQUEST_PHASE_BUCKETS_S[0]).toBe(0.1);
  });
});
