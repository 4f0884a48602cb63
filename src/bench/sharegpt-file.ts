/**
 * @module Reads a ShareGPT JSON file (a top-level array of `{conversations: [{from, value}, …]}`)
 * as vLLM's ShareGPT dataset does: entries with fewer than two turns are dropped and each entry
 * contributes its first turn as the prompt and its second as the reference completion. The file
 * is split into array elements by a byte scanner, one element parsed at a time, because the
 * usual ShareGPT_V3 file (~670 MB) is longer than the longest string V8 can hold.
 */

import { closeSync, openSync, readSync } from 'node:fs';
import { FileAccessError } from '../errors.js';

/** The first two turns of one conversation. */
export interface ShareGptPair {
  readonly prompt: string;
  readonly completion: string;
}

const READ_BYTES = 1 << 20;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

function pairOf(entry: unknown): ShareGptPair | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const conversations = (entry as { conversations?: unknown }).conversations;
  if (!Array.isArray(conversations) || conversations.length < 2) return undefined;
  const turnText = (turn: unknown) =>
    typeof turn === 'object' && turn !== null ? (turn as { value?: unknown }).value : undefined;
  const prompt = turnText(conversations[0]);
  const completion = turnText(conversations[1]);
  if (typeof prompt !== 'string' || typeof completion !== 'string') return undefined;
  return { prompt, completion };
}

/**
 * Reads the usable pairs of a ShareGPT file, in file order.
 *
 * @throws FileAccessError when the file cannot be read or is not a JSON array of objects.
 */
export function readShareGptFile(path: string): ShareGptPair[] {
  let descriptor: number;
  try {
    descriptor = openSync(path, 'r');
  } catch (error) {
    throw new FileAccessError(path, (error as Error).message, { cause: error });
  }
  const pairs: ShareGptPair[] = [];
  const fail = (detail: string): never => {
    throw new FileAccessError(path, `not a ShareGPT JSON array: ${detail}`);
  };
  try {
    const buffer = Buffer.alloc(READ_BYTES);
    // Bytes of the element being read; structural characters are ASCII, so scanning bytes is
    // safe in UTF-8 (no multi-byte sequence contains a byte below 0x80).
    let element: Buffer[] = [];
    let elementStart = -1;
    let depth = 0;
    let inString = false;
    let escaped = false;
    let seenArray = false;
    let offset = 0;
    for (;;) {
      const read = readSync(descriptor, buffer, 0, READ_BYTES, offset);
      if (read === 0) break;
      offset += read;
      const chunk = buffer.subarray(0, read);
      for (let index = 0; index < read; index++) {
        const byte = chunk[index] as number;
        if (inString) {
          if (escaped) escaped = false;
          else if (byte === BACKSLASH) escaped = true;
          else if (byte === QUOTE) inString = false;
          continue;
        }
        if (!seenArray) {
          if (byte === OPEN_BRACKET) seenArray = true;
          else if (byte > 0x20) fail('it does not start with [');
          continue;
        }
        if (byte === QUOTE) {
          inString = true;
          continue;
        }
        if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
          if (depth === 0) elementStart = index;
          depth++;
        } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
          if (depth === 0) continue; // the array's own closing bracket
          depth--;
          if (depth === 0) {
            element.push(Buffer.from(chunk.subarray(Math.max(elementStart, 0), index + 1)));
            let entry: unknown;
            try {
              entry = JSON.parse(Buffer.concat(element).toString('utf8'));
            } catch (error) {
              fail((error as Error).message);
            }
            const pair = pairOf(entry);
            if (pair !== undefined) pairs.push(pair);
            element = [];
            elementStart = -1;
          }
        } else if (depth === 0 && byte !== COMMA && byte > 0x20) {
          fail('its elements must be objects');
        }
      }
      if (depth > 0) {
        element.push(Buffer.from(chunk.subarray(Math.max(elementStart, 0), read)));
        elementStart = 0;
      }
    }
    if (!seenArray) fail('the file is empty');
    if (depth > 0) fail('the file ends inside an element');
  } finally {
    closeSync(descriptor);
  }
  return pairs;
}
