/**
 * @module `npm run bench:live`: live timing accuracy. Starts `llmservingsim serve` at time scale 1
 * in its own process (as users run it), streams chat completions at it, and compares the token
 * times the client observes with the simulator's timeline of the same requests, for sequential
 * single requests and for concurrent bursts. Prints p50 / p99 / max of: each token's delivery
 * lateness (client receipt − the wall time of its simulated emission), the error of each
 * inter-token gap, the TTFT error (client TTFT − simulated TTFT), and the admission time (sending
 * → the engine's arrival stamp). Flags: --singles 20 --bursts 8,32,128 --tokens 64.
 */

import { serveArguments, startListeningProcess } from '../src/bench/server-load-process.js';
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

async function errorsOf(url: string, streams: readonly ObservedStream[]) {
  const ttft: number[] = [];
  const gaps: number[] = [];
  const lateness: number[] = [];
  const admission: number[] = [];
  const handling: number[] = [];
  for (const stream of streams) {
    const timeline = (await (
      await fetch(`${url}/debug/requests/${stream.requestId}`)
    ).json()) as SimulatedTimeline;
    const errors = timingErrors(stream, timeline);
    ttft.push(errors.ttftErrorMs);
    gaps.push(...errors.gapErrorsMs);
    lateness.push(...errors.deliveryLatenessMs);
    admission.push(errors.admissionMs);
    handling.push(timeline.handling_ms);
  }
  return { ttft, gaps, lateness, admission, handling };
}

function row(label: string, values: readonly number[]): string {
  const cells = [50, 99, 100].map((p) => absolutePercentile(values, p).toFixed(2).padStart(8));
  const earliest = Math.min(...values)
    .toFixed(2)
    .padStart(9);
  return `${label.padEnd(40)}${String(values.length).padStart(7)}${cells.join('')}${earliest}`;
}

function rows(label: string, errors: Awaited<ReturnType<typeof errorsOf>>): void {
  console.log(row(`${label}: token delivery lateness`, errors.lateness));
  console.log(row(`${label}: inter-token gap error`, errors.gaps));
  console.log(row(`${label}: TTFT error`, errors.ttft));
  console.log(row(`${label}: admission (send -> arrival)`, errors.admission));
  console.log(row(`${label}:   of which server handling`, errors.handling));
}

function request(promptWords: number) {
  return {
    messages: [{ role: 'user', content: 'word '.repeat(promptWords) }],
    max_tokens: tokens,
    ignore_eos: true,
  };
}

const server = await startListeningProcess({
  nodeArguments: serveArguments(['--max-model-len', '8192']),
});
const { url } = server;
try {
  // Warm-up: the first request pays for JIT compilation on both sides.
  await streamChatTimed({ url, body: request(10) });
  console.log(
    `live timing accuracy at time scale 1 (${url}), ms; p50/p99/max of |value|, min signed`,
  );
  console.log(
    `${'scenario'.padEnd(40)}${'n'.padStart(7)}${'p50'.padStart(8)}${'p99'.padStart(8)}` +
      `${'max'.padStart(8)}${'min'.padStart(9)}`,
  );
  const sequential: ObservedStream[] = [];
  for (let index = 0; index < singles; index++) {
    sequential.push(await streamChatTimed({ url, body: request(50 + index * 40) }));
  }
  rows('single', await errorsOf(url, sequential));
  for (const size of bursts) {
    const cpuBeforeS = server.cpuSeconds();
    const streams = await Promise.all(
      Array.from({ length: size }, (_, index) =>
        streamChatTimed({ url, body: request(30 + ((index * 97) % 1500)) }),
      ),
    );
    const cpuS = server.cpuSeconds() - cpuBeforeS;
    rows(`burst ${size}`, await errorsOf(url, streams));
    console.log(
      `burst ${size}: server CPU ${(cpuS * 1000).toFixed(0)} ms = ` +
        `${((cpuS * 1e6) / (size * tokens)).toFixed(1)} µs per streamed token (all costs included)`,
    );
  }
} finally {
  await server.stop();
}
