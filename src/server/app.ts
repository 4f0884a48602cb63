/**
 * @module The HTTP application: OpenAI routes plus health, status, metrics, dashboard and debug
 * routes; strict JSON bodies, API-key checks, opt-in CORS, refusal while draining; and one error
 * handler that turns every failure (ours, Fastify's, unknown routes) into OpenAI's error
 * envelope with the status OpenAI uses.
 */

import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import cors from '@fastify/cors';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import { installAccessControl } from './access-control.js';
import { ApiError, invalidRequest } from './api-error.js';
import {
  type CompletionSettings,
  DEFAULT_REQUEST_LIMITS,
  type RequestLimits,
} from './completion-handler.js';
import type { FaultSettings } from './fault-injection.js';
import { ModelDirectory } from './model-directory.js';
import { installJsonBodyParser } from './request-body.js';
import { RequestTimelines } from './request-timelines.js';
import { registerChatCompletionsRoute } from './routes/chat-completions-route.js';
import { registerCompletionsRoute } from './routes/completions-route.js';
import { registerDashboardRoutes } from './routes/dashboard-routes.js';
import { registerMetricsRoute } from './routes/metrics-route.js';
import { registerModelsRoutes } from './routes/models-route.js';
import { registerServiceRoutes } from './routes/service-routes.js';
import type { ServedModel } from './served-model.js';
import { ServerLifecycle, shuttingDown } from './server-lifecycle.js';

/** Settings of one server. */
export interface ServerAppOptions
  extends Omit<CompletionSettings, 'timelines' | 'limits' | 'faults' | 'lifecycle'> {
  readonly models: readonly ServedModel[];
  /** Accepted keys (every route but `/health`); empty = no authentication. */
  readonly apiKeys: readonly string[];
  /** Dashboard, `/metrics` and `/status` open even with keys (`--public-metrics`). */
  readonly publicMetrics?: boolean;
  /** Origins allowed to call from browsers (`--cors`); absent = no CORS headers. */
  readonly corsOrigins?: readonly string[];
  readonly limits?: Partial<RequestLimits>;
  readonly faults?: FaultSettings;
  /** Draining state shared with the live server's shutdown; a fresh one by default. */
  readonly lifecycle?: ServerLifecycle;
  /** Largest accepted request body (413 beyond). */
  readonly maxBodyBytes: number;
  readonly timeScale: number;
  /** Recent request timelines kept for `/debug/requests`. */
  readonly timelineCapacity?: number;
  readonly logger?: FastifyServerOptions['loggerInstance'];
  /** Log every request (the original's `--verbose`). */
  readonly verbose?: boolean;
}

/** Methods each known path answers to; other methods get 405 with an `allow` header. */
const ALLOWED_METHODS: readonly [RegExp, string][] = [
  [/^\/v1\/(chat\/)?completions\/?$/, 'POST'],
  [/^\/v1\/models(\/.*)?$/, 'GET'],
  [/^\/(health|status|metrics)\/?$/, 'GET'],
  [/^\/(dashboard(\/data)?\/?)?$/, 'GET'],
  [/^\/debug\/requests(\/[^/]+)?\/?$/, 'GET'],
];

/** Fastify's own 4xx errors, by code, as OpenAI-shaped errors. */
function fromFastifyError(error: { code?: string; statusCode?: number; message: string }) {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError({
        statusCode: 413,
        type: 'invalid_request_error',
        message: 'The request body is too large.',
        code: 'request_too_large',
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidRequest('The request body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return invalidRequest(`We could not parse the JSON body of your request. (${error.message})`);
    default:
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return new ApiError({
          statusCode: error.statusCode,
          type: 'invalid_request_error',
          message: error.message,
        });
      }
      return undefined;
  }
}

/** Answers a request Node's HTTP parser refused (bad header, bad length, huge headers). */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (socket.destroyed) return;
  // A reset or a timeout leaves nobody to answer.
  if (error.code === 'ECONNRESET' || error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify(
    new ApiError({
      statusCode: status,
      type: 'invalid_request_error',
      message: tooLarge
        ? 'The request headers are too large.'
        : `The HTTP request is malformed (${error.code ?? 'parse error'}).`,
      code: tooLarge ? 'headers_too_large' : 'malformed_request',
    }).toBody(),
  );
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'x-content-type-options': 'nosniff',
    connection: 'close',
    'content-length': String(Buffer.byteLength(body)),
  };
  // A body that breaks mid-way (a bad chunk size) leaves its request's response in flight:
  // answer through it, or Node would write that response's own bare 400 first.
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (inFlight !== undefined && inFlight !== null) {
    if (inFlight.headersSent) socket.destroy();
    else inFlight.writeHead(status, headers).end(body, () => socket.destroy());
    return;
  }
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `${head}\r\n${body}`,
  );
}

/** Builds the app (not listening yet). */
export function buildServerApp(options: ServerAppOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: options.maxBodyBytes,
    logController: new LogController({ disableRequestLogging: options.verbose !== true }),
    ...(options.logger === undefined ? {} : { loggerInstance: options.logger }),
    // Open streams must not hold a shutdown back: close() ends them.
    forceCloseConnections: true,
    // A path Fastify cannot decode (`/v1/models/%zz`) gets OpenAI's envelope too.
    frameworkErrors: (error, _request, reply) => {
      const apiError = invalidRequest(`The request URL is malformed (${error.message}).`);
      void (reply as FastifyReply).code(400).send(apiError.toBody());
    },
    // Bytes Node's HTTP parser refuses never reach a route: answer them in the envelope.
    clientErrorHandler: answerClientError,
  });
  // Browsers may call from other origins only when the user opts in (`--cors`).
  if (options.corsOrigins !== undefined && options.corsOrigins.length > 0) {
    const origins = options.corsOrigins;
    void app.register(cors, {
      origin: origins.includes('*') ? '*' : [...origins],
      methods: ['GET', 'POST', 'OPTIONS'],
      // An OPTIONS request that is not a full preflight is answered, not refused in plain text.
      strictPreflight: false,
    });
  }
  const lifecycle = options.lifecycle ?? new ServerLifecycle();
  const models = new ModelDirectory(options.models);
  const timelines = new RequestTimelines(options.timelineCapacity ?? 1000);
  const settings: CompletionSettings = {
    outputLength: options.outputLength,
    responseMode: options.responseMode,
    seed: options.seed,
    maxWaiting: options.maxWaiting,
    timelines,
    limits: { ...DEFAULT_REQUEST_LIMITS, ...options.limits },
    faults: options.faults,
    lifecycle,
  };

  // JSON error bodies quote user input (an unknown URL, a bad value): never let a browser
  // sniff them into HTML.
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    if (lifecycle.draining) throw shuttingDown();
  });
  // Node refuses an HTTP/1.1 request without `host` (RFC 9112 says it must) with a bare 400 of its
  // own; the check is made here instead, so the refusal has OpenAI's envelope.
  (app.server as { requireHostHeader?: boolean }).requireHostHeader = false;
  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw invalidRequest('An HTTP/1.1 request needs a Host header.', null, 'malformed_request');
    }
  });
  installJsonBodyParser(app);
  installAccessControl(app, {
    apiKeys: options.apiKeys,
    publicMetrics: options.publicMetrics === true,
  });

  app.setErrorHandler(async (error, request, reply) => {
    const apiError =
      error instanceof ApiError
        ? error
        : fromFastifyError(error as { code?: string; statusCode?: number; message: string });
    if (apiError === undefined) {
      request.log.error({ err: error }, 'unexpected error');
      const internal = new ApiError({
        statusCode: 500,
        type: 'server_error',
        message: 'The server had an error while processing your request.',
      });
      return reply.code(500).send(internal.toBody());
    }
    if (options.verbose === true) {
      request.log.info({ status: apiError.statusCode, code: apiError.code }, apiError.message);
    }
    return reply.code(apiError.statusCode).headers(apiError.headers).send(apiError.toBody());
  });

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = ALLOWED_METHODS.find(([pattern]) => pattern.test(path))?.[1];
    const error =
      allowed === undefined
        ? new ApiError({
            statusCode: 404,
            type: 'invalid_request_error',
            message: `Unknown request URL: ${request.method} ${path}.`,
            code: 'unknown_url',
          })
        : new ApiError({
            statusCode: 405,
            type: 'invalid_request_error',
            message: `Method ${request.method} is not allowed on ${path}; use ${allowed}.`,
            code: 'method_not_allowed',
            headers: { allow: allowed },
          });
    return reply.code(error.statusCode).headers(error.headers).send(error.toBody());
  });

  registerChatCompletionsRoute(app, models, settings);
  registerCompletionsRoute(app, models, settings);
  registerModelsRoutes(app, models);
  registerServiceRoutes(app, models, timelines, options.timeScale);
  registerMetricsRoute(app, models, { timeScale: options.timeScale });
  registerDashboardRoutes(app, models, { timeScale: options.timeScale });

  app.addHook('onClose', async () => {
    lifecycle.abortInFlight();
    for (const model of models.models) model.engine.close();
  });
  return app;
}
