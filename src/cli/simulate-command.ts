/**
 * @module `llmservingsim simulate`: resolve the deployment and the workload, run the engine to
 * completion, print the summary (table or JSON) and write result files (with `--output`: the CSVs,
 * summary.json and the HTML report).
 */

import { performance } from 'node:perf_hooks';
import { SingleBar } from 'cli-progress';
import { type Command, Option } from 'commander';
import { definedOnly } from '../config/defined-only.js';
import { engineOptionsOf, resolveDeployment } from '../config/deployment.js';
import type { EngineOptionsInput } from '../config/engine-options.js';
import { resolveWorkload, type WorkloadOptionsInput } from '../config/workload-options.js';
import { runSimulation } from '../core/engine/run-simulation.js';
import { MetricsCollector } from '../core/metrics/metrics-collector.js';
import { ResultFiles } from '../io/result-files.js';
import { TRACE_FORMAT_DESCRIPTIONS } from '../io/trace-reader.js';
import { renderRunReport } from '../report/run-report.js';
import { SimulationRecorder, simulationReport } from '../report/simulation-report.js';
import { buildSummaryDocument, type SummaryDocument } from '../report/summary-document.js';
import type { CliIo } from './cli-io.js';
import { formatSummary } from './format-summary.js';
import { parseIntegerFlag, parseNumberFlag, parseRateFlag } from './number-flags.js';

/** Flags of `simulate` as commander hands them over. */
export interface SimulateFlags {
  readonly model?: string;
  readonly hardware?: string;
  readonly tp?: number;
  readonly pp?: number;
  readonly npuNum?: number;
  readonly npuMem?: number;
  readonly gpuMemoryUtilization?: number;
  readonly dtype?: string;
  readonly kvCacheDtype?: string;
  readonly maxNumSeqs?: number;
  readonly maxNumBatchedTokens?: number;
  readonly maxModelLen?: number;
  readonly blockSize?: number;
  readonly chunkedPrefill?: boolean;
  readonly costModel?: string;
  readonly engine?: string;
  readonly numRequests?: number;
  readonly requestRate?: number;
  readonly burstiness?: number;
  readonly concurrency?: number;
  readonly maxConcurrency?: number;
  readonly numPrompts?: number;
  readonly inputLen?: string;
  readonly outputLen?: string;
  readonly trace?: string;
  readonly seed?: number;
  readonly json?: boolean;
  readonly output?: string;
}

/** Commander argument collector of a repeatable flag: each occurrence adds to the list. */
export function collectRepeated(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Adds the engine flags shared by every command that builds an engine. With `repeatableModel`,
 * `--model` may be given several times (each model gets an instance of its own).
 */
export function addEngineFlags(command: Command, options: { repeatableModel?: boolean } = {}) {
  const modelHelp =
    'Hugging Face id, alias or path to a config.json (default: meta-llama/Llama-3.1-8B-Instruct)';
  if (options.repeatableModel === true) {
    command.option(
      '--model <name>',
      `${modelHelp}; repeatable; env LLMSERVINGSIM_MODEL`,
      collectRepeated,
    );
  } else {
    command.option('--model <name>', modelHelp);
  }
  return command
    .option('--hardware <name>', 'GPU name/alias or path to a hardware JSON (default: H100)')
    .option('--tp <n>', 'tensor-parallel size', parseIntegerFlag)
    .option('--pp <n>', 'pipeline-parallel size (stages with batches in flight)', parseIntegerFlag)
    .option(
      '--npu-num <n>',
      'GPUs per instance; must equal tp x pp (alone it sets tp)',
      parseIntegerFlag,
    )
    .option('--npu-mem <GiB>', 'memory per GPU in GiB, overriding the catalog', parseNumberFlag)
    .option(
      '--gpu-memory-utilization <f>',
      'fraction of GPU memory the engine may use (default 0.9)',
      parseNumberFlag,
    )
    .option('--dtype <type>', 'weights: auto|bfloat16|float16|fp8|int4 (default auto)')
    .option('--kv-cache-dtype <type>', 'KV cache: auto|fp8 (default auto)')
    .option(
      '--max-num-seqs <n>',
      "most running sequences (default: vLLM's, by GPU)",
      parseIntegerFlag,
    )
    .option(
      '--max-num-batched-tokens <n>',
      "token budget per step (default: vLLM's, by GPU)",
      parseIntegerFlag,
    )
    .option('--max-model-len <n>', "context window (default: the model's)", parseIntegerFlag)
    .option('--block-size <n>', 'KV-cache block size in tokens (default 16)', parseIntegerFlag)
    .option(
      '--no-chunked-prefill',
      'prefill whole prompts in steps of their own (vLLM V0 behaviour)',
    )
    .option(
      '--cost-model <kind>',
      'step-time model: auto (a measured profile when one matches, else analytical) | analytical | profile (default auto)',
    )
    .option(
      '--engine <name>',
      'engine whose defaults to simulate: vllm | vllm-v0 | trtllm | trtllm-bench | sglang | sglang-0.3 (default vllm; docs/ENGINES.md)',
    )
    .option('--seed <n>', 'random seed of the run (default 0)', parseIntegerFlag);
}

/** Adds the arrival-process flags `simulate` and `bench` share (vLLM bench's names). */
export function addArrivalFlags(command: Command): Command {
  return command
    .option(
      '--request-rate <r>',
      'Poisson arrival rate in req/s, or inf (default inf)',
      parseRateFlag,
    )
    .option(
      '--burstiness <k>',
      'gamma shape of inter-arrival times; 1 = Poisson (default 1)',
      parseNumberFlag,
    );
}

/** The forms of a length spec (`--input-len`, `--output-len`); the last is the default. */
export const LENGTH_SPEC_FORMS = 'N | uniform:MIN:MAX | lognormal:MEAN[:SIGMA] | sharegpt';

/** Adds `--input-len` and `--output-len` (simulate and bench read them the same way). */
export function addLengthFlags(command: Command): Command {
  return command
    .option('--input-len <spec>', `${LENGTH_SPEC_FORMS} (default)`)
    .option('--output-len <spec>', `${LENGTH_SPEC_FORMS} (default)`);
}

/** Adds the workload flags. */
export function addWorkloadFlags(command: Command): Command {
  command
    .option(
      '--num-requests <n>',
      'requests to send (default 1000); with --trace, the first N',
      parseIntegerFlag,
    )
    .addOption(
      new Option('--num-prompts <n>', 'alias of --num-requests (vLLM bench)')
        .argParser(parseIntegerFlag)
        .hideHelp(),
    );
  addArrivalFlags(command)
    .option(
      '--concurrency <n>',
      'most requests in flight; with rate inf a closed loop',
      parseIntegerFlag,
    )
    .addOption(
      new Option('--max-concurrency <n>', 'alias of --concurrency (vLLM bench)')
        .argParser(parseIntegerFlag)
        .hideHelp(),
    );
  return addLengthFlags(command).option(
    '--trace <file>',
    'replay a trace (LLMServingSim/vLLM/Mooncake JSONL or Azure CSV)',
  );
}

/** Engine options from flags (unset flags stay unset so defaults apply). */
export function engineOptionsFromFlags(flags: SimulateFlags): EngineOptionsInput {
  return definedOnly({
    model: flags.model,
    hardware: flags.hardware,
    tp: flags.tp,
    pp: flags.pp,
    npuNum: flags.npuNum,
    npuMem: flags.npuMem,
    gpuMemoryUtilization: flags.gpuMemoryUtilization,
    dtype: flags.dtype as EngineOptionsInput['dtype'],
    kvCacheDtype: flags.kvCacheDtype as EngineOptionsInput['kvCacheDtype'],
    maxNumSeqs: flags.maxNumSeqs,
    maxNumBatchedTokens: flags.maxNumBatchedTokens,
    maxModelLen: flags.maxModelLen,
    blockSize: flags.blockSize as EngineOptionsInput['blockSize'],
    enableChunkedPrefill: flags.chunkedPrefill,
    costModel: flags.costModel as EngineOptionsInput['costModel'],
    engine: flags.engine as EngineOptionsInput['engine'],
  });
}

function workloadOptionsFromFlags(flags: SimulateFlags): WorkloadOptionsInput {
  return definedOnly({
    numRequests: flags.numRequests ?? flags.numPrompts,
    requestRate: flags.requestRate,
    burstiness: flags.burstiness,
    concurrency: flags.concurrency ?? flags.maxConcurrency,
    inputLen: flags.inputLen,
    outputLen: flags.outputLen,
    trace: flags.trace,
    seed: flags.seed,
  });
}

/** Runs `simulate` and returns the summary it printed. */
export function runSimulateCommand(flags: SimulateFlags, io: CliIo): SummaryDocument {
  const deployment = resolveDeployment(engineOptionsFromFlags(flags));
  const workload = resolveWorkload(workloadOptionsFromFlags(flags));
  if (workload.trace) {
    const { path, format, skipped } = workload.trace;
    io.stderr(
      `llmservingsim: ${path}: ${TRACE_FORMAT_DESCRIPTIONS[format]}; ${workload.numRequests} requests` +
        (skipped > 0 ? `, ${skipped} rows with 0 tokens skipped` : '') +
        '\n',
    );
  }
  const files = flags.output === undefined ? undefined : new ResultFiles(flags.output);
  // Per-request latencies for the report's CDFs: a few numbers per request, only with --output.
  const recorder = files ? new SimulationRecorder() : undefined;
  const progress = io.stderrIsTty
    ? new SingleBar({
        format: 'simulating [{bar}] {percentage}% | {value}/{total} requests | {duration}s',
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      })
    : undefined;
  progress?.start(workload.numRequests, 0);
  let ended = 0;
  const tick = () => {
    ended++;
    if (progress && ended % 256 === 0) progress.update(ended);
  };
  const collector = new MetricsCollector({
    onRecord: (record) => {
      files?.writeRequest(record);
      recorder?.recordRequest(record);
      tick();
    },
    ...(files
      ? {
          onTimeSeriesRow: (row) => {
            files.writeTimeSeriesRow(row);
            recorder?.recordTimeSeriesRow(row);
          },
        }
      : {}),
  });
  const wallStart = performance.now();
  const result = runSimulation({
    ...engineOptionsOf(deployment, collector),
    workload: workload.requests,
    ...(workload.maxConcurrency !== undefined ? { maxConcurrency: workload.maxConcurrency } : {}),
  });
  collector.finish(result.endS);
  const wallS = (performance.now() - wallStart) / 1000;
  progress?.stop();
  const metrics = collector.summary();
  const summary = buildSummaryDocument({
    deployment,
    workloadDescription: workload.description,
    metrics,
    steps: result.steps,
    wallS,
  });
  files?.finish(summary);
  if (files && recorder) {
    const report = simulationReport({ summary, recording: recorder.recording() });
    const reportPath = files.writeReport(renderRunReport(report));
    io.stderr(`llmservingsim: report written to ${reportPath}\n`);
  }
  if (metrics.requests.rejected > 0) {
    io.stderr(
      `llmservingsim: ${metrics.requests.rejected} requests rejected: prompt not shorter than ` +
        `--max-model-len ${deployment.engineConfig.maxModelLen}\n`,
    );
  }
  io.stdout(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
  return summary;
}
