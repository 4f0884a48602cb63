/**
 * @module Starting a live server from user settings: one deployment and engine per model, all on
 * one scaled wall clock, tokenizers loaded before the port opens, then listening.
 */

import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { resolveDeployment } from '../config/deployment.js';
import type { EngineOptionsInput } from '../config/engine-options.js';
import { parseLengthSpec } from '../config/workload-options.js';
import { InvalidConfigError, ListenError } from '../errors.js';
import { buildServerApp } from './app.js';
import type { RequestLimits, ResponseMode } from './completion-handler.js';
import type { FaultSettings } from './fault-injection.js';
import { createServedModel, type ServedModel } from './served-model.js';
import { ServerLifecycle } from './server-lifecycle.js';
import { ScaledWallClock } from './simulation-clock.js';

/**
 * Default body limit: a 128k-token prompt as JSON text (~0.5 MB) or token ids (~0.9 MB) fits
 * many times over, while counting the largest body accepted pauses the event loop ~0.14 s.
 */
export const DEFAULT_MAX_BODY_BYTES = 8 * 2 ** 20;

/** Everything a live server is started from. */
export interface LiveServerOptions {
  /** Engine settings shared by every model (their `model` field is ignored). */
  readonly engine: Omit<EngineOptionsInput, 'model'>;
  /** Models to serve, each on its own simulated instance (catalog ids, aliases or paths). */
  readonly models: readonly string[];
  /** With one model: its names (the first is reported). With several: one name per model. */
  readonly servedModelNames?: readonly string[];
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly apiKeys?: readonly string[];
  /** Simulated seconds per wall second. */
  readonly timeScale?: number;
  readonly seed?: number;
  readonly maxWaiting?: number;
  /** Output-length spec as in `simulate --output-len` (default `sharegpt`). */
  readonly outputLen?: string;
  readonly responseMode?: ResponseMode;
  readonly maxBodyBytes?: number;
  /** Open connections beyond which new ones are closed at once (Node's `maxConnections`). */
  readonly maxConnections?: number;
  readonly limits?: Partial<RequestLimits>;
  readonly publicMetrics?: boolean;
  /** Origins browsers may call from; absent = CORS off. */
  readonly corsOrigins?: readonly string[];
  readonly faults?: FaultSettings;
  readonly verbose?: boolean;
  readonly logger?: FastifyServerOptions['loggerInstance'];
}

/** A listening server. */
export interface LiveServer {
  readonly app: FastifyInstance;
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  readonly models: readonly ServedModel[];
  readonly timeScale: number;
  /**
   * Stops taking requests (new connections refused, new requests on open ones 503), waits up to
   * `drainTimeoutS` (default 0) for the completions in flight, ends the rest with an error
   * (an error event in a stream, 503 otherwise), and closes.
   */
  close(drainTimeoutS?: number): Promise<void>;
}

/**
 * Connections the kernel queues before the server accepts them. Node's default (511) overflows
 * when a load test opens 1,000 connections at once, and each overflowed client waits ~1 s for its
 * SYN retry; 4096 is Linux's default `somaxconn` (the kernel caps the value at it anyway).
 */
const LISTEN_BACKLOG = 4096;

/** Wall time the last error events get to leave before the sockets are closed. */
const FINAL_FLUSH_MS = 1000;

/** The names each model is served under. */
function namesPerModel(models: readonly string[], served: readonly string[]): string[][] {
  if (served.length === 0) return models.map(() => []);
  if (models.length === 1) return [[...served]];
  if (served.length !== models.length) {
    throw new InvalidConfigError(
      `--served-model-name was given ${served.length} times for ${models.length} models: with ` +
        'several --model flags, give one name per model, in the same order',
    );
  }
  return served.map((name) => [name]);
}

/** Builds the models and the app, and listens. */
export async function startLiveServer(options: LiveServerOptions): Promise<LiveServer> {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
    throw new InvalidConfigError(`--time-scale must be a positive number, got ${timeScale}`);
  }
  if (options.maxWaiting !== undefined && !(options.maxWaiting >= 0)) {
    throw new InvalidConfigError('--max-waiting must be a non-negative integer');
  }
  const models = options.models.length === 0 ? [undefined] : options.models;
  const deployments = models.map((model) =>
    resolveDeployment(model === undefined ? options.engine : { ...options.engine, model }),
  );
  const names = namesPerModel(
    deployments.map((deployment) => deployment.model.id),
    options.servedModelNames ?? [],
  );
  const outputLength = parseLengthSpec(options.outputLen ?? 'sharegpt', 'output');
  const clock = new ScaledWallClock(timeScale);
  const served = await Promise.all(
    deployments.map((deployment, index) =>
      createServedModel({ deployment, names: names[index] ?? [], clock }),
    ),
  );
  const lifecycle = new ServerLifecycle();
  const app = buildServerApp({
    models: served,
    lifecycle,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
    ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
    publicMetrics: options.publicMetrics === true,
    apiKeys: options.apiKeys ?? [],
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    timeScale,
    outputLength,
    responseMode: options.responseMode ?? 'lorem',
    seed: options.seed ?? 0,
    maxWaiting: options.maxWaiting,
    verbose: options.verbose ?? false,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  if (options.maxConnections !== undefined) app.server.maxConnections = options.maxConnections;
  try {
    await app.listen({ host: options.host, port: options.port, backlog: LISTEN_BACKLOG });
  } catch (error) {
    await app.close();
    throw new ListenError(`${options.host}:${options.port}`, error as NodeJS.ErrnoException);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    app,
    url: `http://${host}:${port}`,
    models: served,
    timeScale,
    close: async (drainTimeoutS = 0) => {
      lifecycle.beginDrain();
      // No new connections; idle keep-alive ones close now (Node closes them in close()).
      app.server.close();
      const drained = await lifecycle.whenIdle(drainTimeoutS * 1000);
      if (!drained) {
        lifecycle.abortInFlight();
        await lifecycle.whenIdle(FINAL_FLUSH_MS);
      }
      await app.close();
    },
  };
}
