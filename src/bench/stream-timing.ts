/**
 * @module Client-side timing of one streaming chat completion: when the request was sent, when
 * each token chunk arrived, and the comparison with the simulator's own timeline of the same
 * request (from `GET /debug/requests/:id`). The live-timing test and benchmark share it.
 */

import { performance } from 'node:perf_hooks';
import { percentileOfSorted } from '../core/metrics/percentiles.js';

/** What a client saw of one streamed request; times in ms on `performance.now()`. */
export interface ObservedStream {
  readonly requestId: string;
  readonly sentMs: number;
  /** Arrival of each token chunk (the role-only opening chunk excluded). */
  readonly tokenMs: readonly number[];
}

/** The simulator's timeline of a request as `/debug/requests/:id` returns it. */
export interface SimulatedTimeline {
  readonly arrival_s: number;
  readonly choices: readonly { readonly token_times_s: readonly number[] }[];
}

/** Sends a streaming chat completion and records when each token chunk arrives. */
export async function streamChatTimed(options: {
  readonly url: string;
  readonly body: Record<string, unknown>;
  readonly timeoutMs?: number;
}): Promise<ObservedStream> {
  const sentMs = performance.now();
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
  const tokenMs: number[] = [];
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const bytes of response.body) {
    const arrivedMs = performance.now();
    buffered += decoder.decode(bytes as Uint8Array, { stream: true });
    let boundary = buffered.indexOf('\n\n');
    while (boundary >= 0) {
      const event = buffered.slice(0, boundary);
      buffered = buffered.slice(boundary + 2);
      boundary = buffered.indexOf('\n\n');
      if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
      const chunk = JSON.parse(event.slice(6)) as {
        choices: { delta?: { role?: string } }[];
      };
      const choice = chunk.choices[0];
      if (choice !== undefined && choice.delta?.role === undefined) tokenMs.push(arrivedMs);
    }
  }
  return { requestId, sentMs, tokenMs };
}

/** Client-observed minus simulated figures of one request, in ms (time scale 1). */
export interface TimingErrors {
  readonly ttftErrorMs: number;
  /** One per inter-token gap. */
  readonly gapErrorsMs: readonly number[];
}

/** Compares what the client saw with what the simulator decided, at a time scale of 1. */
export function timingErrors(observed: ObservedStream, timeline: SimulatedTimeline): TimingErrors {
  const simulatedMs = (timeline.choices[0]?.token_times_s ?? []).map((timeS) => timeS * 1000);
  if (simulatedMs.length !== observed.tokenMs.length) {
    throw new Error(
      `the client saw ${observed.tokenMs.length} tokens, the simulator emitted ${simulatedMs.length}`,
    );
  }
  const arrivalMs = timeline.arrival_s * 1000;
  const gapErrorsMs: number[] = [];
  for (let index = 1; index < simulatedMs.length; index++) {
    const observedGap =
      (observed.tokenMs[index] as number) - (observed.tokenMs[index - 1] as number);
    const simulatedGap = (simulatedMs[index] as number) - (simulatedMs[index - 1] as number);
    gapErrorsMs.push(observedGap - simulatedGap);
  }
  return {
    ttftErrorMs:
      (observed.tokenMs[0] ?? Number.NaN) - observed.sentMs - ((simulatedMs[0] ?? 0) - arrivalMs),
    gapErrorsMs,
  };
}

/** Percentile `p` (0–100) of the absolute values, interpolated as the metrics module does. */
export function absolutePercentile(values: readonly number[], p: number): number {
  return percentileOfSorted(Float64Array.from(values, Math.abs).sort(), p);
}
