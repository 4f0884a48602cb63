/**
 * @module Parsers for numeric flags: they turn text into numbers and reject what is not a number;
 * ranges are checked later by the option schemas, which name the flag.
 */

import { InvalidArgumentError } from 'commander';

/** A finite number. */
export function parseNumberFlag(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) {
    throw new InvalidArgumentError('expected a number');
  }
  return number;
}

/** An integer. */
export function parseIntegerFlag(value: string): number {
  const number = parseNumberFlag(value);
  if (!Number.isInteger(number)) throw new InvalidArgumentError('expected an integer');
  return number;
}

/** A rate: a number, or `inf` for everything at once. */
export function parseRateFlag(value: string): number {
  const lower = value.trim().toLowerCase();
  if (lower === 'inf' || lower === 'infinity') return Number.POSITIVE_INFINITY;
  return parseNumberFlag(value);
}
