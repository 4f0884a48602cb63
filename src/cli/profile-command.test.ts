/**
 * @module Tests of `llmservingsim profile import|list` run in-process: an import round trip on a
 * fixture folder in a temporary directory, one-line errors with exit status 2, and the listing of
 * the shipped profiles.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCapturedCli as run } from '../../test/support/run-cli.js';
import { loadProfileFile } from '../catalog/profile-catalog.js';
import { EXIT_USAGE } from './main.js';

const root = mkdtempSync(join(tmpdir(), 'llmsim-profile-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const tpFolder = join(root, 'data/RTXPRO6000/meta-llama/Llama-3.1-8B/bf16/tp1');
mkdirSync(tpFolder, { recursive: true });
writeFileSync(
  join(tpFolder, 'dense.csv'),
  'layer,tokens,time_us\nembedding,1,3.14734\nembedding,2,3.381\nlayernorm,1,2.4\n',
);
writeFileSync(join(tpFolder, 'per_sequence.csv'), 'layer,sequences,time_us\nlm_head,1,714.006\n');
writeFileSync(
  join(tpFolder, 'attention.csv'),
  'prefill_chunk,kv_prefill,n_decode,kv_decode,time_us\n0,0,1,16,8.35233\n2048,0,0,0,400.1\n',
);

describe('profile import', () => {
  it('converts a folder to a profile file that loads back', async () => {
    const out = join(root, 'mine.json');
    const result = await run(['profile', 'import', '--layout', 'vllm019', tpFolder, '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      `wrote ${out}: RTXPRO6000 meta-llama/Llama-3.1-8B bf16 tp1 (2 token operators, 1 sequence operator, 2 attention rows)\n`,
    );
    const profile = loadProfileFile(out);
    expect(profile.tokenOperators.map((operator) => [operator.name, operator.count])).toEqual([
      ['embedding', 1],
      ['input_layernorm', 2],
    ]);
    expect(profile.attention).toEqual([
      [0, 0, 1, 16, 8.352],
      [2048, 0, 0, 0, 400.1],
    ]);
    expect(profile.source.path).toBe(`${tpFolder}/{dense,per_sequence,attention}.csv`);
  });

  it('takes --hardware and --model over what the path says', async () => {
    const out = join(root, 'tree');
    const result = await run([
      'profile',
      'import',
      '--layout',
      'vllm019',
      tpFolder,
      '--out',
      out,
      '--hardware',
      'RTX4090',
      '--model',
      'llama-3-8b',
    ]);
    expect(result.exitCode).toBe(0);
    const path = join(out, 'RTX4090/meta-llama/Meta-Llama-3-8B/bf16/tp1.json');
    expect(result.stdout.startsWith(`wrote ${path}: RTX4090 meta-llama/Meta-Llama-3-8B`)).toBe(
      true,
    );
    expect(loadProfileFile(path).model).toBe('meta-llama/Meta-Llama-3-8B');
  });

  it('fails in one line with status 2 on a missing source, a bad layout or no --out', async () => {
    const missing = await run([
      'profile',
      'import',
      '--layout',
      'v0',
      join(root, 'nowhere'),
      '--out',
      join(root, 'x.json'),
    ]);
    expect(missing.exitCode).toBe(EXIT_USAGE);
    expect(missing.stderr).toBe(
      `llmservingsim: error: ${join(root, 'nowhere')}: no such file or folder\n`,
    );

    const layout = await run(['profile', 'import', '--layout', 'csv', tpFolder, '--out', 'x.json']);
    expect(layout.exitCode).toBe(EXIT_USAGE);
    expect(layout.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(layout.stderr).toContain(
      'Allowed choices are vllm019, v0, vidur-compute, vidur-network',
    );

    const noOut = await run(['profile', 'import', '--layout', 'vllm019', tpFolder]);
    expect(noOut.exitCode).toBe(EXIT_USAGE);
    expect(noOut.stderr).toContain("required option '--out <path>' not specified");
  });
});

describe('profile list', () => {
  it('prints every shipped profile with its tables and source', async () => {
    const result = await run(['profile', 'list']);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^hardware\s+model\s+tp\s+dtype\s+tables\s+attention rows/);
    const row = lines.find((line) =>
      /^RTXPRO6000\s+meta-llama\/Llama-3\.1-8B\s+1\s+bf16/.test(line),
    );
    expect(row).toMatch(/token\(9\) sequence\(2\) attention\s+19364\s+0\s+vLLM 0\.19\.0 \(eager\)/);
    expect(result.stdout).toMatch(/\nH100\s+dgx-nvswitch\s+2,4,8\s+2\s+Vidur/);
  });
});
