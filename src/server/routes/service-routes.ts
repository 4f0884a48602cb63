/**
 * @module `GET /health`, `GET /status` (queue, batches, memory and KV cache of every model, in
 * the original tool's field names) and `GET /debug/requests[/:id]` (simulated timelines).
 */

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { LatencyStats } from '../../core/metrics/percentiles.js';
import { ApiError } from '../api-error.js';
import { kvCacheUsage, type LiveEngineStatus } from '../live-engine.js';
import type { ModelDirectory } from '../model-directory.js';
import { parseQuery } from '../openai-schemas.js';
import { figuresOf, type RequestTimeline, type RequestTimelines } from '../request-timelines.js';
import type { ServedModel } from '../served-model.js';

/** Timelines `/debug/requests` lists when no `limit` is given. */
const DEFAULT_DEBUG_LIMIT = 50;

const debugQuery = z.looseObject({
  limit: z
    .string()
    .regex(/^\d{1,9}$/, 'must be a positive integer')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be a positive integer'))
    .optional(),
});

/** Memory and KV-cache figures of one model instance, all GPUs together. */
function occupancy(model: ServedModel, status: LiveEngineStatus) {
  const { kvCapacity, gpus } = model.deployment;
  const kvBytesPerBlock = kvCapacity.kvBytesPerTokenPerGpu * kvCapacity.blockSize * gpus;
  const fixedBytes =
    (kvCapacity.weightBytesPerGpu +
      kvCapacity.activationPeakBytesPerGpu +
      kvCapacity.nonTorchBytesPerGpu) *
    gpus;
  const total = kvCapacity.memoryBytesPerGpu * gpus;
  const used = Math.round(fixedBytes + status.kvUsedBlocks * kvBytesPerBlock);
  return {
    memory: { total, used, available: Math.max(0, total - used) },
    kv: {
      capacity_tokens: kvCapacity.capacityTokens,
      used_blocks: status.kvUsedBlocks,
      total_blocks: status.kvTotalBlocks,
      peak_used_blocks: status.kvPeakUsedBlocks,
      block_size: kvCapacity.blockSize,
      usage: kvCacheUsage(status),
    },
  };
}

function modelStatus(model: ServedModel) {
  const status = model.engine.status();
  const { deployment } = model;
  const { memory, kv } = occupancy(model, status);
  return {
    status,
    memory,
    kv,
    body: {
      model: model.names[0],
      root: deployment.model.id,
      hardware: deployment.hardware.file.name,
      gpus: deployment.gpus,
      tensor_parallel_size: deployment.parallel.tp,
      pipeline_parallel_size: deployment.parallel.pp,
      pending_requests: status.waitingRequests,
      running_requests: status.runningRequests,
      inflight_batches: status.inflightBatches,
      completed_requests: status.completedRequests,
      aborted_requests: status.abortedRequests,
      engine_steps: status.engineSteps,
      memory_usage: memory,
      kv_cache: kv,
      simulated_time_s: status.simulatedTimeS,
      // The engine settings (defaults filled) that rebuild this instance offline: what
      // `bench --compare-sim` simulates against.
      engine_settings: deployment.settings,
      driver: {
        wake_ups: status.wakeUps,
        lateness_ms: millisecondsOf(status.wakeUpLateness),
      },
    },
  };
}

/** Latency stats in milliseconds, rounded to microseconds; null before any value. */
function millisecondsOf(stats: LatencyStats) {
  const ms = (seconds: number) => (Number.isNaN(seconds) ? null : Math.round(seconds * 1e6) / 1e3);
  return { mean: ms(stats.mean), p50: ms(stats.p50), p99: ms(stats.p99) };
}

/** A timeline as JSON; `*_epoch_ms` say when each simulated instant fell on the wall clock. */
function timelineBody(timeline: RequestTimeline, models: ModelDirectory) {
  const figures = figuresOf(timeline);
  const engine = models.find(timeline.model)?.engine;
  const epochMs = (timeS: number) => (engine === undefined ? null : engine.epochMsAt(timeS));
  return {
    id: timeline.id,
    model: timeline.model,
    stream: timeline.stream,
    arrival_s: timeline.arrivalS,
    arrival_epoch_ms: epochMs(timeline.arrivalS),
    prompt_tokens: timeline.promptTokens,
    handling_ms: timeline.handlingMs,
    queue_ms: figures.queueMs,
    ttft_ms: figures.ttftMs,
    tpot_ms: figures.tpotMs,
    e2e_ms: figures.e2eMs,
    choices: timeline.choices.map((choice) => ({
      index: choice.index,
      status: choice.status,
      first_scheduled_s: choice.firstScheduledS,
      first_token_s: choice.firstTokenS,
      finish_s: choice.finishS,
      preemptions: choice.preemptions,
      completion_tokens: choice.tokenTimesS.length,
      token_times_s: choice.tokenTimesS,
      token_epoch_ms: choice.tokenTimesS.map(epochMs),
    })),
  };
}

export function registerServiceRoutes(
  app: FastifyInstance,
  models: ModelDirectory,
  timelines: RequestTimelines,
  timeScale: number,
): void {
  const startedMs = Date.now();
  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/status', async () => {
    const perModel = models.models.map(modelStatus);
    const sum = (pick: (entry: (typeof perModel)[number]) => number) =>
      perModel.reduce((total, entry) => total + pick(entry), 0);
    const totalBlocks = sum((entry) => entry.kv.total_blocks);
    const usedBlocks = sum((entry) => entry.kv.used_blocks);
    return {
      status: 'serving',
      uptime_s: (Date.now() - startedMs) / 1000,
      time_scale: timeScale,
      pending_requests: sum((entry) => entry.status.waitingRequests),
      running_requests: sum((entry) => entry.status.runningRequests),
      inflight_batches: sum((entry) => entry.status.inflightBatches),
      completed_requests: sum((entry) => entry.status.completedRequests),
      memory_usage: {
        total: sum((entry) => entry.memory.total),
        used: sum((entry) => entry.memory.used),
        available: sum((entry) => entry.memory.available),
      },
      kv_cache: {
        capacity_tokens: sum((entry) => entry.kv.capacity_tokens),
        used_blocks: usedBlocks,
        total_blocks: totalBlocks,
        usage: kvCacheUsage({ kvUsedBlocks: usedBlocks, kvTotalBlocks: totalBlocks }),
      },
      simulated_time_s: Math.max(...perModel.map((entry) => entry.status.simulatedTimeS)),
      models: perModel.map((entry) => entry.body),
    };
  });

  app.get('/debug/requests', async (request) => {
    const { limit } = parseQuery(debugQuery, request.query);
    const bounded = Math.min(limit ?? DEFAULT_DEBUG_LIMIT, timelines.capacity);
    return {
      object: 'list',
      data: timelines.recent(bounded).map((timeline) => timelineBody(timeline, models)),
    };
  });

  app.get('/debug/requests/:id', async (request) => {
    const { id } = request.params as { id: string };
    const timeline = timelines.get(id);
    if (timeline === undefined) {
      throw new ApiError({
        statusCode: 404,
        type: 'invalid_request_error',
        message: `No recent request has id '${id}' (the last ${timelines.capacity} are kept).`,
        param: 'id',
        code: 'not_found',
      });
    }
    return timelineBody(timeline, models);
  });
}
