/**
 * @module The `llmservingsim` command line: subcommands `serve`, `simulate`, `bench`, `validate`,
 * `profile` and `list`, plus the original tool's underscore flags. Thin: it parses flags, calls the command,
 * prints, and turns expected errors into one line and a non-zero exit.
 */

import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { LlmServingSimError } from '../errors.js';
import { addBenchFlags, type BenchFlags, runBenchCommand } from './bench-command.js';
import { type CliIo, processIo } from './cli-io.js';
import { isHistoricalInvocation, translateHistoricalArguments } from './historical-flags.js';
import { runListCommand } from './list-command.js';
import { addProfileCommand } from './profile-command.js';
import { addServeFlags, runServeCommand, type ServeFlags } from './serve-command.js';
import {
  addEngineFlags,
  addWorkloadFlags,
  runSimulateCommand,
  type SimulateFlags,
} from './simulate-command.js';
import { addValidateFlags, runValidateCommand, type ValidateFlags } from './validate-command.js';

/** Exit status for bad input (flags, files, configurations). */
export const EXIT_USAGE = 2;
/** Exit status for a bug: an error the program did not expect. */
export const EXIT_INTERNAL = 70;

function buildProgram(io: CliIo): Command {
  const program = new Command('llmservingsim')
    .description('LLM inference-serving simulator with a vLLM-faithful engine')
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      // One line, in the same shape as our own errors: commander puts suggestions on a second line.
      outputError: (text, write) =>
        write(`llmservingsim: ${text.trim().split('\n').join(' ').replace(/\s+/g, ' ')}\n`),
    })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      '\nThe original command line works too: llmservingsim --idle_mode --http_host H ' +
        '--http_port P --model_name M --hardware HW --npu_num N --npu_mem GB --verbose ' +
        '(--idle_mode = serve; without it, simulate).\n',
    );

  const serve = program
    .command('serve')
    .description(
      'run the OpenAI-compatible server: requests are timed by the simulated engine in real time',
    );
  addEngineFlags(serve, { repeatableModel: true });
  addServeFlags(serve);
  serve.action((flags: ServeFlags) => runServeCommand(flags, io));

  const simulate = program
    .command('simulate')
    .description(
      'run a synthetic workload or a trace through the simulated engine and report latencies',
    );
  addEngineFlags(simulate);
  addWorkloadFlags(simulate);
  simulate
    .option('--json', 'print the summary as one JSON document on stdout')
    .option(
      '--output <dir>',
      'write requests.csv, timeseries.csv and summary.json to this directory',
    )
    .action((flags: SimulateFlags) => {
      runSimulateCommand(flags, io);
    });

  const bench = program
    .command('bench')
    .description(
      'benchmark an OpenAI-compatible server with vLLM `bench serve` metrics (TTFT, TPOT, ITL, E2EL)',
    );
  addBenchFlags(bench).action(async (flags: BenchFlags) => {
    await runBenchCommand(flags, io);
  });

  const validate = program
    .command('validate')
    .description(
      'run the validation suite: published measurements and real vLLM runs against the simulator',
    );
  addValidateFlags(validate).action((flags: ValidateFlags) => {
    runValidateCommand(flags, io);
  });

  addProfileCommand(program, io);

  program
    .command('list')
    .description('print the catalog')
    .argument('<what>', 'hardware or models')
    .action((what: string) => runListCommand(what, io));
  return program;
}

/**
 * Runs the CLI on `argv` (without node and script) and resolves its exit status (`serve` resolves
 * when the server has been stopped).
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let effectiveArgv = [...argv];
  if (isHistoricalInvocation(argv)) {
    const translated = translateHistoricalArguments(argv);
    if ('error' in translated) {
      io.stderr(`llmservingsim: error: ${translated.error}\n`);
      return EXIT_USAGE;
    }
    effectiveArgv = translated.argv;
  }
  try {
    await buildProgram(io).parseAsync(effectiveArgv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; commander has already printed its message.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof LlmServingSimError) {
      io.stderr(`llmservingsim: error: ${error.message}\n`);
      return EXIT_USAGE;
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr(`llmservingsim: internal error (please report): ${detail}\n`);
    return EXIT_INTERNAL;
  }
}

// Run when executed as a script (`tsx src/cli/main.ts …`); the bin wrapper calls `runCli` itself.
const script = process.argv[1];
if (script !== undefined && pathToFileURL(script).href === import.meta.url) {
  exitQuietlyOnClosedPipe();
  process.exitCode = await runCli(process.argv.slice(2));
}

/** A reader that closed the pipe early (`… | head`) is not an error of ours. */
export function exitQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
