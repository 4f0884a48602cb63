/**
 * @module Reading a request body as JSON, strictly: bytes that are not UTF-8, nesting deeper than
 * any OpenAI request needs, and `__proto__` / `constructor.prototype` keys are refused with a 400
 * before any route code sees the body. Fastify's own JSON parser decodes invalid bytes to U+FFFD
 * silently and recurses without a bound, so the server parses every content type here instead.
 */

import type { FastifyInstance } from 'fastify';
import { invalidRequest } from './api-error.js';

/**
 * Deepest nesting of arrays and objects accepted. OpenAI request bodies nest about six levels
 * (messages → content parts → image_url → …); tool schemas nest further, so the bound leaves
 * plenty of room while keeping a hostile `[[[[…` from costing anything.
 */
export const MAX_JSON_DEPTH = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The deepest nesting of `{`/`[` in JSON text (brackets inside strings do not count). */
export function jsonDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      // A backslash escapes the next character.
      if (code === 0x5c) index++;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b || code === 0x5b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (code === 0x7d || code === 0x5d) {
      depth--;
    }
  }
  return deepest;
}

/** Decodes body bytes as UTF-8, or throws a 400 naming the first bad byte. */
export function decodeUtf8(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    const valid = Buffer.from(bytes.toString('utf8').split('\uFFFD')[0] ?? '', 'utf8').length;
    throw invalidRequest(
      `The request body is not valid UTF-8 (invalid byte sequence at byte ${valid}).`,
      null,
      'invalid_encoding',
    );
  }
}

/**
 * Makes `app` parse every request body, whatever its content type (clients send JSON as
 * text/plain or form data too, e.g. `curl -d`), with the checks above. An empty body parses to
 * `undefined`, which the routes answer with "must be a JSON object".
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  // secure-json-parse, as Fastify configures it: refuse prototype-poisoning keys outright.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      const text = decodeUtf8(body as Buffer);
      if (text.trim() === '') {
        done(null, undefined);
        return;
      }
      if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
        throw invalidRequest(
          `The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`,
          null,
          'nesting_too_deep',
        );
      }
      parseJson(request, text, (error, value) => {
        if (error === null) {
          done(null, value);
          return;
        }
        done(jsonError(text), undefined);
      });
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/** Why JSON text did not parse: a syntax error (with V8's position) or a poisoning key. */
function jsonError(text: string) {
  try {
    JSON.parse(text);
  } catch (error) {
    return invalidRequest(
      `We could not parse the JSON body of your request. (${(error as Error).message})`,
    );
  }
  return invalidRequest(
    'The request body contains a "__proto__" or "constructor.prototype" key, which is refused.',
    null,
    'forbidden_key',
  );
}
