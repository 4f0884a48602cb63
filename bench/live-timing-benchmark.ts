/**
 * @module `npm run bench:live`: live timing accuracy. Starts `llmservingsim serve` at time scale 1
 * in its own process (as users run it), streams chat completions at it, and compares the token
 * times the client observes with the simulator's timeline of the same requests. Prints p50 / p99
 * / max of |observed − simulated| for TTFT and inter-token gaps, for sequential single requests
 * and for concurrent bursts. Flags: --singles 20 --bursts 8,32,128 --tokens 64.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  absolutePercentile,
  type ObservedStream,
  type SimulatedTimeline,
  streamChatTimed,
  timingErrors,
} from '../src/bench/stream-timing.js';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const singles = Number(flag('singles', '20'));
const bursts = flag('bursts', '8,32,128').split(',').map(Number);
const tokens = Number(flag('tokens', '64'));

/** Starts the server on a free port and resolves its URL from the start-up line. */
function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      main,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--max-model-len',
      '8192',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 30_000);
    child.stdout?.on('data', (bytes: Buffer) => {
      output += bytes.toString();
      const match = output.match(/listening on (http:\/\/\S+)/);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ child, url: match[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${output}`)));
  });
}

async function errorsOf(url: string, streams: readonly ObservedStream[]) {
  const ttft: number[] = [];
  const gaps: number[] = [];
  for (const stream of streams) {
    const timeline = (await (
      await fetch(`${url}/debug/requests/${stream.requestId}`)
    ).json()) as SimulatedTimeline;
    const errors = timingErrors(stream, timeline);
    ttft.push(errors.ttftErrorMs);
    gaps.push(...errors.gapErrorsMs);
  }
  return { ttft, gaps };
}

function row(label: string, values: readonly number[]): string {
  const cells = [50, 99, 100].map((p) => absolutePercentile(values, p).toFixed(2).padStart(8));
  return `${label.padEnd(34)}${String(values.length).padStart(7)}${cells.join('')}`;
}

function request(promptWords: number) {
  return {
    messages: [{ role: 'user', content: 'word '.repeat(promptWords) }],
    max_tokens: tokens,
    ignore_eos: true,
  };
}

const { child, url } = await startServer();
try {
  // Warm-up: the first request pays for JIT compilation on both sides.
  await streamChatTimed({ url, body: request(10) });
  console.log(`live timing accuracy at time scale 1 (${url}), |client − simulated| in ms`);
  console.log(
    `${'scenario'.padEnd(34)}${'n'.padStart(7)}${'p50'.padStart(8)}${'p99'.padStart(8)}${'max'.padStart(8)}`,
  );
  const sequential: ObservedStream[] = [];
  for (let index = 0; index < singles; index++) {
    sequential.push(await streamChatTimed({ url, body: request(50 + index * 40) }));
  }
  const single = await errorsOf(url, sequential);
  console.log(row('single requests: TTFT', single.ttft));
  console.log(row('single requests: inter-token gaps', single.gaps));
  for (const size of bursts) {
    const streams = await Promise.all(
      Array.from({ length: size }, (_, index) =>
        streamChatTimed({ url, body: request(30 + ((index * 97) % 1500)) }),
      ),
    );
    const burst = await errorsOf(url, streams);
    console.log(row(`burst of ${size}: TTFT`, burst.ttft));
    console.log(row(`burst of ${size}: inter-token gaps`, burst.gaps));
  }
} finally {
  child.kill('SIGTERM');
}
