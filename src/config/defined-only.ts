/**
 * @module Dropping unset fields: flags and settings objects carry `undefined` for what the user
 * did not give, and spreading those over defaults or earlier values would erase them.
 */

/** `value` without its properties whose value is `undefined`. */
export function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
