/**
 * @module Tests of the profile JSON writer: the text parses back to the same profile and keeps
 * one sample per line.
 */

import { describe, expect, it } from 'vitest';
import type { CollectiveProfile, OperatorProfile } from '../../core/perf/operator-profile.js';
import { formatCollectiveProfile, formatOperatorProfile } from './profile-json.js';

const PROFILE: OperatorProfile = {
  format: 'llmservingsim-profile/1',
  hardware: 'RTX4090',
  model: 'meta-llama/Llama-3.1-8B',
  dtype: 'bf16',
  tp: 1,
  framework: 'vLLM 0.19.0 (eager)',
  source: { dataset: 'd', path: 'p', licence: 'MIT', note: 'says "why"' },
  tokenOperators: [
    { name: 'qkv_proj', scope: 'layer', count: 1, points: [1, 2], timesUs: [20.5, 21] },
  ],
  sequenceOperators: [{ name: 'lm_head', points: [1], timesUs: [714] }],
  attention: [
    [0, 0, 1, 16, 8.352],
    [16, 0, 0, 0, 9.1],
  ],
  moe: [[1, 8, 50.23]],
};

describe('formatOperatorProfile', () => {
  const text = formatOperatorProfile(PROFILE);

  it('parses back to the same profile', () => {
    expect(JSON.parse(text)).toEqual(PROFILE);
  });

  it('puts each attention and MoE sample on its own line', () => {
    const lines = text.split('\n');
    expect(lines).toContain('[0,0,1,16,8.352],');
    expect(lines).toContain('[16,0,0,0,9.1]');
    expect(lines).toContain('[1,8,50.23]');
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('writes no attention or moe key when the profile has none', () => {
    const { attention: _attention, moe: _moe, ...bare } = PROFILE;
    const parsed = JSON.parse(formatOperatorProfile(bare));
    expect(parsed).toEqual(bare);
    expect('attention' in parsed).toBe(false);
  });
});

describe('formatCollectiveProfile', () => {
  it('parses back to the same profile', () => {
    const profile: CollectiveProfile = {
      format: 'llmservingsim-profile/1',
      hardware: 'H100',
      topology: 'dgx-nvswitch',
      source: { dataset: 'd', path: 'p', licence: 'MIT', note: '' },
      allReduce: [{ gpus: 2, points: [2048, 10240], timesUs: [7, 8] }],
      sendRecv: [],
    };
    expect(JSON.parse(formatCollectiveProfile(profile))).toEqual(profile);
  });
});
