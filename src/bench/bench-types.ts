/**
 * @module The data a benchmark run produces: the settings it ran with, the planned workload
 * (arrival schedule and lengths) and one record per request as the client observed it. Metrics
 * (`bench-metrics.ts`), the vLLM-style table and result file (`vllm-result.ts`) and an offline
 * re-run of the same workload are all computed from a `BenchRun`, never from live state.
 */

/** Which OpenAI route the benchmark drives. */
export type BenchEndpoint = 'chat' | 'completions';

/** Where prompts and lengths come from. */
export type BenchDatasetSpec =
  | { readonly kind: 'random' }
  /** Without `path`: the shipped ShareGPT length distribution with synthetic prompts. */
  | { readonly kind: 'sharegpt'; readonly path?: string | undefined }
  | { readonly kind: 'trace'; readonly path: string };

/** Settings of a run after defaults were applied. */
export interface BenchSettings {
  /** Origin plus optional path prefix, without a trailing `/v1`, e.g. `http://127.0.0.1:8000`. */
  readonly baseUrl: string;
  readonly endpoint: BenchEndpoint;
  /** The model named in every request (given, or the first of `GET /v1/models`). */
  readonly model: string;
  /** Requests to send. */
  readonly numPrompts: number;
  /**
   * Mean arrival rate in requests per second; `Infinity` sends everything at t = 0; null when a
   * trace gives the arrival times.
   */
  readonly requestRatePerS: number | null;
  /** Gamma shape of the inter-arrival times (1 = Poisson). */
  readonly burstiness: number;
  /** Most requests in flight at once (a client-side semaphore), if any. */
  readonly maxConcurrency: number | undefined;
  readonly dataset: BenchDatasetSpec;
  /** Length specs as `simulate` takes them; undefined where the dataset gives lengths. */
  readonly inputLen: string | undefined;
  readonly outputLen: string | undefined;
  /** Whether requests carry `ignore_eos: true`. */
  readonly ignoreEos: boolean;
  readonly seed: number;
  readonly stream: boolean;
  /** Per-request limit in seconds, from sending to the last byte. */
  readonly timeoutS: number;
}

/** One request of the planned workload. */
export interface BenchPlannedRequest {
  readonly index: number;
  /** When the request is due, seconds from the benchmark's start. */
  readonly arrivalS: number;
  /** Tokens of the prompt text by the client's tokenizer (the dataset's `prompt_len`). */
  readonly plannedInputTokens: number;
  /** `max_tokens` / `max_completion_tokens` sent with the request. */
  readonly plannedOutputTokens: number;
}

/** Where a record's output token count came from. */
export type OutputTokenSource = 'usage' | 'tokenizer' | 'none';

/** What the client observed of one request. Times in seconds. */
export interface BenchRequestRecord {
  readonly index: number;
  /** The response id (`x-request-id` header or the body's `id`), when the server sent one. */
  readonly responseId: string | null;
  /** Planned arrival, seconds from the benchmark's start. */
  readonly arrivalS: number;
  /** When the request was actually sent (after the concurrency semaphore), from the start. */
  readonly sendS: number;
  readonly plannedInputTokens: number;
  /** `usage.prompt_tokens` as the server reported it, or null when it did not. */
  readonly serverPromptTokens: number | null;
  /** Generated tokens: `usage.completion_tokens`, else the generated text re-tokenized. */
  readonly outputTokens: number;
  readonly outputTokensSource: OutputTokenSource;
  /** Time to the first chunk with choices; equals `e2elS` without streaming. 0 on failure. */
  readonly ttftS: number;
  /** Gaps between consecutive chunks with choices after the first. */
  readonly itlS: readonly number[];
  /** From sending to the last chunk with choices (streaming) or the whole body. 0 on failure. */
  readonly e2elS: number;
  readonly success: boolean;
  /** Why the request failed; empty on success. */
  readonly error: string;
}

/** The tokenizer the client counted with. */
export interface BenchTokenizerInfo {
  /** e.g. 'llama3', 'cl100k_base' */
  readonly name: string;
  /** false when the model's own tokenizer is not bundled and counts are estimates */
  readonly exact: boolean;
}

/** A finished benchmark run: everything metrics, reports and offline re-runs need. */
export interface BenchRun {
  readonly settings: BenchSettings;
  readonly tokenizer: BenchTokenizerInfo;
  /** One line saying what the workload is. */
  readonly datasetDescription: string;
  /** Remarks the user should see (e.g. synthetic prompts standing in for ShareGPT text). */
  readonly notes: readonly string[];
  /** The planned workload, by index. */
  readonly planned: readonly BenchPlannedRequest[];
  /** One record per planned request, by index. */
  readonly records: readonly BenchRequestRecord[];
  /** Wall-clock start, ISO 8601. */
  readonly startedAt: string;
  /** From the first dispatch to the last response, seconds. */
  readonly durationS: number;
}
