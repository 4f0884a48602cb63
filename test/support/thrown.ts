/**
 * @module Test helper: run an action that must throw and return the error, to inspect its class,
 * code and message.
 */

/** The error `action` throws; fails the test when it throws nothing or a non-Error. */
export function thrown(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error('expected an error, none was thrown');
}
