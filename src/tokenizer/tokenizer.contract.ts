/**
 * @module The contract every `Tokenizer` implementation meets, as one shared suite: no special
 * tokens added, lossless round trips, determinism, and special-token-looking text accepted.
 */

import { describe, expect, it } from 'vitest';
import type { Tokenizer } from './tokenizer.js';

const ROUND_TRIP_TEXTS = [
  'Hello world',
  '  leading and trailing spaces  ',
  'line one\nline two\r\n\ttabbed',
  'Ünïcödé — naïve café, 日本語のテキスト, emoji 🦙🚀',
  'numbers 1234567890 and symbols !@#$%^&*()[]{}',
  '<|im_start|>user\nhi<|im_end|> <s>[INST] x [/INST]</s>',
];

/** Runs the shared tokenizer contract against the tokenizer `load` resolves to. */
export function describeTokenizerContract(
  expectedName: string,
  load: () => Promise<Tokenizer>,
): void {
  describe(`Tokenizer contract: ${expectedName}`, () => {
    it('reports its name', async () => {
      expect((await load()).name).toBe(expectedName);
    });

    it('adds no special tokens: the empty string encodes to nothing', async () => {
      const tokenizer = await load();
      expect(tokenizer.encode('')).toEqual([]);
      expect(tokenizer.decode([])).toBe('');
    });

    it.each(ROUND_TRIP_TEXTS)('decodes what it encoded back to the same text: %j', async (text) => {
      const tokenizer = await load();
      const tokenIds = tokenizer.encode(text);
      expect(tokenIds.length).toBeGreaterThan(0);
      expect(tokenIds.every((tokenId) => Number.isInteger(tokenId) && tokenId >= 0)).toBe(true);
      expect(tokenizer.decode(tokenIds)).toBe(text);
    });

    it('is deterministic and concatenation-stable across whole words', async () => {
      const tokenizer = await load();
      const text = 'The quick brown fox jumps over the lazy dog.';
      expect(tokenizer.encode(text)).toEqual(tokenizer.encode(text));
      expect(tokenizer.encode('Hello world')).toEqual([
        ...tokenizer.encode('Hello'),
        ...tokenizer.encode(' world'),
      ]);
    });

    it('accepts a frozen array of ids', async () => {
      const tokenizer = await load();
      const tokenIds = Object.freeze(tokenizer.encode('frozen input'));
      expect(tokenizer.decode(tokenIds)).toBe('frozen input');
    });
  });
}
