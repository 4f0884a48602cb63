/**
 * @module Tests of the profile catalog: the schema refuses broken files (order, lengths, times,
 * duplicates, format), the shipped profiles validate and are found by hardware, model, TP and
 * dtype, collective profiles by GPU, and user files load from a path and are cached.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { thrown } from '../../test/support/thrown.js';
import { isHeldOut, type OperatorProfile, sampleKey } from '../core/perf/operator-profile.js';
import { InvalidCatalogFileError } from '../errors.js';
import {
  collectiveProfileSchema,
  findCollectiveProfile,
  findProfile,
  listCollectiveProfiles,
  listProfiles,
  loadProfileFile,
  operatorProfileSchema,
  validateOperatorProfile,
} from './profile-catalog.js';

const GOOD: OperatorProfile = {
  format: 'llmservingsim-profile/1',
  hardware: 'RTX4090',
  model: 'meta-llama/Llama-3.1-8B',
  dtype: 'bf16',
  tp: 1,
  framework: 'vLLM 0.19.0 (eager)',
  source: { dataset: 'fixture', path: 'inline', licence: 'MIT', note: '' },
  tokenOperators: [
    { name: 'qkv_proj', scope: 'layer', count: 1, points: [1, 2, 4], timesUs: [20, 21, 22] },
  ],
  sequenceOperators: [{ name: 'lm_head', points: [1, 2], timesUs: [700, 710] }],
  attention: [
    [0, 0, 1, 16, 8.3],
    [16, 0, 0, 0, 9.1],
  ],
};

/** The first issue message of parsing `GOOD` changed by `change`. */
function firstIssue(change: (profile: Record<string, unknown>) => void): string | undefined {
  const copy = structuredClone(GOOD) as unknown as Record<string, unknown>;
  change(copy);
  const parsed = operatorProfileSchema.safeParse(copy);
  return parsed.success ? undefined : parsed.error.issues[0]?.message;
}

const firstOperator = (profile: Record<string, unknown>) =>
  (profile.tokenOperators as Record<string, unknown>[])[0] as Record<string, unknown>;

describe('operatorProfileSchema', () => {
  it('accepts a well-formed profile', () => {
    expect(operatorProfileSchema.safeParse(GOOD).success).toBe(true);
  });

  it('refuses points that do not strictly increase', () => {
    expect(firstIssue((profile) => (firstOperator(profile).points = [1, 4, 4]))).toBe(
      'points must be strictly increasing (4 then 4)',
    );
  });

  it('refuses curves whose points and times differ in length', () => {
    expect(firstIssue((profile) => (firstOperator(profile).timesUs = [20, 21]))).toBe(
      'points has 3 values but timesUs has 2',
    );
  });

  it('refuses zero, negative or non-finite times', () => {
    expect(firstIssue((profile) => (firstOperator(profile).timesUs = [20, 0, 22]))).toBeDefined();
    expect(
      firstIssue((profile) => {
        profile.attention = [[0, 0, 1, 16, -1]];
      }),
    ).toBeDefined();
    expect(
      firstIssue((profile) => (firstOperator(profile).timesUs = [20, 21, null])),
    ).toBeDefined();
  });

  it('refuses duplicate operators and duplicate attention coordinates', () => {
    expect(
      firstIssue((profile) => {
        profile.tokenOperators = [firstOperator(profile), firstOperator(profile)];
      }),
    ).toBe("operator 'qkv_proj' appears twice");
    expect(
      firstIssue((profile) => {
        profile.attention = [
          [0, 0, 1, 16, 8.3],
          [0, 0, 1, 16, 8.4],
        ];
      }),
    ).toBe('duplicate coordinates 0,0,1,16');
  });

  it('refuses an empty attention sample, an unknown operator, another format', () => {
    expect(
      firstIssue((profile) => {
        profile.attention = [[0, 5, 0, 5, 1]];
      }),
    ).toBe('a sample needs prefill tokens or decode sequences');
    expect(
      firstIssue((profile) => (firstOperator(profile).name = 'not_an_operator')),
    ).toBeDefined();
    expect(
      firstIssue((profile) => {
        profile.format = 'llmservingsim-profile/2';
      }),
    ).toBeDefined();
  });

  it('names the origin and the field in the error', () => {
    const error = thrown(() => validateOperatorProfile({ ...GOOD, tp: 0 }, 'my-profile.json'));
    expect(error).toBeInstanceOf(InvalidCatalogFileError);
    expect(error.message).toMatch(/^my-profile\.json: tp: /);
  });
});

describe('collectiveProfileSchema', () => {
  it('needs at least two GPUs per curve and increasing sizes', () => {
    const base = {
      format: 'llmservingsim-profile/1',
      hardware: 'H100',
      topology: 'dgx-nvswitch',
      source: GOOD.source,
      allReduce: [{ gpus: 2, points: [2048, 10240], timesUs: [7, 8] }],
      sendRecv: [],
    };
    expect(collectiveProfileSchema.safeParse(base).success).toBe(true);
    const oneGpu = { ...base, allReduce: [{ gpus: 1, points: [2048], timesUs: [7] }] };
    expect(collectiveProfileSchema.safeParse(oneGpu).success).toBe(false);
    const unordered = { ...base, allReduce: [{ gpus: 2, points: [4, 2], timesUs: [7, 8] }] };
    expect(collectiveProfileSchema.safeParse(unordered).success).toBe(false);
  });
});

describe('shipped profiles', () => {
  it('include the vLLM 0.19 profiles of Llama-3.1-8B on RTXPRO6000 and RTX4090', () => {
    const names = listProfiles().map(
      (entry) => `${entry.hardware} ${entry.model} ${entry.dtype} tp${entry.tp}`,
    );
    expect(names).toEqual(
      expect.arrayContaining([
        'RTXPRO6000 meta-llama/Llama-3.1-8B bf16 tp1',
        'RTXPRO6000 meta-llama/Llama-3.1-8B bf16 tp2',
        'RTX4090 meta-llama/Llama-3.1-8B bf16 tp1',
        'RTXPRO6000 Qwen/Qwen3-32B bf16 tp2',
        'H100 meta-llama/Llama-3.1-70B fp16 tp4',
        'A100-80GB meta-llama/Llama-2-7b-hf fp16 tp1',
      ]),
    );
  });

  it('all validate and say what their paths say', () => {
    for (const entry of listProfiles()) {
      const profile = findProfile({
        hardware: entry.hardware,
        modelId: entry.model,
        tp: entry.tp,
        dtype: entry.dtype,
      });
      expect(profile).toMatchObject({
        hardware: entry.hardware,
        model: entry.model,
        tp: entry.tp,
        dtype: entry.dtype,
      });
      expect(profile?.source.dataset.length).toBeGreaterThan(0);
    }
    for (const entry of listCollectiveProfiles()) {
      expect(findCollectiveProfile(entry.hardware, entry.topology)?.topology).toBe(entry.topology);
    }
  });

  it('keep every attention row of the vLLM 0.19 source, held-out ones included', () => {
    const profile = findProfile({
      hardware: 'RTXPRO6000',
      modelId: 'meta-llama/Llama-3.1-8B',
      tp: 1,
      dtype: 'bf16',
    });
    const attention = profile?.attention ?? [];
    expect(attention).toHaveLength(19364);
    const heldOut = attention.filter((sample) =>
      isHeldOut(sampleKey(profile as OperatorProfile, 'attention', sample.slice(0, 4))),
    );
    expect(heldOut.length / attention.length).toBeGreaterThan(0.15);
    expect(heldOut.length / attention.length).toBeLessThan(0.25);
  });

  it('are matched case-insensitively, through hardware aliases, and only exactly', () => {
    const query = { modelId: 'META-LLAMA/llama-3.1-8b', tp: 1, dtype: 'bf16' } as const;
    expect(findProfile({ ...query, hardware: 'rtxpro6000' })?.hardware).toBe('RTXPRO6000');
    expect(findProfile({ ...query, hardware: 'RTXPRO6000', tp: 8 })).toBeUndefined();
    expect(findProfile({ ...query, hardware: 'RTXPRO6000', dtype: 'fp8' })).toBeUndefined();
    expect(
      findProfile({
        ...query,
        hardware: 'RTXPRO6000',
        modelId: 'meta-llama/Llama-3.1-8B-Instruct',
      }),
    ).toBeUndefined();
    expect(findProfile({ ...query, hardware: 'no-such-gpu' })).toBeUndefined();
  });

  it('return the same object on a second lookup (files are cached)', () => {
    const query = {
      hardware: 'RTX4090',
      modelId: 'meta-llama/Llama-3.1-8B',
      tp: 1,
      dtype: 'bf16',
    } as const;
    expect(findProfile(query)).toBe(findProfile(query));
  });

  it('give the switched topology of a GPU that has several, or the one asked for', () => {
    expect(findCollectiveProfile('H100')?.topology).toBe('dgx-nvswitch');
    expect(findCollectiveProfile('h100', 'pairwise-nvlink')?.topology).toBe('pairwise-nvlink');
    expect(findCollectiveProfile('A100-80GB')?.allReduce.map((curve) => curve.gpus)).toEqual([
      2, 4, 8,
    ]);
    expect(findCollectiveProfile('RTX4090')).toBeUndefined();
  });
});

describe('user profile files', () => {
  const directory = mkdtempSync(join(tmpdir(), 'llmsim-profiles-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('load from a path, validated', () => {
    const path = join(directory, 'mine.json');
    writeFileSync(path, JSON.stringify({ ...GOOD, hardware: 'MyGPU' }));
    expect(loadProfileFile(path).hardware).toBe('MyGPU');
  });

  it('fail with the path and the broken field', () => {
    const path = join(directory, 'broken.json');
    writeFileSync(
      path,
      JSON.stringify({
        ...GOOD,
        tokenOperators: [{ ...GOOD.tokenOperators[0], points: [2, 1, 3] }],
      }),
    );
    const error = thrown(() => loadProfileFile(path));
    expect(error).toBeInstanceOf(InvalidCatalogFileError);
    expect(error.message).toBe(
      `${path}: tokenOperators.0.points.1: points must be strictly increasing (2 then 1)`,
    );
  });
});
