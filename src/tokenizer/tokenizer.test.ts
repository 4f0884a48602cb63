/**
 * @module Tests of the raw tokenizers: both kinds meet the shared contract, Llama 3 ids and
 * counts are the package's exact ones, cl100k accepts special-token text, and loading is cached.
 */

import fc from 'fast-check';
import llama3Package from 'llama3-tokenizer-js';
import { describe, expect, it } from 'vitest';
import { describeTokenizerContract } from './tokenizer.contract.js';
import { loadTokenizer, TOKENIZER_KINDS } from './tokenizer.js';

for (const kind of TOKENIZER_KINDS) {
  describeTokenizerContract(kind, () => loadTokenizer(kind));
}

describe('llama3 tokenizer', () => {
  it.each([
    ['Hello world', [9906, 1917]],
    ['Hello world!', [9906, 1917, 0]],
    [' hello', [24748]],
    ['\n\n', [271]],
    ['assistant', [78191]],
  ])('encodes %j to the Llama 3 ids %j', async (text, tokenIds) => {
    const tokenizer = await loadTokenizer('llama3');
    expect(tokenizer.encode(text)).toEqual(tokenIds);
  });

  it('encodes a special-token string in the text as that special token, as vLLM does', async () => {
    const tokenizer = await loadTokenizer('llama3');
    expect(tokenizer.encode('<|eot_id|>x')).toEqual([128009, 87]);
  });

  it('uses the ids beyond cl100k for text only the Llama 3 vocabulary covers', async () => {
    const tokenizer = await loadTokenizer('llama3');
    // Hand-checked with the package: cl100k needs 6 tokens for this greeting.
    expect(tokenizer.encode(' Здравствуйте')).toEqual([121058, 28086, 20812, 127725]);
  });
});

describe('llama3 tokenizer with remembered pieces', () => {
  const packageEncode = (text: string) => llama3Package.encode(text, { bos: false, eos: false });
  const sample =
    "The quick brown fox's 12345 jumps—over “quoted” text!\n\n  Indented\tTab.  " +
    'Héllo wörld, ünïcödé 日本語のテキスト 🙂, Здравствуйте, مرحبا, नमस्ते. ' +
    "I'm sure they'll say it's 3.14159 or 2,718; WE'RE DONE'S?  \r\n end   ";

  it('gives the package’s own ids for mixed scripts, digits, contractions and whitespace', async () => {
    const tokenizer = await loadTokenizer('llama3');
    for (const text of [sample, sample.repeat(3), sample.toUpperCase(), ` ${sample}`, '']) {
      expect(tokenizer.encode(text)).toEqual(packageEncode(text));
    }
  });

  it('gives the package’s own ids for arbitrary text (property)', async () => {
    const tokenizer = await loadTokenizer('llama3');
    const pieces = fc.constantFrom(
      ' ',
      '  ',
      '\n',
      '\r\n',
      '\t',
      "'s",
      "'LL",
      '123',
      '4567',
      'word',
      ' Word',
      'é',
      '日本',
      '🙂',
      '—',
      '.',
      '!!',
      'x',
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 40, unit: 'binary' }), fc.array(pieces, { maxLength: 30 })),
        (input) => {
          const text = typeof input === 'string' ? input : input.join('');
          expect(tokenizer.encode(text)).toEqual(packageEncode(text));
        },
      ),
      { numRuns: 2000, seed: 3 },
    );
  });
});

describe('cl100k_base tokenizer', () => {
  it('encodes "Hello world" to [9906, 1917]', async () => {
    const tokenizer = await loadTokenizer('cl100k_base');
    expect(tokenizer.encode('Hello world')).toEqual([9906, 1917]);
  });

  it('encodes <|endoftext|> in the text as plain text instead of throwing', async () => {
    const tokenizer = await loadTokenizer('cl100k_base');
    const tokenIds = tokenizer.encode('<|endoftext|>');
    expect(tokenIds.length).toBeGreaterThan(1);
    expect(tokenIds).not.toContain(100257);
  });
});

describe('loadTokenizer', () => {
  it('returns the same promise and instance for repeated calls of one kind', async () => {
    const first = loadTokenizer('llama3');
    const second = loadTokenizer('llama3');
    expect(second).toBe(first);
    expect(await second).toBe(await first);
    expect(await loadTokenizer('cl100k_base')).not.toBe(await first);
  });
});
