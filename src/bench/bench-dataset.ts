/**
 * @module The requests a benchmark sends: prompts, their token counts, `max_tokens` and arrival
 * times, for each dataset kind. Synthetic lengths and trace replays go through the same
 * `resolveWorkload` as `simulate`, so a benchmark and a simulation with the same flags and seed
 * plan the very same requests; prompts are written to the planned token count with the model's
 * tokenizer. A ShareGPT file is sampled as vLLM samples it (`ShareGPTDataset` in
 * vllm/benchmarks/datasets.py): shuffled with the seed, first turn as prompt, second turn's token
 * count as output length unless `--output-len` is given, pairs outside vLLM's length filter
 * skipped, and the list oversampled by random picks when the file has too few.
 */

import { parseLengthSpec, resolveWorkload } from '../config/workload-options.js';
import { createLengthSampler } from '../core/workload/length-distribution.js';
import { createRandomStream, type RandomSource } from '../core/workload/random.js';
import { InvalidConfigError } from '../errors.js';
import type { ModelTokenizer } from '../tokenizer/index.js';
import { arrivalScheduleS } from './arrival-schedule.js';
import type { BenchDatasetSpec, BenchPlannedRequest } from './bench-types.js';
import { readShareGptFile, type ShareGptPair } from './sharegpt-file.js';
import { createPromptWriter } from './synthetic-prompt.js';

/** A planned request with the prompt text to send. */
export interface PreparedRequest extends BenchPlannedRequest {
  readonly prompt: string;
}

/** What to build; unset optional fields take the dataset's defaults. */
export interface BenchDatasetOptions {
  readonly dataset: BenchDatasetSpec;
  /** Requests to plan; for a trace, undefined = every request of the file. */
  readonly numPrompts: number | undefined;
  readonly requestRatePerS: number | undefined;
  readonly burstiness: number | undefined;
  readonly inputLen: string | undefined;
  readonly outputLen: string | undefined;
  readonly seed: number;
}

/** The planned requests with what the user should be told about them. */
export interface BenchDataset {
  readonly requests: readonly PreparedRequest[];
  readonly description: string;
  readonly notes: readonly string[];
  /**
   * Whether requests should ignore EOS unless told otherwise: vLLM sets it for its random
   * dataset and for trace replays so generation runs to the planned length.
   */
  readonly ignoreEosByDefault: boolean;
}

/**
 * vLLM's ShareGPT length filter (`is_valid_sequence` in vllm/benchmarks/datasets.py): prompt and
 * output at least 4 tokens, prompt at most 1024, prompt + output at most 2048.
 */
const SHAREGPT_FILTER = { minTokens: 4, maxPromptTokens: 1024, maxTotalTokens: 2048 } as const;

/** Fisher–Yates over a seeded stream (vLLM uses Python's `random.shuffle`; orders differ). */
function shuffle<T>(items: T[], random: RandomSource): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
  return items;
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

function synthetic(
  options: BenchDatasetOptions,
  tokenizer: ModelTokenizer,
  lengths: { inputLen: string | undefined; outputLen: string | undefined; trace?: string },
): { requests: PreparedRequest[]; description: string } {
  const workload = resolveWorkload(
    defined({
      numRequests: options.numPrompts,
      requestRate: options.requestRatePerS,
      burstiness: options.burstiness,
      inputLen: lengths.inputLen,
      outputLen: lengths.outputLen,
      trace: lengths.trace,
      seed: options.seed,
    }),
  );
  const writePrompt = createPromptWriter(tokenizer.tokenizer, options.seed);
  const requests: PreparedRequest[] = [];
  for (const request of workload.requests) {
    requests.push({
      index: requests.length,
      arrivalS: request.arrivalS,
      plannedInputTokens: request.inputTokens,
      plannedOutputTokens: request.outputTokens,
      prompt: writePrompt(request.inputTokens),
    });
  }
  return { requests, description: workload.description };
}

function fromShareGptFile(
  options: BenchDatasetOptions,
  tokenizer: ModelTokenizer,
  path: string,
): BenchDataset {
  if (options.inputLen !== undefined) {
    throw new InvalidConfigError('--input-len cannot be combined with a ShareGPT --dataset-path');
  }
  const numPrompts = options.numPrompts ?? 1000;
  const random = createRandomStream(options.seed, 'bench-sharegpt');
  const pairs = shuffle<ShareGptPair>(readShareGptFile(path), random);
  const sampleOutput =
    options.outputLen === undefined
      ? undefined
      : createLengthSampler(
          parseLengthSpec(options.outputLen, 'output'),
          createRandomStream(options.seed, 'output'),
        );
  const samples: { prompt: string; inputTokens: number; outputTokens: number }[] = [];
  for (const pair of pairs) {
    if (samples.length >= numPrompts) break;
    // vLLM counts both turns with `tokenizer(text).input_ids`, special tokens (BOS) included.
    const inputTokens = tokenizer.countCompletionPrompt(pair.prompt);
    const outputTokens = sampleOutput?.() ?? tokenizer.countCompletionPrompt(pair.completion);
    if (
      inputTokens < SHAREGPT_FILTER.minTokens ||
      (sampleOutput === undefined && outputTokens < SHAREGPT_FILTER.minTokens) ||
      inputTokens > SHAREGPT_FILTER.maxPromptTokens ||
      inputTokens + outputTokens > SHAREGPT_FILTER.maxTotalTokens
    ) {
      continue;
    }
    samples.push({ prompt: pair.prompt, inputTokens, outputTokens });
  }
  if (samples.length === 0) {
    throw new InvalidConfigError(`${path}: no conversation passes vLLM's ShareGPT length filter`);
  }
  const notes: string[] = [];
  const drawn = samples.length;
  // vLLM's `maybe_oversample_requests`: random picks of the samples already taken.
  while (samples.length < numPrompts) {
    samples.push(samples[Math.floor(random() * drawn)] as (typeof samples)[number]);
  }
  if (drawn < numPrompts) {
    notes.push(`${path}: ${drawn} usable conversations, oversampled to ${numPrompts}`);
  }
  if (!tokenizer.exact) {
    notes.push(
      `no bundled tokenizer for this model: prompt lengths are ${tokenizer.tokenizer.name} estimates`,
    );
  }
  const arrivals = arrivalScheduleS({
    numRequests: numPrompts,
    requestRatePerS: options.requestRatePerS ?? Number.POSITIVE_INFINITY,
    burstiness: options.burstiness ?? 1,
    seed: options.seed,
  });
  return {
    requests: samples.map((sample, index) => ({
      index,
      arrivalS: arrivals[index] as number,
      plannedInputTokens: sample.inputTokens,
      plannedOutputTokens: sample.outputTokens,
      prompt: sample.prompt,
    })),
    description: `ShareGPT file ${path}: ${numPrompts} requests, seed ${options.seed}`,
    notes,
    ignoreEosByDefault: false,
  };
}

/**
 * Builds the requests of a benchmark.
 *
 * @throws InvalidConfigError (or another `LlmServingSimError`) for settings that do not fit the
 * dataset, unreadable files and malformed traces.
 */
export function buildBenchDataset(
  options: BenchDatasetOptions,
  tokenizer: ModelTokenizer,
): BenchDataset {
  if (
    options.requestRatePerS !== undefined &&
    !Number.isFinite(options.requestRatePerS) &&
    options.burstiness !== undefined &&
    options.burstiness !== 1
  ) {
    throw new InvalidConfigError('--burstiness needs a finite --request-rate');
  }
  const { dataset } = options;
  switch (dataset.kind) {
    case 'random': {
      const built = synthetic(options, tokenizer, {
        inputLen: options.inputLen,
        outputLen: options.outputLen,
      });
      return { ...built, notes: [], ignoreEosByDefault: true };
    }
    case 'sharegpt': {
      if (dataset.path !== undefined) return fromShareGptFile(options, tokenizer, dataset.path);
      if (options.inputLen !== undefined) {
        throw new InvalidConfigError(
          '--input-len cannot be combined with --dataset sharegpt (use --dataset random)',
        );
      }
      const built = synthetic(options, tokenizer, {
        inputLen: 'sharegpt',
        outputLen: options.outputLen ?? 'sharegpt',
      });
      return {
        ...built,
        notes: [
          'sharegpt without --dataset-path: synthetic prompts with the shipped ShareGPT length ' +
            'distribution (pass --dataset-path FILE to send the conversations themselves)',
        ],
        ignoreEosByDefault: false,
      };
    }
    case 'trace': {
      const built = synthetic(options, tokenizer, {
        inputLen: options.inputLen,
        outputLen: options.outputLen,
        trace: dataset.path,
      });
      return { ...built, notes: [], ignoreEosByDefault: true };
    }
  }
}
