/**
 * @module Synthetic replies re-tokenize to exactly as many tokens as were streamed, with the
 * served model's own tokenizer: lorem prose (words, full stops, capitalised openers) and the
 * echo of a prompt across repetitions, multi-byte characters included.
 */

import { describe, expect, it } from 'vitest';
import { resolveDeployment } from '../config/deployment.js';
import { createRandomStream } from '../core/workload/random.js';
import { createServedModel, type ServedModel } from './served-model.js';
import { ManualClock } from './simulation-clock.js';
import { echoText, tokenPieces } from './synthetic-text.js';

async function served(model: string): Promise<ServedModel> {
  return createServedModel({
    deployment: resolveDeployment({ model, maxModelLen: 4096 }),
    names: [],
    clock: new ManualClock(),
  });
}

describe.each(['meta-llama/Llama-3.1-8B-Instruct', 'Qwen/Qwen3-8B'])(
  'synthetic text for %s',
  (modelId) => {
    it('lorem: N pieces re-tokenize to exactly N tokens', async () => {
      const model = await served(modelId);
      for (const [seed, count] of [
        [1, 1],
        [2, 17],
        [3, 250],
        [4, 1000],
      ] as const) {
        const pieces = model.lorem.pieces(count, createRandomStream(seed, 'lorem'));
        expect(pieces).toHaveLength(count);
        expect(model.tokenizer.encode(pieces.join(''))).toHaveLength(count);
      }
      const text = model.lorem.pieces(200, createRandomStream(9, 'lorem')).join('');
      expect(text).toMatch(/^[A-Z]/);
      expect(text).toMatch(/\. [A-Z]/);
    });

    it('echo: the prompt repeated re-tokenizes to exactly as many tokens, seams included', async () => {
      const model = await served(modelId);
      const random = createRandomStream(1, 'echo');
      for (const prompt of [
        'one two three four five',
        'Héllo wörld — ünïcödé 日本語のテキスト 🙂 done',
        'line one\nline two\n',
        // Digits group in threes: repeated without a seam, '7' + '7' + '7' would be one token.
        '7',
      ]) {
        const pieces = tokenPieces(model.tokenizer.encode(prompt), (ids) =>
          model.tokenizer.decode(ids),
        );
        expect(pieces.join('')).toBe(prompt);
        const count = pieces.length * 3 + 2;
        const reply = echoText(pieces, model.lorem).pieces(count, random);
        expect(reply).toHaveLength(count);
        expect(model.tokenizer.encode(reply.join(''))).toHaveLength(count);
        expect(reply.join('').startsWith(prompt)).toBe(true);
      }
    });
  },
);
