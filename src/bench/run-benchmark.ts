/**
 * @module Runs a benchmark against an OpenAI-compatible server, as vLLM's `bench serve` does:
 * the planned requests are released at their arrival times (all at once for rate inf), a
 * semaphore on top of the arrivals caps the requests in flight (`--max-concurrency`), and each
 * request is timed from the moment it is actually sent. Returns a `BenchRun` with one record per
 * request; metrics and reports are computed from it afterwards.
 */

import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { z } from 'zod';
import { parseWithSchema } from '../config/parse-with-schema.js';
import { InvalidConfigError } from '../errors.js';
import { loadModelTokenizer, type ModelTokenizer } from '../tokenizer/index.js';
import { buildBenchDataset, type PreparedRequest } from './bench-dataset.js';
import { BenchServerError } from './bench-errors.js';
import type {
  BenchDatasetSpec,
  BenchEndpoint,
  BenchRequestRecord,
  BenchRun,
  BenchSettings,
} from './bench-types.js';
import { describeFailure, sendRequest } from './send-request.js';
import { errorMessageOf } from './stream-observer.js';

/** vLLM's per-request limit (`AIOHTTP_TIMEOUT`, 6 h, in vllm/benchmarks/lib/endpoint_request_func.py). */
export const DEFAULT_TIMEOUT_S = 6 * 60 * 60;
/** Limit for the `GET /v1/models` probe before the run. */
const PROBE_TIMEOUT_MS = 10_000;

/** vLLM's own default server address. */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:8000';

const optionsSchema = z.object({
  baseUrl: z.string().min(1).default(DEFAULT_BASE_URL),
  endpoint: z.enum(['chat', 'completions']).default('completions'),
  model: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  numPrompts: z.number().int().positive().optional(),
  requestRatePerS: z.number().positive().or(z.literal(Number.POSITIVE_INFINITY)).optional(),
  burstiness: z.number().positive().optional(),
  maxConcurrency: z.number().int().positive().optional(),
  dataset: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('random') }),
      z.object({ kind: z.literal('sharegpt'), path: z.string().min(1).optional() }),
      z.object({ kind: z.literal('trace'), path: z.string().min(1) }),
    ])
    .default({ kind: 'random' }),
  inputLen: z.string().min(1).optional(),
  outputLen: z.string().min(1).optional(),
  ignoreEos: z.boolean().optional(),
  seed: z.number().int().nonnegative().default(0),
  stream: z.boolean().default(true),
  timeoutS: z.number().positive().default(DEFAULT_TIMEOUT_S),
});

/** What a benchmark is run with; unset fields take vLLM's `bench serve` defaults. */
export interface BenchOptions {
  readonly baseUrl?: string | undefined;
  readonly endpoint?: BenchEndpoint | undefined;
  /** Default: the first model of `GET /v1/models`. */
  readonly model?: string | undefined;
  /** Bearer key; the CLI falls back to `OPENAI_API_KEY`. */
  readonly apiKey?: string | undefined;
  /** Default 1000; for a trace, every request of the file. */
  readonly numPrompts?: number | undefined;
  /** Default `Infinity` (everything at t = 0). */
  readonly requestRatePerS?: number | undefined;
  readonly burstiness?: number | undefined;
  readonly maxConcurrency?: number | undefined;
  readonly dataset?: BenchDatasetSpec | undefined;
  /** Length specs as in `simulate` (default `sharegpt`). */
  readonly inputLen?: string | undefined;
  readonly outputLen?: string | undefined;
  /** Default: true for the random dataset and traces (as vLLM), false for ShareGPT. */
  readonly ignoreEos?: boolean | undefined;
  readonly seed?: number | undefined;
  readonly stream?: boolean | undefined;
  /** Per-request limit, seconds (default 6 h, vLLM's). */
  readonly timeoutS?: number | undefined;
}

/** Progress of a run. */
export interface BenchProgress {
  readonly done: number;
  readonly failed: number;
  readonly total: number;
}

/** Callbacks a caller (the CLI) uses to tell the user what is happening. */
export interface BenchHooks {
  /** The workload is planned and the first request is about to go out. */
  readonly onStart?: (run: Pick<BenchRun, 'settings' | 'datasetDescription' | 'notes'>) => void;
  /** A request ended (successfully or not). */
  readonly onProgress?: (progress: BenchProgress) => void;
}

/** Accepts `host:port`, a trailing slash, or the `/v1` base URL OpenAI clients are given. */
export function normalizeBaseUrl(text: string): string {
  const withScheme = /^https?:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InvalidConfigError(`invalid --base-url '${text}': not a URL`);
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${url.origin}${path}`;
}

function authorization(apiKey: string | undefined): Record<string, string> {
  return apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` };
}

/**
 * Checks that the server answers and picks the model: the given one, else the first of
 * `GET /v1/models` (as vLLM does).
 */
async function resolveModel(
  baseUrl: string,
  model: string | undefined,
  apiKey: string | undefined,
  dispatcher: Agent,
): Promise<string> {
  const url = `${baseUrl}/v1/models`;
  let statusCode: number;
  let text: string;
  try {
    const response = await request(url, {
      headers: authorization(apiKey),
      dispatcher,
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    statusCode = response.statusCode;
    text = await response.body.text();
  } catch (error) {
    throw new BenchServerError(
      baseUrl,
      `cannot reach the server (${describeFailure(error, PROBE_TIMEOUT_MS)}); check --base-url`,
      { cause: error },
    );
  }
  const messageOf = () => {
    try {
      const body = JSON.parse(text) as { error?: unknown };
      return errorMessageOf(body.error ?? body);
    } catch {
      return text.slice(0, 200);
    }
  };
  if (statusCode === 401 || statusCode === 403) {
    throw new BenchServerError(
      baseUrl,
      `the server refused the API key (HTTP ${statusCode}: ${messageOf()}); pass --api-key or set OPENAI_API_KEY`,
    );
  }
  // With --model given, a server without /v1/models is fine: it answered, so it is up.
  if (model !== undefined) return model;
  if (statusCode !== 200) {
    throw new BenchServerError(
      baseUrl,
      `GET /v1/models answered HTTP ${statusCode} (${messageOf()}); pass --model`,
    );
  }
  let first: unknown;
  try {
    first = (JSON.parse(text) as { data?: { id?: unknown }[] }).data?.[0]?.id;
  } catch {
    first = undefined;
  }
  if (typeof first !== 'string') {
    throw new BenchServerError(baseUrl, 'GET /v1/models lists no model; pass --model');
  }
  return first;
}

/** A counting semaphore: `acquire` resolves when one of `permits` is free. */
class Semaphore {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(permits: number) {
    this.free = permits;
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.free++;
  }
}

function requestBody(settings: BenchSettings, prepared: PreparedRequest): Record<string, unknown> {
  const common = {
    model: settings.model,
    stream: settings.stream,
    // vLLM's client asks for the usage chunk so output tokens need no re-tokenizing.
    ...(settings.stream ? { stream_options: { include_usage: true } } : {}),
    ...(settings.ignoreEos ? { ignore_eos: true } : {}),
  };
  return settings.endpoint === 'chat'
    ? {
        ...common,
        messages: [{ role: 'user', content: prepared.prompt }],
        max_completion_tokens: prepared.plannedOutputTokens,
      }
    : { ...common, prompt: prepared.prompt, max_tokens: prepared.plannedOutputTokens };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Plans the workload, sends it and returns what was observed.
 *
 * @throws InvalidConfigError for settings that do not fit together.
 * @throws BenchServerError when the server cannot be reached or refuses the key; failures of
 * single requests are recorded, never thrown.
 */
export async function runBenchmark(
  options: BenchOptions,
  hooks: BenchHooks = {},
): Promise<BenchRun> {
  const input = parseWithSchema(optionsSchema, options, 'flag');
  const baseUrl = normalizeBaseUrl(input.baseUrl);
  const dispatcher = new Agent({
    // One connection per request in flight: as many as the cap, else as many as asked for.
    connections: input.maxConcurrency ?? null,
    keepAliveTimeout: 60_000,
    // The per-request limit is the abort signal's; undici's own would cut long generations.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  try {
    const model = await resolveModel(baseUrl, input.model, input.apiKey, dispatcher);
    const tokenizer: ModelTokenizer = await loadModelTokenizer(model);
    const dataset = buildBenchDataset(
      {
        dataset: input.dataset,
        numPrompts: input.numPrompts,
        requestRatePerS: input.requestRatePerS,
        burstiness: input.burstiness,
        inputLen: input.inputLen,
        outputLen: input.outputLen,
        seed: input.seed,
      },
      tokenizer,
    );
    const settings: BenchSettings = {
      baseUrl,
      endpoint: input.endpoint,
      model,
      numPrompts: dataset.requests.length,
      requestRatePerS:
        input.dataset.kind === 'trace' ? null : (input.requestRatePerS ?? Number.POSITIVE_INFINITY),
      burstiness: input.burstiness ?? 1,
      maxConcurrency: input.maxConcurrency,
      dataset: input.dataset,
      inputLen: input.inputLen,
      outputLen: input.outputLen,
      ignoreEos: input.ignoreEos ?? dataset.ignoreEosByDefault,
      seed: input.seed,
      stream: input.stream,
      timeoutS: input.timeoutS,
    };
    hooks.onStart?.({
      settings,
      datasetDescription: dataset.description,
      notes: dataset.notes,
    });
    const url = `${baseUrl}/v1/${settings.endpoint === 'chat' ? 'chat/completions' : 'completions'}`;
    const headers = authorization(input.apiKey);
    const semaphore =
      settings.maxConcurrency === undefined ? undefined : new Semaphore(settings.maxConcurrency);
    const countOutputTokens = (text: string) => tokenizer.encode(text).length;
    const total = dataset.requests.length;
    let done = 0;
    let failed = 0;

    const startedAt = new Date().toISOString();
    const startMs = performance.now();
    const sendOne = async (prepared: PreparedRequest): Promise<BenchRequestRecord> => {
      await semaphore?.acquire();
      try {
        const outcome = await sendRequest({
          url,
          headers,
          body: requestBody(settings, prepared),
          stream: settings.stream,
          timeoutMs: settings.timeoutS * 1000,
          dispatcher,
          countOutputTokens,
        });
        done++;
        if (!outcome.success) failed++;
        hooks.onProgress?.({ done, failed, total });
        const { sentMs, ...observed } = outcome;
        return {
          index: prepared.index,
          arrivalS: prepared.arrivalS,
          sendS: (sentMs - startMs) / 1000,
          plannedInputTokens: prepared.plannedInputTokens,
          ...observed,
        };
      } finally {
        semaphore?.release();
      }
    };
    const pending: Promise<BenchRequestRecord>[] = [];
    for (const prepared of dataset.requests) {
      // Absolute deadlines from the start, so a late wake-up does not delay every later request.
      const waitMs = startMs + prepared.arrivalS * 1000 - performance.now();
      if (waitMs > 0) await sleep(waitMs);
      pending.push(sendOne(prepared));
    }
    const records = await Promise.all(pending);
    const durationS = (performance.now() - startMs) / 1000;
    return {
      settings,
      tokenizer: { name: tokenizer.tokenizer.name, exact: tokenizer.exact },
      datasetDescription: dataset.description,
      notes: dataset.notes,
      planned: dataset.requests.map(
        ({ index, arrivalS, plannedInputTokens, plannedOutputTokens }) => ({
          index,
          arrivalS,
          plannedInputTokens,
          plannedOutputTokens,
        }),
      ),
      records,
      startedAt,
      durationS,
    };
  } finally {
    await dispatcher.close();
  }
}
