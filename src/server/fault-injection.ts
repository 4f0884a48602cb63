/**
 * @module Injected failures, for users testing how their clients cope: a chosen fraction of the
 * valid completion requests fails with one of the chosen kinds. Whether and how request N fails
 * depends only on the seed and N, so a run with the same `--seed` and request order fails the
 * same requests the same way.
 */

import { createRandomStream } from '../core/workload/random.js';
import { ApiError } from './api-error.js';

/** The kinds of failure `--failure-kinds` may choose. */
export const FAILURE_KINDS = ['429', '500', '503', 'stream-error', 'stall'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** `--failure-rate` and `--failure-kinds`. */
export interface FaultSettings {
  /** Fraction (0–1) of requests that fail. */
  readonly rate: number;
  readonly kinds: readonly FailureKind[];
  readonly seed: number;
}

/** What happens to one request. */
export type InjectedFault =
  | { readonly kind: 'none' }
  /** Answered with an error status before it reaches the engine. */
  | { readonly kind: 'status'; readonly error: ApiError }
  /**
   * Runs, then after `afterTokens` tokens of its first choice either ends with an error
   * (`stream-error`: an error event, or a 500 without streaming) or goes silent (`stall`: the
   * connection stays open, nothing more is sent; the engine request is aborted).
   */
  | { readonly kind: 'stream-error' | 'stall'; readonly afterFraction: number };

/** Parses `--failure-kinds` (comma-separated), or throws naming the unknown kind. */
export function parseFailureKinds(text: string): FailureKind[] {
  const kinds = text
    .split(',')
    .map((kind) => kind.trim())
    .filter((kind) => kind !== '');
  for (const kind of kinds) {
    if (!(FAILURE_KINDS as readonly string[]).includes(kind)) {
      throw new Error(`unknown failure kind '${kind}'; choose from ${FAILURE_KINDS.join(', ')}`);
    }
  }
  if (kinds.length === 0) throw new Error(`choose at least one of ${FAILURE_KINDS.join(', ')}`);
  return [...new Set(kinds)] as FailureKind[];
}

function statusFault(kind: '429' | '500' | '503'): ApiError {
  const note = ' (injected by --failure-rate)';
  switch (kind) {
    case '429':
      return new ApiError({
        statusCode: 429,
        type: 'rate_limit_error',
        message: `Rate limit reached; retry after 1 s.${note}`,
        code: 'rate_limit_exceeded',
        headers: { 'retry-after': '1' },
      });
    case '500':
      return new ApiError({
        statusCode: 500,
        type: 'server_error',
        message: `The server had an error while processing your request.${note}`,
      });
    case '503':
      return new ApiError({
        statusCode: 503,
        type: 'server_error',
        message: `The engine is overloaded or unavailable; retry later.${note}`,
        code: 'service_unavailable',
        headers: { 'retry-after': '1' },
      });
  }
}

/** The fault of request number `requestNumber` (none when the rate is 0). */
export function faultFor(
  settings: FaultSettings | undefined,
  requestNumber: number,
): InjectedFault {
  if (settings === undefined || settings.rate <= 0 || settings.kinds.length === 0) {
    return { kind: 'none' };
  }
  const random = createRandomStream(settings.seed, `fault-${requestNumber}`);
  if (random() >= settings.rate) return { kind: 'none' };
  const kind = settings.kinds[Math.floor(random() * settings.kinds.length)] as FailureKind;
  if (kind === 'stream-error' || kind === 'stall') return { kind, afterFraction: random() };
  return { kind: 'status', error: statusFault(kind) };
}

/** The error a `stream-error` fault ends its request with. */
export function injectedStreamError(): ApiError {
  return new ApiError({
    statusCode: 500,
    type: 'server_error',
    message: 'The engine failed while generating this response. (injected by --failure-rate)',
  });
}
