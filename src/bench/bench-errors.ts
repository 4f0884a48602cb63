/**
 * @module Errors of the benchmark client that the CLI reports in one line: the server cannot be
 * reached or refuses the client, or no request of a run succeeded. They use the catalogue's I/O
 * code (a network exchange is I/O); callers branch on the class.
 */

import { LlmServingSimError } from '../errors.js';

/** The base URL does not answer, or answers `/v1/models` with an error. */
export class BenchServerError extends LlmServingSimError {
  constructor(url: string, detail: string, options?: { cause?: unknown }) {
    super('LLMSIM_ERR_IO', `${url}: ${detail}`, options);
  }
}

/** Every request of a run failed; the message carries the first error. */
export class BenchAllRequestsFailedError extends LlmServingSimError {
  constructor(count: number, firstError: string) {
    super('LLMSIM_ERR_IO', `all ${count} requests failed; the first: ${firstError}`);
  }
}
