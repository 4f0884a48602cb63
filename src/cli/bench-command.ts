/**
 * @module `llmservingsim bench`: a load generator for any OpenAI-compatible server with vLLM
 * `bench serve` metric definitions. Thin: flags → `runBenchmark` → `benchMetrics` → the vLLM
 * table (or JSON) on stdout, progress on stderr, and the vLLM-compatible result file.
 */

import { writeFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { BenchAllRequestsFailedError } from '../bench/bench-errors.js';
import {
  type BenchMetrics,
  benchMetrics,
  DEFAULT_PERCENTILES,
  type GoodputSlos,
  parseGoodput,
  parsePercentiles,
} from '../bench/bench-metrics.js';
import type { BenchDatasetSpec, BenchEndpoint, BenchRun } from '../bench/bench-types.js';
import { type BenchProgress, DEFAULT_TIMEOUT_S, runBenchmark } from '../bench/run-benchmark.js';
import { formatBenchTable, vllmResultJson } from '../bench/vllm-result.js';
import { FileAccessError, InvalidConfigError } from '../errors.js';
import type { CliIo } from './cli-io.js';
import { parseIntegerFlag, parseNumberFlag, parseRateFlag } from './number-flags.js';

/** Flags of `bench` as commander hands them over. */
export interface BenchFlags {
  readonly baseUrl?: string;
  readonly endpoint?: string;
  readonly model?: string;
  readonly apiKey?: string;
  readonly numPrompts?: number;
  readonly requestRate?: number;
  readonly burstiness?: number;
  readonly maxConcurrency?: number;
  readonly dataset?: string;
  readonly datasetPath?: string;
  readonly inputLen?: string;
  readonly outputLen?: string;
  readonly ignoreEos?: boolean;
  readonly seed?: number;
  readonly stream?: boolean;
  readonly goodput?: string[];
  readonly percentiles?: string;
  readonly json?: boolean;
  readonly saveResult?: string;
  readonly timeout?: number;
}

/** What a bench command produced, for callers that add outputs (comparison, HTML page). */
export interface BenchCommandResult {
  readonly run: BenchRun;
  readonly metrics: BenchMetrics;
  /** The metric options used, to recompute metrics for another run the same way. */
  readonly percentiles: readonly number[];
  readonly goodput: GoodputSlos | undefined;
}

/** Failed requests whose errors are printed (vLLM prints up to 10). */
const ERRORS_SHOWN = 10;

/** Adds the `bench` flags. */
export function addBenchFlags(command: Command): Command {
  return command
    .option('--base-url <url>', 'server to benchmark (default http://127.0.0.1:8000)')
    .option('--endpoint <route>', 'chat (/v1/chat/completions) | completions (default)')
    .option('--model <name>', 'model to request (default: the first of GET /v1/models)')
    .option('--api-key <key>', 'bearer key (default: $OPENAI_API_KEY)')
    .option('--num-prompts <n>', 'requests to send (default 1000; a trace: all)', parseIntegerFlag)
    .option(
      '--request-rate <r>',
      'Poisson arrival rate in req/s, or inf (default inf)',
      parseRateFlag,
    )
    .option(
      '--burstiness <k>',
      'gamma shape of inter-arrival times; 1 = Poisson (default 1)',
      parseNumberFlag,
    )
    .option('--max-concurrency <n>', 'most requests in flight (client-side)', parseIntegerFlag)
    .option('--dataset <kind>', 'random (default) | sharegpt | trace:FILE')
    .option('--dataset-path <file>', 'ShareGPT JSON file for --dataset sharegpt')
    .option(
      '--input-len <spec>',
      'N | uniform:MIN:MAX | lognormal:MEAN[:SIGMA] | sharegpt (default)',
    )
    .option(
      '--output-len <spec>',
      'N | uniform:MIN:MAX | lognormal:MEAN[:SIGMA] | sharegpt (default)',
    )
    .option('--ignore-eos', 'send ignore_eos (default for random and trace datasets)')
    .option('--no-ignore-eos', 'do not send ignore_eos (e.g. for OpenAI)')
    .option('--seed <n>', 'random seed of prompts and arrivals (default 0)', parseIntegerFlag)
    .option('--stream', 'stream responses (default)')
    .option('--no-stream', 'ask for whole responses (TTFT = E2EL, no ITL)')
    .option('--goodput <slo...>', 'SLOs in ms for goodput: ttft:MS tpot:MS e2el:MS')
    .option('--percentiles <list>', 'percentiles to report (default 99)')
    .option('--json', 'print the result as JSON (vLLM keys) instead of the table')
    .option('--save-result <file>', "write vLLM's result JSON, per-request lists included")
    .option(
      '--timeout <s>',
      `limit per request in seconds (default ${DEFAULT_TIMEOUT_S})`,
      parseNumberFlag,
    );
}

function datasetOf(flags: BenchFlags): BenchDatasetSpec {
  const text = flags.dataset ?? 'random';
  if (text.startsWith('trace:')) {
    const path = text.slice('trace:'.length);
    if (path === '') throw new InvalidConfigError('--dataset trace:FILE needs a file name');
    if (flags.datasetPath !== undefined) {
      throw new InvalidConfigError('--dataset-path goes with --dataset sharegpt, not a trace');
    }
    return { kind: 'trace', path };
  }
  if (text === 'sharegpt') return { kind: 'sharegpt', path: flags.datasetPath };
  if (text === 'random') {
    if (flags.datasetPath !== undefined) {
      throw new InvalidConfigError('--dataset-path goes with --dataset sharegpt');
    }
    return { kind: 'random' };
  }
  throw new InvalidConfigError(
    `invalid --dataset '${text}': expected random, sharegpt or trace:FILE`,
  );
}

function endpointOf(text: string | undefined): BenchEndpoint {
  if (text === undefined || text === 'completions') return 'completions';
  if (text === 'chat') return 'chat';
  throw new InvalidConfigError(`invalid --endpoint '${text}': expected chat or completions`);
}

/** Progress on stderr: a bar on a terminal, else a line at every tenth of the run. */
function progressReporter(io: CliIo): {
  start(total: number): void;
  update(progress: BenchProgress): void;
  stop(): void;
} {
  if (io.stderrIsTty) {
    const bar = new SingleBar({
      format:
        'bench [{bar}] {percentage}% | {value}/{total} requests | {failed} failed | {duration}s',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    });
    return {
      start: (total) => bar.start(total, 0, { failed: 0 }),
      update: (progress) => bar.update(progress.done, { failed: progress.failed }),
      stop: () => bar.stop(),
    };
  }
  let nextTenth = 1;
  let startedMs = Date.now();
  return {
    start: () => {
      startedMs = Date.now();
    },
    update: ({ done, failed, total }) => {
      if (done * 10 < nextTenth * total) return;
      while (done * 10 >= nextTenth * total) nextTenth++;
      const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
      io.stderr(
        `llmservingsim: bench: ${done}/${total} requests done, ${failed} failed, ${seconds} s\n`,
      );
    },
    stop: () => undefined,
  };
}

function writeResult(path: string, document: Record<string, unknown>): void {
  try {
    writeFileSync(path, `${JSON.stringify(document)}\n`);
  } catch (error) {
    throw new FileAccessError(path, (error as Error).message, { cause: error });
  }
}

/** Runs `bench`, prints the results and resolves what it measured. */
export async function runBenchCommand(flags: BenchFlags, io: CliIo): Promise<BenchCommandResult> {
  const percentiles =
    flags.percentiles === undefined
      ? [...DEFAULT_PERCENTILES]
      : parsePercentiles(flags.percentiles);
  const goodput = flags.goodput === undefined ? undefined : parseGoodput(flags.goodput);
  const progress = progressReporter(io);
  const apiKey = flags.apiKey ?? io.environment.OPENAI_API_KEY;
  const run = await runBenchmark(
    {
      baseUrl: flags.baseUrl,
      endpoint: endpointOf(flags.endpoint),
      model: flags.model,
      apiKey: apiKey === '' ? undefined : apiKey,
      numPrompts: flags.numPrompts,
      requestRatePerS: flags.requestRate,
      burstiness: flags.burstiness,
      maxConcurrency: flags.maxConcurrency,
      dataset: datasetOf(flags),
      inputLen: flags.inputLen,
      outputLen: flags.outputLen,
      ignoreEos: flags.ignoreEos,
      seed: flags.seed,
      stream: flags.stream,
      timeoutS: flags.timeout,
    },
    {
      onStart: ({ settings, datasetDescription, notes }) => {
        const route = settings.endpoint === 'chat' ? 'chat/completions' : 'completions';
        io.stderr(
          `llmservingsim: bench: ${settings.baseUrl}/v1/${route}, model ${settings.model}, ` +
            `${datasetDescription}${settings.stream ? '' : ', not streaming'}` +
            `${settings.ignoreEos ? ', ignore_eos' : ''}\n`,
        );
        for (const note of notes) io.stderr(`llmservingsim: note: ${note}\n`);
        progress.start(settings.numPrompts);
      },
      onProgress: (state) => progress.update(state),
    },
  );
  progress.stop();
  const metrics = benchMetrics(
    run,
    goodput === undefined ? { percentiles } : { percentiles, goodput },
  );
  const failures = run.records.filter((record) => !record.success);
  if (failures.length > 0) {
    io.stderr(`llmservingsim: bench: ${failures.length} requests failed:\n`);
    for (const record of failures.slice(0, ERRORS_SHOWN)) {
      io.stderr(`  request ${record.index}: ${record.error}\n`);
    }
  }
  if (flags.saveResult !== undefined) {
    writeResult(flags.saveResult, vllmResultJson(run, metrics, { detailed: true }));
  }
  io.stdout(
    flags.json === true
      ? `${JSON.stringify(vllmResultJson(run, metrics, { detailed: false }), null, 2)}\n`
      : formatBenchTable(run, metrics),
  );
  const first = failures[0];
  if (metrics.completed === 0 && first !== undefined) {
    throw new BenchAllRequestsFailedError(failures.length, first.error);
  }
  return { run, metrics, percentiles, goodput };
}
