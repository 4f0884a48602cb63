/**
 * @module `llmservingsim serve`: the OpenAI-compatible live server. Flags win over the
 * `LLMSERVINGSIM_*` environment variables; the command runs until SIGINT/SIGTERM (or the
 * injected stop signal) and then closes the server, ending open streams.
 */

import type { Command } from 'commander';
import { pino } from 'pino';
import { InvalidConfigError } from '../errors.js';
import type { ResponseMode } from '../server/completion-handler.js';
import { DEFAULT_MAX_BODY_BYTES, type LiveServer, startLiveServer } from '../server/live-server.js';
import type { ServedModel } from '../server/served-model.js';
import type { CliIo } from './cli-io.js';
import { parseIntegerFlag, parseNumberFlag } from './number-flags.js';
import { collectRepeated, engineOptionsFromFlags, type SimulateFlags } from './simulate-command.js';

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
}

const DEFAULT_HOST = 'localhost';
const DEFAULT_PORT = 8000;

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
      'output length when max_tokens does not force it: N | uniform:MIN:MAX | lognormal:MEAN[:SIGMA] | sharegpt (default)',
    )
    .option('--response-mode <mode>', 'synthetic reply text: lorem (default) or echo')
    .option(
      '--max-body-bytes <n>',
      `largest request body accepted (default ${DEFAULT_MAX_BODY_BYTES})`,
      parseIntegerFlag,
    )
    .option('--verbose', 'log every request');
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
  const server = await startLiveServer({
    engine: engineOptionsFromFlags(engineFlagsOf(flags)),
    models,
    servedModelNames: flags.servedModelName ?? [],
    host: flags.host ?? (environment.LLMSERVINGSIM_HOST || DEFAULT_HOST),
    port: portOf(flags.port, environment.LLMSERVINGSIM_PORT),
    apiKeys,
    timeScale: flags.timeScale ?? 1,
    seed: flags.seed ?? 0,
    ...(flags.maxWaiting === undefined ? {} : { maxWaiting: flags.maxWaiting }),
    ...(flags.outputLen === undefined ? {} : { outputLen: flags.outputLen }),
    responseMode: responseModeOf(flags.responseMode),
    maxBodyBytes: flags.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    verbose,
    logger: pino({ level: verbose ? 'info' : 'warn' }, io.logDestination),
  });
  io.stdout(describeServer(server, apiKeys.length));
  await new Promise<void>((resolve) => {
    const stop = () => {
      io.stdout('shutting down\n');
      server.close().then(resolve, resolve);
    };
    if (io.stopSignal.aborted) stop();
    else io.stopSignal.addEventListener('abort', stop, { once: true });
  });
}
