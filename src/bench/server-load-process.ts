/**
 * @module The server process under load: starts a Node script in its own process, waits for
 * its `listening on URL` line, keeps whatever it prints afterwards (warnings are findings of a
 * load test), and reads its CPU time and memory from Linux's /proc. Parsing of the /proc text is
 * separate so it can be tested without a process.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Clock ticks per second of /proc/<pid>/stat times. USER_HZ is 100 on every Linux architecture
 * Node runs on (`sysconf(_SC_CLK_TCK)`; see proc(5), "utime ... measured in clock ticks").
 */
const CLOCK_TICKS_PER_S = 100;

/** Most lines of later output kept per process (a flood of warnings must not grow the client). */
const KEPT_OUTPUT_LINES = 200;

/** CPU seconds (user + system) from the text of /proc/<pid>/stat. */
export function cpuSecondsOfStat(statText: string): number {
  // The command name (2nd field) is in parentheses and may hold spaces: split after the last ')'.
  const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  // After the name, state is fields[0]; utime and stime are the 14th and 15th fields of the line.
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  return (userTicks + systemTicks) / CLOCK_TICKS_PER_S;
}

/** Resident and peak resident memory from the text of /proc/<pid>/status. */
export interface ProcessMemory {
  readonly rssBytes: number;
  /** VmHWM: the most the process has had resident since it started. */
  readonly peakRssBytes: number;
}

function kibFieldBytes(statusText: string, name: string): number {
  const match = statusText.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'));
  return match?.[1] === undefined ? Number.NaN : Number(match[1]) * 1024;
}

/** VmRSS and VmHWM of /proc/<pid>/status, in bytes (NaN when a field is missing). */
export function memoryOfStatus(statusText: string): ProcessMemory {
  return {
    rssBytes: kibFieldBytes(statusText, 'VmRSS'),
    peakRssBytes: kibFieldBytes(statusText, 'VmHWM'),
  };
}

/** Machine-wide TCP counters of /proc/net/netstat that show a listen queue overflowing. */
export interface ListenQueueCounters {
  /** Connections the kernel could not queue because the accept queue was full. */
  readonly listenOverflows: number;
  /** Connection attempts dropped at a listening socket, for any reason (overflows included). */
  readonly listenDrops: number;
  /** SYN cookies sent because the SYN queue was full. */
  readonly syncookiesSent: number;
}

/** The listen-queue counters of the text of /proc/net/netstat (NaN when a field is missing). */
export function listenQueueCountersOf(netstatText: string): ListenQueueCounters {
  // The TcpExt section is a line of names followed by a line of values.
  const lines = netstatText.split('\n').filter((line) => line.startsWith('TcpExt:'));
  const names = (lines[0] ?? '').split(/\s+/).slice(1);
  const values = (lines[1] ?? '').split(/\s+/).slice(1);
  const counterOf = (name: string) => {
    const index = names.indexOf(name);
    return index < 0 || values[index] === undefined ? Number.NaN : Number(values[index]);
  };
  return {
    listenOverflows: counterOf('ListenOverflows'),
    listenDrops: counterOf('ListenDrops'),
    syncookiesSent: counterOf('SyncookiesSent'),
  };
}

/** The machine's listen-queue counters now (NaN fields when /proc/net/netstat is unreadable). */
export function listenQueueCounters(): ListenQueueCounters {
  try {
    return listenQueueCountersOf(readFileSync('/proc/net/netstat', 'utf8'));
  } catch {
    return { listenOverflows: Number.NaN, listenDrops: Number.NaN, syncookiesSent: Number.NaN };
  }
}

/** A started process that announced its URL. */
export class ListeningProcess {
  readonly url: string;
  /** The lines it printed before and including the `listening on` line. */
  readonly startupLines: readonly string[];
  private readonly child: ChildProcess;
  private readonly laterLines: string[] = [];
  private droppedLines = 0;
  private exitDescription: string | null = null;
  private readonly exitCode: Promise<number | null>;

  constructor(options: { child: ChildProcess; url: string; startupLines: readonly string[] }) {
    this.child = options.child;
    this.url = options.url;
    this.startupLines = options.startupLines;
    this.exitCode = new Promise((resolve) => {
      options.child.on('exit', (code, signal) => {
        this.exitDescription = signal === null ? `exit code ${code}` : `signal ${signal}`;
        resolve(code);
      });
    });
  }

  /** Sends a signal (SIGTERM, SIGINT, …). */
  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Resolves its exit code once it has exited (null when a signal ended it). */
  whenExited(): Promise<number | null> {
    return this.exitCode;
  }

  /** Records a line printed after start-up. */
  keepLine(line: string): void {
    if (this.laterLines.length < KEPT_OUTPUT_LINES) this.laterLines.push(line);
    else this.droppedLines += 1;
  }

  /** Lines printed since start-up (or the last call), then forgotten; with a count of any dropped. */
  takeOutput(): { lines: string[]; dropped: number } {
    const taken = { lines: this.laterLines.splice(0), dropped: this.droppedLines };
    this.droppedLines = 0;
    return taken;
  }

  /** How the process ended, or null while it runs. */
  exited(): string | null {
    return this.exitDescription;
  }

  /** CPU seconds it has used (NaN when /proc cannot be read, e.g. not Linux or exited). */
  cpuSeconds(): number {
    try {
      return cpuSecondsOfStat(readFileSync(`/proc/${this.child.pid}/stat`, 'utf8'));
    } catch {
      return Number.NaN;
    }
  }

  /** Its memory now (NaN fields when /proc cannot be read). */
  memory(): ProcessMemory {
    try {
      return memoryOfStatus(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
    } catch {
      return { rssBytes: Number.NaN, peakRssBytes: Number.NaN };
    }
  }

  /** Sends SIGTERM and waits (at most `timeoutMs`, then SIGKILL) for it to end. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.exitDescription !== null) return;
    const ended = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await ended;
    clearTimeout(timer);
  }
}

/**
 * Node arguments that run `llmservingsim serve` from the sources (through tsx) on 127.0.0.1 and a
 * free port, with `extra` flags: what the benchmarks and the process-level tests start.
 */
export function serveArguments(extra: readonly string[]): string[] {
  const main = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
  return ['--import', 'tsx', main, 'serve', '--host', '127.0.0.1', '--port', '0', ...extra];
}

/**
 * Runs `node [nodeArguments]` and resolves once a line of its standard output matches
 * `listening on <url>`; rejects when it exits first or after `timeoutMs`.
 */
export function startListeningProcess(options: {
  readonly nodeArguments: readonly string[];
  readonly timeoutMs?: number;
}): Promise<ListeningProcess> {
  const child = spawn(process.execPath, [...options.nodeArguments], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    let started: ListeningProcess | null = null;
    const onLine = (line: string) => {
      if (line === '') return;
      if (started !== null) {
        started.keepLine(line);
        return;
      }
      lines.push(line);
      const match = line.match(/listening on (http:\/\/\S+)/);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        started = new ListeningProcess({ child, url: match[1], startupLines: lines });
        resolve(started);
      }
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `no 'listening on' line within ${options.timeoutMs ?? 60_000} ms:\n${lines.join('\n')}`,
        ),
      );
    }, options.timeoutMs ?? 60_000);
    for (const [stream, prefix] of [
      [child.stdout, ''],
      [child.stderr, 'stderr: '],
    ] as const) {
      let pending = '';
      stream?.on('data', (bytes: Buffer) => {
        pending += bytes.toString('utf8');
        const complete = pending.split('\n');
        pending = complete.pop() ?? '';
        for (const line of complete) onLine(line === '' ? '' : `${prefix}${line}`);
      });
    }
    child.on('exit', (code, signal) => {
      if (started !== null) return;
      clearTimeout(timer);
      reject(
        new Error(`the process ended (${signal ?? code}) before listening:\n${lines.join('\n')}`),
      );
    });
  });
}
