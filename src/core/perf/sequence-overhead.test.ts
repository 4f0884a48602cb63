import { describe, expect, it } from 'vitest';
import type { BatchShape, CostModel } from './cost-model.js';
import { SequenceOverheadCostModel } from './sequence-overhead.js';

const inner: CostModel = {
  kind: 'fixed',
  predict: () => ({
    seconds: 0.01,
    stageSeconds: 0.0095,
    overheadSeconds: 0.0005,
    breakdown: { mlp: 0.0095, overhead: 0.0005 },
  }),
};

const batch = (prefillSequences: number, decodeSequences: number): BatchShape => ({
  prefillTokens: prefillSequences * 100,
  prefillSequences,
  prefillAttentionPairs: 0,
  prefillKvTokens: prefillSequences * 100,
  decodeSequences,
  decodeKvTokens: decodeSequences * 500,
  sampledSequences: prefillSequences + decodeSequences,
});

describe('SequenceOverheadCostModel', () => {
  it('adds the per-sequence CPU time to the step and to its overhead, not to the GPU stage', () => {
    const model = new SequenceOverheadCostModel(inner, 50e-6);
    const prediction = model.predict(batch(2, 98), { tp: 1, pp: 1 });
    expect(prediction.seconds).toBeCloseTo(0.01 + 100 * 50e-6, 12);
    expect(prediction.overheadSeconds).toBeCloseTo(0.0005 + 0.005, 12);
    expect(prediction.stageSeconds).toBe(0.0095);
    expect(prediction.breakdown.overhead).toBeCloseTo(0.0055, 12);
    expect(model.kind).toBe('fixed');
  });

  it('changes nothing at zero cost', () => {
    const model = new SequenceOverheadCostModel(inner, 0);
    expect(model.predict(batch(1, 3), { tp: 1, pp: 1 })).toEqual(
      inner.predict(batch(1, 3), { tp: 1, pp: 1 }),
    );
  });
});
