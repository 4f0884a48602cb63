/**
 * @module `GET /metrics`: Prometheus text exposition with vLLM's metric names, from the app's own
 * registry (see prometheus-metrics.ts and docs/METRICS.md).
 */

import type { FastifyInstance } from 'fastify';
import type { ModelDirectory } from '../model-directory.js';
import { PrometheusMetrics } from '../prometheus-metrics.js';

export interface MetricsRouteOptions {
  readonly timeScale: number;
}

/** Registers the route; the exporter starts observing every model's engine now. */
export function registerMetricsRoute(
  app: FastifyInstance,
  models: ModelDirectory,
  options: MetricsRouteOptions,
): PrometheusMetrics {
  const exporter = new PrometheusMetrics({ models: models.models, timeScale: options.timeScale });
  app.get('/metrics', async (_request, reply) => {
    const text = await exporter.metrics();
    return reply.header('content-type', exporter.contentType).send(text);
  });
  return exporter;
}
