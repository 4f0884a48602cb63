/**
 * @module Validates input against a zod schema, turning the first problem into a one-line
 * `InvalidConfigError` that names the offending setting as the user spells it.
 */

import type { z } from 'zod';
import { InvalidConfigError } from '../errors.js';

/** `maxNumSeqs` → `--max-num-seqs`. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/**
 * Parses `input`; on failure reports `invalid <what> <field>: <problem>`. With `what` = `flag`
 * the field is written as a command-line flag.
 */
export function parseWithSchema<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  what: string,
): z.output<Schema> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.map(String) ?? [];
  const field =
    path.length === 0
      ? ''
      : what === 'flag'
        ? ` ${flagName(path.join('.'))}`
        : ` '${path.join('.')}'`;
  throw new InvalidConfigError(`invalid ${what}${field}: ${issue?.message ?? 'invalid value'}`);
}
