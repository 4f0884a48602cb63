/**
 * @module Tests of single-token words: enough of the built-in candidates are one token in both
 * tokenizers, and any N of them joined re-encode to exactly N tokens.
 */

import { describe, expect, it } from 'vitest';
import { LOREM_CANDIDATE_WORDS, singleTokenWords } from './single-token-words.js';
import { loadTokenizer, TOKENIZER_KINDS, type Tokenizer } from './tokenizer.js';

/** A fixed pick of `count` words (repeats allowed), spread over the list by a prime step. */
function pickWords(words: readonly string[], count: number): string[] {
  return Array.from(
    { length: count },
    (_, index) => words[(index * 7919 + 13) % words.length] ?? '',
  );
}

describe('LOREM_CANDIDATE_WORDS', () => {
  it('holds about 200 distinct lower-case words without spaces', () => {
    expect(LOREM_CANDIDATE_WORDS.length).toBeGreaterThanOrEqual(180);
    expect(new Set(LOREM_CANDIDATE_WORDS).size).toBe(LOREM_CANDIDATE_WORDS.length);
    for (const word of LOREM_CANDIDATE_WORDS) expect(word).toMatch(/^[a-z]+$/);
  });
});

describe('singleTokenWords', () => {
  it('keeps only one-token words, with their leading space, in candidate order', () => {
    const fake: Tokenizer = {
      name: 'fake',
      encode: (text) => Array.from(text.trim(), (character) => character.charCodeAt(0)),
      decode: (tokenIds) => String.fromCharCode(...tokenIds),
    };
    expect(singleTokenWords(fake, ['b', ' a', 'long', 'b', 'c'])).toEqual([' b', ' a', ' c']);
  });

  it('finds at least 100 candidates that are one token in both llama3 and cl100k', async () => {
    const [llama3, cl100k] = await Promise.all(TOKENIZER_KINDS.map((kind) => loadTokenizer(kind)));
    if (llama3 === undefined || cl100k === undefined) throw new Error('tokenizers missing');
    const inCl100k = new Set(singleTokenWords(cl100k, LOREM_CANDIDATE_WORDS));
    const inBoth = singleTokenWords(llama3, LOREM_CANDIDATE_WORDS).filter((word) =>
      inCl100k.has(word),
    );
    expect(inBoth.length).toBeGreaterThanOrEqual(100);
  });

  describe.each(TOKENIZER_KINDS)('%s', (kind) => {
    it.each([1, 2, 7, 64, 100, 257, 500])(
      're-encodes %i joined words to exactly that many tokens',
      async (count) => {
        const tokenizer = await loadTokenizer(kind);
        const words = singleTokenWords(tokenizer, LOREM_CANDIDATE_WORDS);
        const text = pickWords(words, count).join('');
        expect(tokenizer.encode(text)).toHaveLength(count);
      },
    );

    it('is deterministic', async () => {
      const tokenizer = await loadTokenizer(kind);
      expect(singleTokenWords(tokenizer, LOREM_CANDIDATE_WORDS)).toEqual(
        singleTokenWords(tokenizer, LOREM_CANDIDATE_WORDS),
      );
    });
  });
});
