/**
 * @module `llmservingsim bench`: a load generator for any OpenAI-compatible server with vLLM
 * `bench serve` metric definitions. Thin: flags → `runBenchmark` → `benchMetrics` → the vLLM
 * table (or JSON) on stdout, progress on stderr, and the vLLM-compatible result file or an HTML
 * report page. With `--compare-sim`, the same requests also go through the offline simulator and
 * a measured-vs-simulated table follows.
 */

import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { BenchAllRequestsFailedError } from '../bench/bench-errors.js';
import {
  type BenchMetrics,
  type BenchMetricsOptions,
  benchMetrics,
  DEFAULT_PERCENTILES,
  type GoodputSlos,
  parseGoodput,
  parsePercentiles,
} from '../bench/bench-metrics.js';
import { benchReport } from '../bench/bench-report.js';
import type { BenchDatasetSpec, BenchEndpoint, BenchRun } from '../bench/bench-types.js';
import {
  type BenchProgress,
  DEFAULT_BASE_URL,
  DEFAULT_TIMEOUT_S,
  normalizeBaseUrl,
  runBenchmark,
} from '../bench/run-benchmark.js';
import {
  compareWithSimulation,
  comparisonJson,
  formatComparisonTable,
  type SimComparison,
} from '../bench/sim-comparison.js';
import { simulateBenchRun } from '../bench/simulated-run.js';
import {
  resolveSimulatorTarget,
  type SimulatorOverrides,
  type SimulatorTarget,
} from '../bench/simulator-target.js';
import { formatBenchTable, vllmResultJson } from '../bench/vllm-result.js';
import { definedOnly } from '../config/defined-only.js';
import { InvalidConfigError } from '../errors.js';
import { writeTextFile } from '../io/result-files.js';
import { renderRunReport } from '../report/run-report.js';
import type { CliIo } from './cli-io.js';
import { parseIntegerFlag, parseNumberFlag } from './number-flags.js';
import { addArrivalFlags, addLengthFlags } from './simulate-command.js';

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
  readonly compareSim?: boolean;
  readonly simModel?: string;
  readonly simHardware?: string;
  readonly simTp?: number;
  readonly simPp?: number;
  readonly simEngine?: string;
  readonly simSettings?: string;
}

/** What a bench command produced, for callers that add outputs (comparison, HTML page). */
export interface BenchCommandResult {
  readonly run: BenchRun;
  readonly metrics: BenchMetrics;
  /** The metric options used, to recompute metrics for another run the same way. */
  readonly percentiles: readonly number[];
  readonly goodput: GoodputSlos | undefined;
  /** With `--compare-sim`: the simulated twin of the run and the comparison. */
  readonly simulation?: {
    readonly target: SimulatorTarget;
    readonly run: BenchRun;
    readonly metrics: BenchMetrics;
    readonly comparison: SimComparison;
  };
}

/** Failed requests whose errors are printed (vLLM prints up to 10). */
const ERRORS_SHOWN = 10;

/** Adds the `bench` flags. */
export function addBenchFlags(command: Command): Command {
  command
    .option('--base-url <url>', 'server to benchmark (default http://127.0.0.1:8000)')
    .option('--endpoint <route>', 'chat (/v1/chat/completions) | completions (default)')
    .option('--model <name>', 'model to request (default: the first of GET /v1/models)')
    .option('--api-key <key>', 'bearer key (default: $OPENAI_API_KEY)')
    .option('--num-prompts <n>', 'requests to send (default 1000; a trace: all)', parseIntegerFlag);
  addArrivalFlags(command)
    .option('--max-concurrency <n>', 'most requests in flight (client-side)', parseIntegerFlag)
    .option('--dataset <kind>', 'random (default) | sharegpt | trace:FILE')
    .option('--dataset-path <file>', 'ShareGPT JSON file for --dataset sharegpt');
  return addLengthFlags(command)
    .option('--ignore-eos', 'send ignore_eos (default for random and trace datasets)')
    .option('--no-ignore-eos', 'do not send ignore_eos (e.g. for OpenAI)')
    .option('--seed <n>', 'random seed of prompts and arrivals (default 0)', parseIntegerFlag)
    .option('--stream', 'stream responses (default)')
    .option('--no-stream', 'ask for whole responses (TTFT = E2EL, no ITL)')
    .option('--goodput <slo...>', 'SLOs in ms for goodput: ttft:MS tpot:MS e2el:MS')
    .option('--percentiles <list>', 'percentiles to report (default 99)')
    .option('--json', 'print the result as JSON (vLLM keys) instead of the table')
    .option(
      '--save-result <file>',
      "write vLLM's result JSON (per-request lists included), or with a .html name a report page",
    )
    .option(
      '--timeout <s>',
      `limit per request in seconds (default ${DEFAULT_TIMEOUT_S})`,
      parseNumberFlag,
    )
    .option(
      '--compare-sim',
      'also simulate the same requests offline and print measured vs simulated',
    )
    .option('--sim-model <name>', '--compare-sim: model to simulate (default: --model)')
    .option(
      '--sim-hardware <name>',
      "--compare-sim: the server's GPU (needed for non-LLMServingSim servers)",
    )
    .option('--sim-tp <n>', '--compare-sim: tensor-parallel size', parseIntegerFlag)
    .option('--sim-pp <n>', '--compare-sim: pipeline-parallel size', parseIntegerFlag)
    .option('--sim-engine <name>', '--compare-sim: engine preset (vllm, sglang, trtllm, ...)')
    .option(
      '--sim-settings <json>',
      '--compare-sim: more engine settings as JSON, e.g. {"maxNumSeqs":256,"gpuMemoryUtilization":0.9}',
    );
}

function simulatorOverridesOf(flags: BenchFlags): SimulatorOverrides {
  return definedOnly({
    model: flags.simModel,
    hardware: flags.simHardware,
    tp: flags.simTp,
    pp: flags.simPp,
    engine: flags.simEngine,
    settingsJson: flags.simSettings,
  }) as SimulatorOverrides;
}

/** What --compare-sim simulates, resolved before the benchmark so bad settings fail at once. */
async function simulatorTargetOf(
  flags: BenchFlags,
  apiKey: string | undefined,
  io: CliIo,
): Promise<SimulatorTarget | undefined> {
  const overrides = simulatorOverridesOf(flags);
  if (flags.compareSim !== true) {
    if (Object.keys(overrides).length > 0) {
      throw new InvalidConfigError('the --sim-* flags go with --compare-sim');
    }
    return undefined;
  }
  const target = await resolveSimulatorTarget({
    baseUrl: normalizeBaseUrl(flags.baseUrl ?? DEFAULT_BASE_URL),
    apiKey,
    model: flags.model,
    overrides,
  });
  io.stderr(`llmservingsim: bench: --compare-sim: ${describeTarget(target)}\n`);
  return target;
}

function describeTarget(target: SimulatorTarget): string {
  const { deployment } = target;
  return (
    `simulating ${deployment.model.id} on ${deployment.gpus} x ${deployment.hardware.file.name} ` +
    `(TP ${deployment.parallel.tp}, PP ${deployment.parallel.pp}, engine ${deployment.enginePreset.engine}), ` +
    `time scale ${target.timeScale}, settings from ${target.source === 'server' ? "the server's /status" : 'the --sim-* flags'}`
  );
}

function targetJson(target: SimulatorTarget): Record<string, unknown> {
  return {
    source: target.source,
    time_scale: target.timeScale,
    engine_settings: target.deployment.settings,
    model: target.deployment.model.id,
    hardware: target.deployment.hardware.file.name,
    gpus: target.deployment.gpus,
  };
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

/** Runs `bench`, prints the results and resolves what it measured. */
export async function runBenchCommand(flags: BenchFlags, io: CliIo): Promise<BenchCommandResult> {
  const percentiles =
    flags.percentiles === undefined
      ? [...DEFAULT_PERCENTILES]
      : parsePercentiles(flags.percentiles);
  const goodput = flags.goodput === undefined ? undefined : parseGoodput(flags.goodput);
  const progress = progressReporter(io);
  const givenKey = flags.apiKey ?? io.environment.OPENAI_API_KEY;
  const apiKey = givenKey === '' ? undefined : givenKey;
  const target = await simulatorTargetOf(flags, apiKey, io);
  const run = await runBenchmark(
    {
      baseUrl: flags.baseUrl,
      endpoint: endpointOf(flags.endpoint),
      model: flags.model,
      apiKey,
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
  const metricsOptions = goodput === undefined ? { percentiles } : { percentiles, goodput };
  const metrics = benchMetrics(run, metricsOptions);
  const simulation =
    target === undefined ? undefined : simulate(run, metrics, metricsOptions, target);
  const failures = run.records.filter((record) => !record.success);
  if (failures.length > 0) {
    io.stderr(`llmservingsim: bench: ${failures.length} requests failed:\n`);
    for (const record of failures.slice(0, ERRORS_SHOWN)) {
      io.stderr(`  request ${record.index}: ${record.error}\n`);
    }
  }
  const resultJson = (detailed: boolean) => {
    const document = vllmResultJson(run, metrics, { detailed });
    if (simulation === undefined) return document;
    const ours = (document.llmservingsim ?? {}) as Record<string, unknown>;
    const compareSim = comparisonJson(simulation.comparison, targetJson(simulation.target));
    return { ...document, llmservingsim: { ...ours, compare_sim: compareSim } };
  };
  if (flags.saveResult !== undefined) {
    const path = flags.saveResult;
    if (/\.html?$/i.test(path)) {
      writeTextFile(path, renderRunReport(benchReport(run, metrics, simulation)));
    } else {
      writeTextFile(path, `${JSON.stringify(resultJson(true))}\n`);
    }
  }
  if (flags.json === true) {
    io.stdout(`${JSON.stringify(resultJson(false), null, 2)}\n`);
  } else {
    io.stdout(formatBenchTable(run, metrics));
    if (simulation !== undefined) {
      io.stdout(formatComparisonTable(simulation.comparison, describeTarget(simulation.target)));
    }
  }
  const first = failures[0];
  if (metrics.completed === 0 && first !== undefined) {
    throw new BenchAllRequestsFailedError(failures.length, first.error);
  }
  return {
    run,
    metrics,
    percentiles,
    goodput,
    ...(simulation === undefined ? {} : { simulation }),
  };
}

/** The run's offline twin, its metrics computed the same way, and the comparison. */
function simulate(
  run: BenchRun,
  metrics: BenchMetrics,
  metricsOptions: BenchMetricsOptions,
  target: SimulatorTarget,
) {
  const simulatedRun = simulateBenchRun(run, target.deployment, { timeScale: target.timeScale });
  const simulatedMetrics = benchMetrics(simulatedRun, metricsOptions);
  return {
    target,
    run: simulatedRun,
    metrics: simulatedMetrics,
    comparison: compareWithSimulation(run, metrics, simulatedRun, simulatedMetrics),
  };
}
