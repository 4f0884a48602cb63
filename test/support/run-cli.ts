/**
 * @module Runs the command line in-process with captured output, as the CLI tests need it: no TTY,
 * no environment, an already-aborted stop signal and logs discarded.
 */

import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/main.js';

export interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCapturedCli(argv: readonly string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    stderrIsTty: false,
    environment: {},
    stopSignal: AbortSignal.abort(),
    logDestination: { write: () => undefined },
  };
  const exitCode = await runCli(argv, io);
  return { exitCode, stdout, stderr };
}
