import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveWorkload } from '../config/workload-options.js';
import { loadModelTokenizer, type ModelTokenizer } from '../tokenizer/index.js';
import { type BenchDatasetOptions, buildBenchDataset } from './bench-dataset.js';
import { readShareGptFile } from './sharegpt-file.js';

const LLAMA = 'meta-llama/Llama-3.1-8B-Instruct';
/** A family without a bundled tokenizer: counted with the cl100k_base estimator. */
const ESTIMATED = 'Qwen/Qwen2.5-7B-Instruct';

const base: BenchDatasetOptions = {
  dataset: { kind: 'random' },
  numPrompts: 40,
  requestRatePerS: 10,
  burstiness: undefined,
  inputLen: 'uniform:1:300',
  outputLen: '16',
  seed: 5,
};

let directory: string;
let llama: ModelTokenizer;
let estimated: ModelTokenizer;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'bench-dataset-'));
  llama = await loadModelTokenizer(LLAMA);
  estimated = await loadModelTokenizer(ESTIMATED);
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('random dataset', () => {
  it('writes prompts of exactly the planned token count for the exact and the estimated tokenizer', () => {
    for (const tokenizer of [llama, estimated]) {
      const dataset = buildBenchDataset(base, tokenizer);
      expect(dataset.requests).toHaveLength(40);
      for (const request of dataset.requests) {
        expect(tokenizer.encode(request.prompt)).toHaveLength(request.plannedInputTokens);
      }
    }
    expect(estimated.exact).toBe(false);
    expect(estimated.tokenizer.name).toBe('cl100k_base');
  });

  it('plans the same requests as `simulate` with the same flags, with distinct prompts', () => {
    const dataset = buildBenchDataset(base, llama);
    const simulated = [
      ...resolveWorkload({
        numRequests: 40,
        requestRate: 10,
        inputLen: 'uniform:1:300',
        outputLen: '16',
        seed: 5,
      }).requests,
    ];
    expect(
      dataset.requests.map(({ arrivalS, plannedInputTokens, plannedOutputTokens }) => ({
        arrivalS,
        inputTokens: plannedInputTokens,
        outputTokens: plannedOutputTokens,
      })),
    ).toEqual(
      simulated.map(({ arrivalS, inputTokens, outputTokens }) => ({
        arrivalS,
        inputTokens,
        outputTokens,
      })),
    );
    const prompts = new Set(dataset.requests.map((request) => request.prompt));
    expect(prompts.size).toBe(40);
    expect(dataset.ignoreEosByDefault).toBe(true);
  });

  it('refuses a burstiness without a finite rate', () => {
    expect(() =>
      buildBenchDataset({ ...base, requestRatePerS: Infinity, burstiness: 0.5 }, llama),
    ).toThrow(/--burstiness needs a finite --request-rate/);
  });
});

describe('sharegpt dataset', () => {
  it('without a file, uses the shipped length distribution and says so', () => {
    const dataset = buildBenchDataset(
      { ...base, dataset: { kind: 'sharegpt' }, inputLen: undefined, outputLen: undefined },
      llama,
    );
    expect(dataset.notes.join(' ')).toMatch(/synthetic prompts with the shipped ShareGPT length/);
    expect(dataset.ignoreEosByDefault).toBe(false);
    for (const request of dataset.requests) {
      expect(request.plannedInputTokens + request.plannedOutputTokens).toBeLessThanOrEqual(2048);
    }
    expect(() => buildBenchDataset({ ...base, dataset: { kind: 'sharegpt' } }, llama)).toThrow(
      /--input-len cannot be combined/,
    );
  });

  it('samples a file as vLLM does: first two turns, length filter, oversampling', () => {
    const path = join(directory, 'sharegpt.json');
    const longPrompt = ' lorem'.repeat(1100);
    writeFileSync(
      path,
      JSON.stringify([
        { id: 'one-turn', conversations: [{ from: 'human', value: 'only a question here' }] },
        {
          id: 'short',
          conversations: [
            { from: 'human', value: 'hi' },
            { from: 'gpt', value: 'hello there friend' },
          ],
        },
        {
          id: 'long',
          conversations: [
            { from: 'human', value: longPrompt },
            { from: 'gpt', value: 'ok then fine' },
          ],
        },
        {
          id: 'good-1',
          conversations: [
            { from: 'human', value: 'What is the capital of France, {really}?' },
            { from: 'gpt', value: 'The capital of France is "Paris" [citation].' },
            { from: 'human', value: 'a third turn is ignored' },
          ],
        },
        {
          id: 'good-2',
          conversations: [
            { from: 'human', value: 'Write a haiku about the sea, please.' },
            {
              from: 'gpt',
              value:
                'Waves fold into foam, the tide keeps its patient time, salt on the cold wind.',
            },
          ],
        },
      ]),
    );
    const options = {
      ...base,
      dataset: { kind: 'sharegpt', path } as const,
      inputLen: undefined,
      outputLen: undefined,
      numPrompts: 5,
    };
    const dataset = buildBenchDataset(options, llama);
    expect(dataset.requests).toHaveLength(5);
    const usable = new Set([
      'What is the capital of France, {really}?',
      'Write a haiku about the sea, please.',
    ]);
    expect(dataset.requests.every((request) => usable.has(request.prompt))).toBe(true);
    expect(new Set(dataset.requests.map((request) => request.prompt)).size).toBe(2);
    for (const request of dataset.requests) {
      // vLLM counts with `tokenizer(text).input_ids`: Llama 3's BOS included.
      expect(request.plannedInputTokens).toBe(llama.encode(request.prompt).length + 1);
    }
    expect(dataset.notes.join(' ')).toMatch(/2 usable conversations, oversampled to 5/);
    // --output-len replaces the reference completion's length (and its minimum-length check).
    const fixed = buildBenchDataset({ ...options, outputLen: '3' }, llama);
    expect(fixed.requests.every((request) => request.plannedOutputTokens === 3)).toBe(true);
  });
});

describe('trace dataset', () => {
  it('replays arrivals and lengths from the trace and refuses a rate', () => {
    const path = join(directory, 'trace.jsonl');
    writeFileSync(
      path,
      [
        { input_toks: 12, output_toks: 3, arrival_time_ns: 0 },
        { input_toks: 40, output_toks: 5, arrival_time_ns: 500_000_000 },
        { input_toks: 7, output_toks: 2, arrival_time_ns: 1_250_000_000 },
      ]
        .map((row) => JSON.stringify(row))
        .join('\n'),
    );
    const options = {
      ...base,
      dataset: { kind: 'trace', path } as const,
      numPrompts: undefined,
      requestRatePerS: undefined,
      inputLen: undefined,
      outputLen: undefined,
    };
    const dataset = buildBenchDataset(options, llama);
    expect(dataset.requests.map((request) => request.arrivalS)).toEqual([0, 0.5, 1.25]);
    expect(dataset.requests.map((request) => request.plannedInputTokens)).toEqual([12, 40, 7]);
    expect(dataset.requests.map((request) => request.plannedOutputTokens)).toEqual([3, 5, 2]);
    expect(dataset.requests.map((request) => llama.encode(request.prompt).length)).toEqual([
      12, 40, 7,
    ]);
    expect(buildBenchDataset({ ...options, numPrompts: 2 }, llama).requests).toHaveLength(2);
    expect(() => buildBenchDataset({ ...options, requestRatePerS: 5 }, llama)).toThrow(/--trace/);
  });
});

describe('readShareGptFile', () => {
  it('splits a file larger than its read buffer, with braces and escapes inside strings', () => {
    const path = join(directory, 'large.json');
    const entries = Array.from({ length: 3000 }, (_, index) => ({
      id: `e${index}`,
      conversations: [
        {
          from: 'human',
          value: `question ${index} with "quotes", {braces} and [brackets] \\ ${'x'.repeat(300)}`,
        },
        { from: 'gpt', value: `answer ${index} — ünïcödé ✓` },
      ],
    }));
    writeFileSync(path, JSON.stringify(entries, null, 1));
    const pairs = readShareGptFile(path);
    expect(pairs).toHaveLength(3000);
    expect(pairs[2999]?.prompt).toBe(entries[2999]?.conversations[0]?.value);
    expect(pairs[1234]?.completion).toBe('answer 1234 — ünïcödé ✓');
  });

  it('refuses a file that is not a JSON array of objects', () => {
    const path = join(directory, 'bad.json');
    writeFileSync(path, '{"conversations": []}');
    expect(() => readShareGptFile(path)).toThrow(/not a ShareGPT JSON array/);
    expect(() => readShareGptFile(join(directory, 'missing.json'))).toThrow(/missing\.json/);
  });
});
