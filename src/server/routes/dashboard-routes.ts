/**
 * @module `GET /` and `GET /dashboard`: the live dashboard page and its data (placeholder until
 * the dashboard lands).
 */

import type { FastifyInstance } from 'fastify';
import type { ModelDirectory } from '../model-directory.js';

export interface DashboardRouteOptions {
  readonly timeScale: number;
}

export function registerDashboardRoutes(
  _app: FastifyInstance,
  _models: ModelDirectory,
  _options: DashboardRouteOptions,
): void {}
