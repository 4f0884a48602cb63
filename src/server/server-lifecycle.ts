/**
 * @module The server's life after a stop signal: it stops taking requests (503 with OpenAI's
 * envelope, `/health` included, so load balancers look elsewhere), lets the completions in flight
 * finish, and reports when none are left. The live server waits on it up to `--shutdown-timeout`.
 */

import { ApiError } from './api-error.js';

/** In-flight completions and the draining flag, shared by the routes and the live server. */
export class ServerLifecycle {
  private inFlightCount = 0;
  private isDraining = false;
  private idleWaiters: (() => void)[] = [];
  // A set, not an AbortSignal: thousands of streams would each add a listener, and Node warns
  // about an EventTarget with more than ten.
  private readonly giveUpHandlers = new Set<() => void>();
  private givenUp = false;

  /** True once a shutdown began. */
  get draining(): boolean {
    return this.isDraining;
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  /**
   * Calls `handler` when the server stops waiting (completions still running then end with an
   * error); at once if it already has. Returns the function that cancels the call.
   */
  onGiveUp(handler: () => void): () => void {
    if (this.givenUp) {
      queueMicrotask(handler);
      return () => {};
    }
    this.giveUpHandlers.add(handler);
    return () => this.giveUpHandlers.delete(handler);
  }

  /** Ends every completion still in flight (after `--shutdown-timeout`). */
  abortInFlight(): void {
    this.beginDrain();
    if (this.givenUp) return;
    this.givenUp = true;
    const handlers = [...this.giveUpHandlers];
    this.giveUpHandlers.clear();
    for (const handler of handlers) handler();
  }

  /** Starts refusing new requests. */
  beginDrain(): void {
    this.isDraining = true;
  }

  /** Counts a completion from admission to its last byte; call the returned function once. */
  track(): () => void {
    this.inFlightCount++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlightCount--;
      if (this.inFlightCount === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const wake of waiters) wake();
      }
    };
  }

  /** Resolves true when no completion is in flight, or false after `timeoutMs`. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.inFlightCount === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((waiter) => waiter !== wake);
        resolve(false);
      }, timeoutMs);
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(wake);
    });
  }
}

/** The answer to a request that arrives while the server drains. */
export function shuttingDown(): ApiError {
  return new ApiError({
    statusCode: 503,
    type: 'server_error',
    message: 'The server is shutting down and takes no new requests.',
    code: 'service_unavailable',
    headers: { connection: 'close' },
  });
}
