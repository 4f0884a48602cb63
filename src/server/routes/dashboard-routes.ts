/**
 * @module `GET /` and `GET /dashboard` (the live dashboard page) and `GET /dashboard/data` (its
 * per-model time series, only the samples newer than `since`, so each poll carries one new point
 * per model). The series are sampled once per wall second from the moment the app is built.
 */

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { renderDashboardPage } from '../../report/dashboard-page.js';
import {
  DASHBOARD_HISTORY_SAMPLES,
  DASHBOARD_INTERVAL_MS,
  type DashboardSample,
  DashboardSampler,
  type DashboardSeries,
  type IntervalPercentiles,
} from '../dashboard-series.js';
import { kvCacheUsage } from '../live-engine.js';
import type { ModelDirectory } from '../model-directory.js';
import { parseQuery } from '../openai-schemas.js';
import type { ServedModel } from '../served-model.js';

export interface DashboardRouteOptions {
  readonly timeScale: number;
  /** Wall milliseconds per sample and between the page's polls (default one second). */
  readonly sampleIntervalMs?: number;
}

/** Paths serving the page; the data endpoint is {@link DASHBOARD_DATA_PATH}. */
export const DASHBOARD_PAGE_PATHS = ['/', '/dashboard'] as const;
export const DASHBOARD_DATA_PATH = '/dashboard/data';

const dataQuery = z.looseObject({
  /** One model's data only (any of its served names); all models without it. */
  model: z.string().optional(),
  since: z
    .string()
    .regex(
      /^\d{1,16}(\.\d+)?$/,
      'must be a time in Unix epoch milliseconds (a non-negative number)',
    )
    .optional(),
});

/** Rounds for the wire: `digits` decimals; null stays null. */
function rounded(value: number | undefined, digits: number): number | null {
  if (value === undefined || !Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Samples as columns (what the page's charts take), latencies in seconds to the microsecond. */
function columnsOf(samples: readonly DashboardSample[]) {
  const column = (pick: (sample: DashboardSample) => number | null) => samples.map(pick);
  const percentile = (
    pick: (sample: DashboardSample) => IntervalPercentiles | undefined,
    key: keyof IntervalPercentiles,
  ) => column((sample) => rounded(pick(sample)?.[key], 6));
  return {
    time_ms: column((sample) => sample.timeMs),
    running_requests: column((sample) => sample.runningRequests),
    waiting_requests: column((sample) => sample.waitingRequests),
    kv_cache_usage: column((sample) => rounded(sample.kvCacheUsage, 4)),
    prompt_tokens_per_s: column((sample) => rounded(sample.promptTokensPerS, 1)),
    generation_tokens_per_s: column((sample) => rounded(sample.generationTokensPerS, 1)),
    ttft_p50_s: percentile((sample) => sample.ttftS, 'p50'),
    ttft_p90_s: percentile((sample) => sample.ttftS, 'p90'),
    ttft_p99_s: percentile((sample) => sample.ttftS, 'p99'),
    itl_p50_s: percentile((sample) => sample.itlS, 'p50'),
    itl_p90_s: percentile((sample) => sample.itlS, 'p90'),
    itl_p99_s: percentile((sample) => sample.itlS, 'p99'),
  };
}

function modelData(model: ServedModel, series: DashboardSeries, sinceMs: number) {
  const status = model.engine.status();
  const totals = series.totals();
  return {
    model: model.names[0],
    totals: {
      running_requests: status.runningRequests,
      waiting_requests: status.waitingRequests,
      kv_cache_usage: rounded(kvCacheUsage(status), 4),
      completed_requests: status.completedRequests,
      aborted_requests: status.abortedRequests,
      rejected_requests: status.rejectedRequests,
      prompt_tokens: totals.promptTokens,
      generation_tokens: totals.generationTokens,
      simulated_time_s: rounded(status.simulatedTimeS, 3),
    },
    samples: columnsOf(series.samplesSince(sinceMs)),
  };
}

export function registerDashboardRoutes(
  app: FastifyInstance,
  models: ModelDirectory,
  options: DashboardRouteOptions,
): void {
  const served = models.models;
  const intervalMs = options.sampleIntervalMs ?? DASHBOARD_INTERVAL_MS;
  const sampler = new DashboardSampler({ engines: served.map((model) => model.engine) });
  sampler.start(intervalMs);
  app.addHook('onClose', async () => {
    sampler.stop();
  });

  const page = renderDashboardPage({
    models: served.map((model) => ({
      name: model.names[0] ?? model.deployment.model.id,
      root: model.deployment.model.id,
      hardware: model.deployment.hardware.file.name,
      gpus: model.deployment.gpus,
      tensorParallelSize: model.deployment.parallel.tp,
      pipelineParallelSize: model.deployment.parallel.pp,
    })),
    timeScale: options.timeScale,
    dataPath: DASHBOARD_DATA_PATH,
    pollIntervalMs: intervalMs,
    maxPoints: DASHBOARD_HISTORY_SAMPLES,
  });
  for (const path of DASHBOARD_PAGE_PATHS) {
    app.get(path, async (_request, reply) =>
      reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('content-security-policy', page.contentSecurityPolicy)
        .header('cache-control', 'no-cache')
        .send(page.html),
    );
  }

  app.get(DASHBOARD_DATA_PATH, async (request, reply) => {
    const query = parseQuery(dataQuery, request.query);
    const sinceMs = query.since === undefined ? 0 : Number(query.since);
    const only = query.model === undefined ? undefined : models.resolve(query.model);
    void reply.header('cache-control', 'no-store');
    return {
      object: 'dashboard.data',
      time_scale: options.timeScale,
      interval_ms: intervalMs,
      latency_unit: 'simulated seconds',
      now_ms: Date.now(),
      models: served.flatMap((model, index) =>
        only === undefined || only === model
          ? [modelData(model, sampler.series[index] as DashboardSeries, sinceMs)]
          : [],
      ),
    };
  });
}
