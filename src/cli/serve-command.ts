/**
 * @module `llmservingsim serve`: the OpenAI-compatible live server. Flags win over the
 * `LLMSERVINGSIM_*` environment variables; the command runs until SIGINT/SIGTERM (or the
 * injected stop signal), then drains: no new requests, the ones in flight get up to
 * `--shutdown-timeout` to finish, the rest end with an error; exit 0.
 */

import type { Command } from 'commander';
import { pino } from 'pino';
import { InvalidConfigError } from '../errors.js';
import {
  DEFAULT_REQUEST_LIMITS,
  type RequestLimits,
  type ResponseMode,
} from '../server/completion-handler.js';
import { FAILURE_KINDS, type FaultSettings, parseFailureKinds } from '../server/fault-injection.js';
import { DEFAULT_MAX_BODY_BYTES, type LiveServer, startLiveServer } from '../server/live-server.js';
import type { ServedModel } from '../server/served-model.js';
import type { CliIo } from './cli-io.js';
import { parseIntegerFlag, parseNumberFlag } from './number-flags.js';
import {
  collectRepeated,
  engineOptionsFromFlags,
  LENGTH_SPEC_FORMS,
  type SimulateFlags,
} from './simulate-command.js';

/** Flags of `serve` as commander hands them over. */
export interface ServeFlags extends Omit<SimulateFlags, 'model'> {
  readonly model?: string[];
  readonly servedModelName?: string[];
  readonly host?: string;
  readonly port?: number;
  readonly apiKey?: string[];
  readonly timeScale?: number;
  readonly verbose?: boolean;
  readonly maxWaiting?: number;
  readonly responseMode?: string;
  readonly maxBodyBytes?: number;
  readonly maxConnections?: number;
  readonly maxN?: number;
  readonly maxStop?: number;
  readonly maxPrompts?: number;
  readonly maxOutputTokens?: number;
  readonly shutdownTimeout?: number;
  readonly publicMetrics?: boolean;
  readonly cors?: string[];
  readonly failureRate?: number;
  readonly failureKinds?: string;
}

const DEFAULT_HOST = 'localhost';
const DEFAULT_PORT = 8000;
/** Seconds in-flight requests get after SIGTERM: inside Kubernetes' default 30 s grace period. */
const DEFAULT_SHUTDOWN_TIMEOUT_S = 20;

/** `--cors` alone allows every origin; `--cors ORIGIN` (repeatable) the ones named. */
function collectOrigins(value: string | undefined, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value ?? '*'];
}

/** Adds the flags only `serve` has (the engine flags are added separately). */
export function addServeFlags(command: Command): Command {
  return command
    .option(
      '--host <host>',
      `address to listen on (default ${DEFAULT_HOST}; env LLMSERVINGSIM_HOST)`,
    )
    .option(
      '--port <port>',
      `port to listen on, 0 = any free one (default ${DEFAULT_PORT}; env LLMSERVINGSIM_PORT)`,
      parseIntegerFlag,
    )
    .option(
      '--served-model-name <name>',
      'name clients use for the model (repeatable; with several --model, one per model)',
      collectRepeated,
    )
    .option(
      '--api-key <key>',
      'require this bearer key on /v1 routes (repeatable; env LLMSERVINGSIM_API_KEY)',
      collectRepeated,
    )
    .option(
      '--time-scale <x>',
      'simulated seconds per wall second: 1 = real time, 10 = ten times faster (default 1)',
      parseNumberFlag,
    )
    .option(
      '--max-waiting <n>',
      'answer 429 while this many requests wait to be scheduled (default: no limit)',
      parseIntegerFlag,
    )
    .option(
      '--output-len <spec>',
      `output length when max_tokens does not force it: ${LENGTH_SPEC_FORMS} (default)`,
    )
    .option('--response-mode <mode>', 'synthetic reply text: lorem (default) or echo')
    .option(
      '--max-body-bytes <n>',
      `largest request body accepted (default ${DEFAULT_MAX_BODY_BYTES})`,
      parseIntegerFlag,
    )
    .option(
      '--max-connections <n>',
      'open connections beyond which new ones are closed at once (default: no limit)',
      parseIntegerFlag,
    )
    .option(
      '--max-n <n>',
      `most choices (n) per request (default ${DEFAULT_REQUEST_LIMITS.maxN})`,
      parseIntegerFlag,
    )
    .option(
      '--max-stop <n>',
      `most stop strings per request (default ${DEFAULT_REQUEST_LIMITS.maxStop})`,
      parseIntegerFlag,
    )
    .option(
      '--max-prompts <n>',
      `most prompts in one /v1/completions request (default ${DEFAULT_REQUEST_LIMITS.maxPrompts})`,
      parseIntegerFlag,
    )
    .option(
      '--max-output-tokens <n>',
      'largest max_tokens accepted, and the default cap (default: the context window)',
      parseIntegerFlag,
    )
    .option(
      '--shutdown-timeout <s>',
      `seconds in-flight requests get to finish after SIGTERM/SIGINT (default ${DEFAULT_SHUTDOWN_TIMEOUT_S})`,
      parseNumberFlag,
    )
    .option('--public-metrics', 'serve the dashboard, /metrics and /status without an API key')
    .option(
      '--cors [origin]',
      'allow browsers on ORIGIN (repeatable; no value = any origin) to call the API (default: off)',
      collectOrigins,
    )
    .option(
      '--failure-rate <p>',
      'inject failures into this fraction (0-1) of valid completion requests (default 0)',
      parseNumberFlag,
    )
    .option(
      '--failure-kinds <list>',
      `comma-separated kinds to inject: ${FAILURE_KINDS.join(',')} (default all)`,
    )
    .option('--verbose', 'log every request');
}

/** A flag that must be a whole number ≥ `min`, when given. */
function checkCount(name: string, value: number | undefined, min: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= min)) {
    throw new InvalidConfigError(`--${name} must be an integer of at least ${min}, got ${value}`);
  }
}

/** The per-request limits the flags set (defaults filled by the app). */
function limitsOf(flags: ServeFlags): Partial<RequestLimits> {
  checkCount('max-n', flags.maxN, 1);
  checkCount('max-stop', flags.maxStop, 0);
  checkCount('max-prompts', flags.maxPrompts, 1);
  checkCount('max-output-tokens', flags.maxOutputTokens, 1);
  return {
    ...(flags.maxN === undefined ? {} : { maxN: flags.maxN }),
    ...(flags.maxStop === undefined ? {} : { maxStop: flags.maxStop }),
    ...(flags.maxPrompts === undefined ? {} : { maxPrompts: flags.maxPrompts }),
    ...(flags.maxOutputTokens === undefined ? {} : { maxOutputTokens: flags.maxOutputTokens }),
  };
}

/** `--failure-rate` / `--failure-kinds`, checked; undefined when no failures are asked for. */
function faultsOf(flags: ServeFlags, seed: number): FaultSettings | undefined {
  const rate = flags.failureRate ?? 0;
  if (!(rate >= 0 && rate <= 1)) {
    throw new InvalidConfigError(`--failure-rate must be between 0 and 1, got ${rate}`);
  }
  let kinds: FaultSettings['kinds'] = FAILURE_KINDS;
  if (flags.failureKinds !== undefined) {
    try {
      kinds = parseFailureKinds(flags.failureKinds);
    } catch (error) {
      throw new InvalidConfigError(`--failure-kinds: ${(error as Error).message}`);
    }
  }
  return rate === 0 ? undefined : { rate, kinds, seed };
}

function responseModeOf(value: string | undefined): ResponseMode {
  if (value === undefined || value === 'lorem' || value === 'echo') return value ?? 'lorem';
  throw new InvalidConfigError(`--response-mode must be lorem or echo, got '${value}'`);
}

function portOf(flag: number | undefined, environment: string | undefined): number {
  if (flag !== undefined) return flag;
  if (environment === undefined || environment === '') return DEFAULT_PORT;
  const port = Number(environment);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidConfigError(`LLMSERVINGSIM_PORT must be a port number, got '${environment}'`);
  }
  return port;
}

function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** The start-up lines: what is simulated, with what cache, and where it listens. */
export function describeServer(server: LiveServer, apiKeys: number): string {
  let text = '';
  for (const model of server.models) text += describeModel(model);
  const speed = server.timeScale === 1 ? 'real time' : `${server.timeScale}x real time`;
  text += `listening on ${server.url} (${speed}; ${apiKeys > 0 ? `${apiKeys} API key(s) required` : 'no API key required'})\n`;
  return text;
}

function describeModel(model: ServedModel): string {
  const { deployment, tokenizer } = model;
  const { kvCapacity, engineConfig, parallel, precision } = deployment;
  const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(2);
  const aliases = model.names.filter((name) => name !== deployment.model.id);
  return (
    `model ${deployment.model.id}${aliases.length > 0 ? ` (served as ${aliases.join(', ')})` : ''}\n` +
    `  hardware   ${deployment.gpus} x ${deployment.hardware.file.name}, tensor parallel ${parallel.tp}, pipeline parallel ${parallel.pp}\n` +
    `  precision  weights ${precision.weightDtype}, KV cache ${precision.kvCacheDtype}\n` +
    `  KV cache   ${formatCount(kvCapacity.capacityTokens)} tokens in ${formatCount(kvCapacity.totalBlocks)} blocks of ${kvCapacity.blockSize} (${gib(kvCapacity.kvCacheBytesPerGpu)} GiB per GPU; weights ${gib(kvCapacity.weightBytesPerGpu)} GiB per GPU)\n` +
    `  engine     max-num-seqs ${engineConfig.maxNumSeqs}, max-num-batched-tokens ${engineConfig.maxNumBatchedTokens}, max-model-len ${engineConfig.maxModelLen}, chunked prefill ${engineConfig.enableChunkedPrefill ? 'on' : 'off'}\n` +
    `  step time  ${deployment.costModelChoice.description}\n` +
    `  tokenizer  ${tokenizer.tokenizer.name} (${tokenizer.exact ? 'exact' : 'estimated'}), chat template ${tokenizer.chatTemplate}\n`
  );
}

/** The engine flags of `serve` (its models are handled apart: there may be several). */
function engineFlagsOf(flags: ServeFlags): SimulateFlags {
  const { model: _models, ...engineFlags } = flags;
  return engineFlags;
}

/** Runs the server until stopped. */
export async function runServeCommand(flags: ServeFlags, io: CliIo): Promise<void> {
  const environment = io.environment;
  const models =
    flags.model ?? (environment.LLMSERVINGSIM_MODEL ? [environment.LLMSERVINGSIM_MODEL] : []);
  const apiKeys =
    flags.apiKey ?? (environment.LLMSERVINGSIM_API_KEY ? [environment.LLMSERVINGSIM_API_KEY] : []);
  const verbose = flags.verbose === true;
  const seed = flags.seed ?? 0;
  const shutdownTimeoutS = flags.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT_S;
  if (!(shutdownTimeoutS >= 0)) {
    throw new InvalidConfigError(`--shutdown-timeout must be 0 or more, got ${shutdownTimeoutS}`);
  }
  checkCount('max-connections', flags.maxConnections, 1);
  checkCount('max-body-bytes', flags.maxBodyBytes, 1);
  const faults = faultsOf(flags, seed);
  const server = await startLiveServer({
    engine: engineOptionsFromFlags(engineFlagsOf(flags)),
    models,
    servedModelNames: flags.servedModelName ?? [],
    host: flags.host ?? (environment.LLMSERVINGSIM_HOST || DEFAULT_HOST),
    port: portOf(flags.port, environment.LLMSERVINGSIM_PORT),
    apiKeys,
    timeScale: flags.timeScale ?? 1,
    seed,
    limits: limitsOf(flags),
    ...(faults === undefined ? {} : { faults }),
    ...(flags.cors === undefined ? {} : { corsOrigins: flags.cors }),
    publicMetrics: flags.publicMetrics === true,
    ...(flags.maxConnections === undefined ? {} : { maxConnections: flags.maxConnections }),
    ...(flags.maxWaiting === undefined ? {} : { maxWaiting: flags.maxWaiting }),
    ...(flags.outputLen === undefined ? {} : { outputLen: flags.outputLen }),
    responseMode: responseModeOf(flags.responseMode),
    maxBodyBytes: flags.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    verbose,
    logger: pino({ level: verbose ? 'info' : 'warn' }, io.logDestination),
  });
  io.stdout(describeServer(server, apiKeys.length));
  if (faults !== undefined) {
    io.stdout(
      `injecting failures into ${faults.rate * 100}% of completion requests ` +
        `(${faults.kinds.join(', ')}; seed ${seed})\n`,
    );
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      io.stdout(`shutting down: draining for up to ${shutdownTimeoutS} s\n`);
      server.close(shutdownTimeoutS).then(resolve, resolve);
    };
    if (io.stopSignal.aborted) stop();
    else io.stopSignal.addEventListener('abort', stop, { once: true });
  });
}
