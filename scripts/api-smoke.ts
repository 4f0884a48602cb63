/**
 * @module Smoke test of a running server, the successor of the original tool's
 * `test_openai_api.py`: every endpoint once through the `openai` client (plain fetch for the
 * non-OpenAI routes), the error cases clients branch on, and the guide's concurrency test. One
 * `PASS`/`FAIL` line per check and a summary; exit status 0 only when every check passed.
 *
 * Usage: `npm run test:api -- [BASE_URL] [--api-key KEY] [--model NAME] [--timeout-ms MS]`.
 */

import { parseArgs } from 'node:util';
import OpenAI, { APIError, AuthenticationError, BadRequestError, NotFoundError } from 'openai';

const DEFAULT_BASE_URL = 'http://localhost:8000';
const DEFAULT_TIMEOUT_MS = 30_000;
/** The model the original guide uses, when /v1/models cannot tell us one. */
const FALLBACK_MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
/** The original guide's concurrency test: 100 chat requests, 10 at a time, max_tokens 100. */
const CONCURRENT_REQUESTS = 100;
const CONCURRENT_WORKERS = 10;
const CONCURRENT_MAX_TOKENS = 100;
/**
 * vLLM's extensions the server implements, for checks that need an exact or repeatable output:
 * the SDK types do not list them, and the client sends unknown fields through unchanged.
 */
const IGNORE_EOS = { ignore_eos: true } as const;

const USAGE = `Usage: npm run test:api -- [BASE_URL] [options]

Checks every endpoint of a running LLMServingSim server (default ${DEFAULT_BASE_URL}).

Options:
  --api-key KEY     bearer key (default: $OPENAI_API_KEY, else 'dummy')
  --model NAME      model to use (default: the first one /v1/models lists)
  --timeout-ms MS   limit for each request (default ${DEFAULT_TIMEOUT_MS})
  -h, --help        show this help
`;

interface SmokeOptions {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly model: string | undefined;
  readonly timeoutMs: number;
}

/** What each check needs, filled in as earlier checks learn it. */
interface SmokeContext {
  readonly options: SmokeOptions;
  readonly client: OpenAI;
  model: string;
  /** Id of a finished chat completion, for the debug timeline check. */
  chatId: string | undefined;
  chatCompletionTokens: number | undefined;
}

/** A check resolves to a short detail for its PASS line and throws the reason it failed. */
interface Check {
  readonly name: string;
  readonly run: (context: SmokeContext) => Promise<string>;
  /**
   * When this check fails the rest cannot say anything new (wrong key, model not served): stop
   * there rather than print the same failure a dozen times.
   */
  readonly stopsRunOnFailure?: boolean;
}

class UsageError extends Error {}

function parseOptions(argv: readonly string[]): SmokeOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      'api-key': { type: 'string' },
      model: { type: 'string' },
      'timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return 'help';
  if (positionals.length > 1) {
    throw new UsageError(`expected at most one base URL, got: ${positionals.join(' ')}`);
  }
  const timeoutMs = Number(values['timeout-ms'] ?? DEFAULT_TIMEOUT_MS);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new UsageError(`--timeout-ms must be a positive integer, got ${values['timeout-ms']}`);
  }
  return {
    baseUrl: normalizeBaseUrl(positionals[0] ?? DEFAULT_BASE_URL),
    apiKey: values['api-key'] ?? (process.env.OPENAI_API_KEY || 'dummy'),
    model: values.model,
    timeoutMs,
  };
}

/** Accepts `host:port`, a trailing slash, or the `/v1` base URL clients are configured with. */
function normalizeBaseUrl(text: string): string {
  const withScheme = /^https?:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`not a URL: ${text}`);
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${url.origin}${path}`;
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** GETs a non-OpenAI route and returns its JSON body, failing on any status but 200. */
async function getJson(context: SmokeContext, path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${context.options.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${context.options.apiKey}` },
    signal: AbortSignal.timeout(context.options.timeoutMs),
  });
  const text = await response.text();
  assert(response.status === 200, `GET ${path} answered ${response.status}: ${text.slice(0, 200)}`);
  const body: unknown = JSON.parse(text);
  assert(isRecord(body), `GET ${path} did not answer a JSON object`);
  return body;
}

/** The error a request fails with; throws when it succeeds instead. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('the request succeeded; an error was expected');
}

/** An error class of the client, e.g. `NotFoundError`. */
type ApiErrorClass = abstract new (...args: never[]) => APIError;

/** Fails unless `error` is the client's `kind` error with the given status, `param` and `code`. */
function expectApiError(
  error: unknown,
  expected: { kind: ApiErrorClass; status: number; param?: string; code?: string },
): APIError {
  assert(
    error instanceof expected.kind,
    `expected ${expected.kind.name} (${expected.status}), got ${describeError(error)}`,
  );
  const apiError = error as APIError;
  assert(apiError.status === expected.status, `expected status ${expected.status}`);
  if (expected.param !== undefined) {
    assert(
      apiError.param === expected.param,
      `expected param '${expected.param}', got '${apiError.param}'`,
    );
  }
  if (expected.code !== undefined) {
    assert(
      apiError.code === expected.code,
      `expected code '${expected.code}', got '${apiError.code}'`,
    );
  }
  return apiError;
}

function describeError(error: unknown): string {
  if (error instanceof APIError && error.status !== undefined) {
    return `${error.constructor.name}: ${error.message}`;
  }
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

/** The `data:` payloads of a server-sent-event body, in order. */
function sseData(body: string): string[] {
  return body
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice('data:'.length).trim());
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] as number;
}

const checks: readonly Check[] = [
  {
    name: 'health',
    async run(context) {
      const body = await getJson(context, '/health');
      assert(body.status === 'ok', `status is ${JSON.stringify(body.status)}, expected "ok"`);
      return 'status ok';
    },
  },
  {
    name: 'status',
    async run(context) {
      const body = await getJson(context, '/status');
      for (const field of [
        'pending_requests',
        'running_requests',
        'inflight_batches',
        'completed_requests',
        'simulated_time_s',
      ]) {
        assert(typeof body[field] === 'number', `${field} is missing or not a number`);
      }
      const memory = body.memory_usage;
      assert(isRecord(memory), 'memory_usage is missing');
      const { total, used, available } = memory;
      assert(
        typeof total === 'number' && typeof used === 'number' && typeof available === 'number',
        'memory_usage needs numeric total, used and available',
      );
      assert(
        total > 0 && used >= 0 && used <= total,
        `memory_usage is inconsistent: used ${used} of total ${total}`,
      );
      assert(isRecord(body.kv_cache), 'kv_cache is missing');
      const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);
      return (
        `${body.completed_requests} completed, ${body.pending_requests} pending, ` +
        `memory ${gib(used)}/${gib(total)} GiB, simulated ${Number(body.simulated_time_s).toFixed(1)} s`
      );
    },
  },
  {
    name: 'models.list',
    stopsRunOnFailure: true,
    async run(context) {
      const page = await context.client.models.list();
      const ids = page.data.map((model) => model.id);
      assert(ids.length > 0, 'no models listed');
      assert(
        page.data.every((model) => model.object === 'model'),
        'an entry is not object "model"',
      );
      if (context.options.model === undefined) context.model = ids[0] as string;
      else {
        assert(
          ids.includes(context.options.model),
          `--model ${context.options.model} is not served (served: ${ids.join(', ')})`,
        );
      }
      return `${ids.join(', ')}; using ${context.model}`;
    },
  },
  {
    name: 'models.retrieve',
    async run(context) {
      const model = await context.client.models.retrieve(context.model);
      assert(model.id === context.model, `retrieved id ${model.id}, expected ${context.model}`);
      return `${model.id} owned by ${model.owned_by}`;
    },
  },
  {
    name: 'chat.create',
    async run(context) {
      // The original guide's client example: a system and a user message.
      const { data, response } = await context.client.chat.completions
        .create({
          model: context.model,
          messages: [
            { role: 'system', content: 'You are a helpful assistant.' },
            { role: 'user', content: 'Hello! How are you?' },
          ],
          max_tokens: 64,
        })
        .withResponse();
      const choice = data.choices[0];
      assert(data.object === 'chat.completion', `object is ${data.object}`);
      assert(choice?.message.role === 'assistant', 'first choice is not an assistant message');
      assert((choice.message.content ?? '').length > 0, 'content is empty');
      const usage = data.usage;
      assert(usage !== undefined, 'usage is missing');
      assert(usage.prompt_tokens > 0, 'prompt_tokens is 0');
      assert(
        usage.completion_tokens > 0 && usage.completion_tokens <= 64,
        `completion_tokens ${usage.completion_tokens} is not within 1..64`,
      );
      assert(
        usage.total_tokens === usage.prompt_tokens + usage.completion_tokens,
        'total_tokens is not prompt + completion',
      );
      const ttftMs = Number(response.headers.get('x-llmservingsim-ttft-ms'));
      assert(ttftMs > 0, 'x-llmservingsim-ttft-ms header is missing');
      context.chatId = data.id;
      context.chatCompletionTokens = usage.completion_tokens;
      return (
        `${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion tokens, ` +
        `finish_reason ${choice.finish_reason}, simulated ttft ${ttftMs.toFixed(1)} ms`
      );
    },
  },
  {
    name: 'debug.timeline',
    async run(context) {
      assert(context.chatId !== undefined, 'needs the id from chat.create, which failed');
      const body = await getJson(context, `/debug/requests/${encodeURIComponent(context.chatId)}`);
      assert(body.id === context.chatId, `timeline id is ${String(body.id)}`);
      assert(typeof body.ttft_ms === 'number' && body.ttft_ms > 0, 'ttft_ms is missing');
      const choices = body.choices;
      assert(Array.isArray(choices) && isRecord(choices[0]), 'choices are missing');
      const tokenTimes = choices[0].token_times_s;
      assert(
        Array.isArray(tokenTimes) && tokenTimes.length === context.chatCompletionTokens,
        `token_times_s does not hold ${context.chatCompletionTokens} times`,
      );
      return `ttft ${body.ttft_ms.toFixed(1)} ms, e2e ${Number(body.e2e_ms).toFixed(1)} ms`;
    },
  },
  {
    name: 'chat.stream',
    async run(context) {
      // Read as raw SSE: the client hides the `[DONE]` line this check is about.
      const response = await context.client.chat.completions
        .create({
          model: context.model,
          messages: [{ role: 'user', content: 'Count from one to ten.' }],
          max_tokens: 32,
          stream: true,
          stream_options: { include_usage: true },
        })
        .asResponse();
      const contentType = response.headers.get('content-type') ?? '';
      assert(contentType.startsWith('text/event-stream'), `content-type is ${contentType}`);
      const data = sseData(await response.text());
      assert(data.at(-1) === '[DONE]', 'the stream does not end with data: [DONE]');
      const chunks = data
        .slice(0, -1)
        .map((line) => JSON.parse(line) as OpenAI.ChatCompletionChunk);
      const withChoices = chunks.filter((chunk) => chunk.choices.length > 0);
      assert(withChoices[0]?.choices[0]?.delta.role === 'assistant', 'first chunk has no role');
      const contentChunks = withChoices.filter((chunk) => chunk.choices[0]?.delta.content);
      const finishReason = withChoices.at(-1)?.choices[0]?.finish_reason;
      assert(
        finishReason === 'stop' || finishReason === 'length',
        'last chunk has no finish_reason',
      );
      const usage = chunks.at(-1)?.usage;
      assert(usage !== undefined && usage !== null, 'no usage chunk despite include_usage');
      assert(
        contentChunks.length === usage.completion_tokens,
        `${contentChunks.length} content chunks for ${usage.completion_tokens} completion tokens`,
      );
      return `${chunks.length} chunks, ${usage.completion_tokens} tokens, finish_reason ${finishReason}, [DONE]`;
    },
  },
  {
    name: 'completions.create',
    async run(context) {
      // The original guide's curl example.
      const completion = await context.client.completions.create({
        model: context.model,
        prompt: 'The future of AI is',
        max_tokens: 100,
      });
      assert(completion.object === 'text_completion', `object is ${completion.object}`);
      const text = completion.choices[0]?.text ?? '';
      assert(text.length > 0, 'text is empty');
      const usage = completion.usage;
      assert(usage !== undefined && usage.prompt_tokens > 0, 'usage is missing');
      assert(usage.completion_tokens <= 100, `completion_tokens ${usage.completion_tokens} > 100`);
      return `${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion tokens`;
    },
  },
  {
    name: 'completions.stream',
    async run(context) {
      const stream = await context.client.completions.create({
        model: context.model,
        prompt: 'The future of AI is',
        max_tokens: 16,
        stream: true,
        stream_options: { include_usage: true },
      });
      let pieces = 0;
      let text = '';
      let completionTokens: number | undefined;
      for await (const chunk of stream) {
        if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
        for (const choice of chunk.choices) {
          pieces += 1;
          text += choice.text;
        }
      }
      assert(text.length > 0, 'no text streamed');
      assert(
        pieces === completionTokens,
        `${pieces} chunks for ${completionTokens} completion tokens`,
      );
      return `${pieces} chunks, ${text.length} characters`;
    },
  },
  {
    name: 'chat.n=2',
    async run(context) {
      const completion = await context.client.chat.completions.create({
        model: context.model,
        messages: [{ role: 'user', content: 'Give me two answers.' }],
        max_tokens: 8,
        n: 2,
        ...IGNORE_EOS,
      });
      const indexes = completion.choices.map((choice) => choice.index);
      assert(indexes.join(',') === '0,1', `choice indexes are [${indexes.join(', ')}]`);
      assert(
        completion.usage?.completion_tokens === 16,
        `completion_tokens ${completion.usage?.completion_tokens}, expected 2 x 8`,
      );
      return '2 choices, 16 completion tokens';
    },
  },
  {
    name: 'chat.stop',
    async run(context) {
      // Same seed, so the second reply is the first one cut at the stop string.
      const ask = (stop?: string) =>
        context.client.chat.completions.create({
          model: context.model,
          messages: [{ role: 'user', content: 'Write a sentence.' }],
          max_tokens: 24,
          seed: 42,
          ...IGNORE_EOS,
          ...(stop === undefined ? {} : { stop: [stop] }),
        });
      const full = (await ask()).choices[0]?.message.content ?? '';
      const word = full.split(' ')[4];
      assert(word !== undefined && word !== '', `reply too short to pick a stop word: ${full}`);
      const stop = ` ${word}`;
      const cut = await ask(stop);
      const content = cut.choices[0]?.message.content;
      const expected = full.slice(0, full.indexOf(stop));
      assert(
        content === expected,
        `expected ${JSON.stringify(expected)}, got ${JSON.stringify(content)}`,
      );
      assert(cut.choices[0]?.finish_reason === 'stop', 'finish_reason is not stop');
      return `stop ${JSON.stringify(stop)} cut the reply to ${content.length} characters`;
    },
  },
  {
    name: 'error.unknown-model',
    async run(context) {
      const error = await rejection(
        context.client.chat.completions.create({
          model: 'no-such-model',
          messages: [{ role: 'user', content: 'Hi' }],
          max_tokens: 4,
        }),
      );
      expectApiError(error, {
        kind: NotFoundError,
        status: 404,
        param: 'model',
        code: 'model_not_found',
      });
      return '404 NotFoundError, code model_not_found';
    },
  },
  {
    name: 'error.invalid-body',
    async run(context) {
      const error = await rejection(
        context.client.chat.completions.create({ model: context.model, messages: [] }),
      );
      expectApiError(error, { kind: BadRequestError, status: 400, param: 'messages' });
      return '400 BadRequestError, param messages';
    },
  },
  {
    name: 'error.stream-options-without-stream',
    async run(context) {
      const error = await rejection(
        context.client.chat.completions.create({
          model: context.model,
          messages: [{ role: 'user', content: 'Hi' }],
          max_tokens: 4,
          stream_options: { include_usage: true },
        }),
      );
      expectApiError(error, {
        kind: BadRequestError,
        status: 400,
        param: 'stream_options',
      });
      return '400 BadRequestError, param stream_options';
    },
  },
  {
    name: 'concurrency',
    async run(context) {
      const latenciesMs: number[] = [];
      const failures = new Map<string, number>();
      let next = 0;
      const startedMs = performance.now();
      const worker = async () => {
        while (next < CONCURRENT_REQUESTS) {
          const requestIndex = next++;
          const requestStartMs = performance.now();
          try {
            await context.client.chat.completions.create({
              model: context.model,
              messages: [{ role: 'user', content: `Concurrent request ${requestIndex}` }],
              max_tokens: CONCURRENT_MAX_TOKENS,
            });
            latenciesMs.push(performance.now() - requestStartMs);
          } catch (error) {
            const reason = describeError(error);
            failures.set(reason, (failures.get(reason) ?? 0) + 1);
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENT_WORKERS }, worker));
      const elapsedS = (performance.now() - startedMs) / 1000;
      const succeeded = latenciesMs.length;
      const rate = ((100 * succeeded) / CONCURRENT_REQUESTS).toFixed(1);
      latenciesMs.sort((a, b) => a - b);
      const latency =
        succeeded === 0
          ? ''
          : `, latency p50 ${percentile(latenciesMs, 0.5).toFixed(0)} ms, ` +
            `p99 ${percentile(latenciesMs, 0.99).toFixed(0)} ms`;
      const summary =
        `${succeeded}/${CONCURRENT_REQUESTS} succeeded, ${rate}%, with ${CONCURRENT_WORKERS} ` +
        `workers in ${elapsedS.toFixed(1)} s, ${(succeeded / elapsedS).toFixed(1)} req/s${latency}`;
      const [firstReason, count] = [...failures.entries()][0] ?? [];
      assert(firstReason === undefined, `${summary}; ${count} x ${firstReason}`);
      return summary;
    },
  },
];

/** Whether anything answers HTTP at the base URL; the reason when nothing does. */
async function unreachableReason(options: SmokeOptions): Promise<string | undefined> {
  try {
    await fetch(`${options.baseUrl}/health`, { signal: AbortSignal.timeout(5_000) });
    return undefined;
  } catch (error) {
    return describeError(error);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed: SmokeOptions | 'help';
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    process.stderr.write(`api-smoke: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const options = parsed;
  const unreachable = await unreachableReason(options);
  if (unreachable !== undefined) {
    process.stdout.write(
      `Cannot reach an LLMServingSim server at ${options.baseUrl} (${unreachable}). Start one ` +
        'with ./run_openai_server.sh (or npm start) and run this again.\n',
    );
    return 1;
  }

  process.stdout.write(`Testing ${options.baseUrl}\n`);
  const context: SmokeContext = {
    options,
    // No retries: a 429 or a 5xx is a finding here, not something to paper over.
    client: new OpenAI({
      baseURL: `${options.baseUrl}/v1`,
      apiKey: options.apiKey,
      maxRetries: 0,
      timeout: options.timeoutMs,
    }),
    model: options.model ?? FALLBACK_MODEL,
    chatId: undefined,
    chatCompletionTokens: undefined,
  };
  const startedMs = performance.now();
  let passed = 0;
  let failed = 0;
  for (const check of checks) {
    try {
      const detail = await check.run(context);
      passed += 1;
      process.stdout.write(`PASS  ${check.name}  (${detail})\n`);
    } catch (error) {
      failed += 1;
      let reason = describeError(error);
      if (error instanceof AuthenticationError) {
        reason += '; the server requires an API key: pass --api-key KEY or set OPENAI_API_KEY';
      }
      process.stdout.write(`FAIL  ${check.name}  (${reason})\n`);
      if (check.stopsRunOnFailure === true) break;
    }
  }
  const elapsedS = ((performance.now() - startedMs) / 1000).toFixed(1);
  const notRun = checks.length - passed - failed;
  const where = `in ${elapsedS} s against ${options.baseUrl}`;
  process.stdout.write(
    failed === 0
      ? `All ${checks.length} checks passed ${where}\n`
      : `${failed} of ${checks.length} checks FAILED (${passed} passed` +
          `${notRun > 0 ? `, ${notRun} not run` : ''}) ${where}\n`,
  );
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
