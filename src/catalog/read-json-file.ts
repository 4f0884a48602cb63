/**
 * @module Reading a JSON catalog file with errors that name the file, and telling file paths from
 * catalog names.
 */

import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { FileAccessError, InvalidCatalogFileError } from '../errors.js';

/** Parses a JSON file; unreadable files and bad JSON become catalog errors naming the path. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new FileAccessError(path, `cannot read file (${reason})`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new InvalidCatalogFileError(path, `not valid JSON (${detail})`);
  }
}

/** Formats the first issues of a zod error as `path: message; …`. */
export function describeIssues(
  issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[],
): string {
  return issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/** A value meant as a file rather than a catalog name. */
export function looksLikePath(value: string): boolean {
  return value.endsWith('.json') || value.startsWith('.') || value.startsWith('/');
}

/**
 * Reads a JSON file and validates it; problems become an `InvalidCatalogFileError` naming the path
 * and the offending fields, after `what` when given (e.g. `not a usable config.json`).
 */
export function readCatalogFile<Schema extends z.ZodType>(
  path: string,
  schema: Schema,
  what?: string,
): z.output<Schema> {
  const parsed = schema.safeParse(readJsonFile(path));
  if (parsed.success) return parsed.data;
  const issues = describeIssues(parsed.error.issues);
  throw new InvalidCatalogFileError(path, what === undefined ? issues : `${what} (${issues})`);
}
