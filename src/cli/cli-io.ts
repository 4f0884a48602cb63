/**
 * @module Where a CLI run reads and writes: injectable so tests run commands in-process.
 */

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is an interactive terminal (progress bars only then). */
  readonly stderrIsTty: boolean;
  /** Environment variables (`LLMSERVINGSIM_*`). */
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** Aborts when a long-running command (`serve`) should stop. */
  readonly stopSignal: AbortSignal;
  /** Where the server's JSON log lines go. */
  readonly logDestination: { write(line: string): void };
}

let processStop: AbortController | undefined;

/** The real process streams; the stop signal fires on SIGINT or SIGTERM. */
export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTty: Boolean(process.stderr.isTTY),
  environment: process.env,
  // Signal handlers are installed only when a command asks for the signal.
  get stopSignal(): AbortSignal {
    if (processStop === undefined) {
      const controller = new AbortController();
      processStop = controller;
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }
    return processStop.signal;
  },
  logDestination: process.stdout,
};
