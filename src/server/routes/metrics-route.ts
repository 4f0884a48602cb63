/**
 * @module `GET /metrics`: Prometheus text exposition with vLLM's metric names (placeholder until
 * the exporter lands).
 */

import type { FastifyInstance } from 'fastify';
import type { ModelDirectory } from '../model-directory.js';

export interface MetricsRouteOptions {
  readonly timeScale: number;
}

export function registerMetricsRoute(
  _app: FastifyInstance,
  _models: ModelDirectory,
  _options: MetricsRouteOptions,
): void {}
