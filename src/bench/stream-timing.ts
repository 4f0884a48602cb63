/**
 * @module Client-side timing of one streaming chat completion: when the request was sent, when
 * each token chunk arrived, and the comparison with the simulator's own timeline of the same
 * request (from `GET /debug/requests/:id`). Times are Unix-epoch milliseconds from
 * `performance.timeOrigin + performance.now()`, which client and server processes on one machine
 * share, so each token's delivery can be compared with the wall time its simulated emission maps
 * to. The live-timing test and benchmark share this module.
 */

import { performance } from 'node:perf_hooks';
import { percentileOfSorted } from '../core/metrics/percentiles.js';
import { StreamObserver } from './stream-observer.js';

/** What a client saw of one streamed request; times in epoch ms. */
export interface ObservedStream {
  readonly requestId: string;
  readonly sentMs: number;
  /** Arrival of each token chunk (the role-only opening chunk excluded). */
  readonly tokenMs: readonly number[];
}

/** The simulator's timeline of a request as `/debug/requests/:id` returns it. */
export interface SimulatedTimeline {
  readonly arrival_s: number;
  readonly arrival_epoch_ms: number;
  /** Server wall ms from receiving the request to its engine arrival. */
  readonly handling_ms: number;
  readonly choices: readonly {
    readonly token_times_s: readonly number[];
    readonly token_epoch_ms: readonly number[];
  }[];
}

function epochNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Sends a streaming chat completion and records when each token chunk arrives. */
export async function streamChatTimed(options: {
  readonly url: string;
  readonly body: Record<string, unknown>;
  readonly timeoutMs?: number;
}): Promise<ObservedStream> {
  const sentMs = epochNowMs();
  const response = await fetch(`${options.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...options.body, stream: true }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
  });
  if (!response.ok || response.body === null) {
    throw new Error(`stream request failed: HTTP ${response.status} ${await response.text()}`);
  }
  const requestId = response.headers.get('x-request-id') ?? '';
  const observer = new StreamObserver();
  const decoder = new TextDecoder();
  for await (const bytes of response.body) {
    observer.feed(decoder.decode(bytes as Uint8Array, { stream: true }), epochNowMs());
  }
  const observed = observer.finish(epochNowMs());
  if (observed.error !== null) throw new Error(observed.error);
  // A chat stream opens with a role-only chunk, sent with the first token's: tokens are the rest.
  return { requestId, sentMs, tokenMs: observed.chunkTimesMs.slice(1) };
}

/** Client-observed minus simulated figures of one request, in ms. */
export interface TimingErrors {
  /** Client TTFT (from sending) minus simulated TTFT (from the engine's arrival); time scale 1. */
  readonly ttftErrorMs: number;
  /** Per token: when the client got it minus when its simulated emission fell on the wall clock. */
  readonly deliveryLatenessMs: readonly number[];
  /** Per inter-token gap: observed gap minus simulated gap; time scale 1. */
  readonly gapErrorsMs: readonly number[];
  /** From sending the request to the engine's arrival stamp (transfer, parsing, tokenizing). */
  readonly admissionMs: number;
}

/** Compares what the client saw with what the simulator decided (gaps and TTFT: time scale 1). */
export function timingErrors(observed: ObservedStream, timeline: SimulatedTimeline): TimingErrors {
  const choice = timeline.choices[0];
  const simulatedS = choice?.token_times_s ?? [];
  const simulatedEpochMs = choice?.token_epoch_ms ?? [];
  if (simulatedS.length !== observed.tokenMs.length) {
    throw new Error(
      `the client saw ${observed.tokenMs.length} tokens, the simulator emitted ${simulatedS.length}`,
    );
  }
  const tokenMs = observed.tokenMs;
  const gapErrorsMs: number[] = [];
  for (let index = 1; index < simulatedS.length; index++) {
    const observedGap = (tokenMs[index] as number) - (tokenMs[index - 1] as number);
    const simulatedGap = ((simulatedS[index] as number) - (simulatedS[index - 1] as number)) * 1000;
    gapErrorsMs.push(observedGap - simulatedGap);
  }
  const simulatedTtftMs = ((simulatedS[0] ?? Number.NaN) - timeline.arrival_s) * 1000;
  return {
    ttftErrorMs: (tokenMs[0] ?? Number.NaN) - observed.sentMs - simulatedTtftMs,
    deliveryLatenessMs: tokenMs.map((time, index) => time - (simulatedEpochMs[index] as number)),
    gapErrorsMs,
    admissionMs: timeline.arrival_epoch_ms - observed.sentMs,
  };
}

/** Percentile `p` (0–100) of the absolute values, interpolated as the metrics module does. */
export function absolutePercentile(values: readonly number[], p: number): number {
  return percentileOfSorted(Float64Array.from(values, Math.abs).sort(), p);
}
