import { describe, expect, it } from 'vitest';
import {
  type AttentionConstants,
  type AttentionWork,
  attentionSeconds,
  gemmSeconds,
  softMaximum,
  streamingSeconds,
} from './efficiency-curve.js';

describe('softMaximum', () => {
  it('is the hard max at infinite sharpness and the p-norm otherwise', () => {
    expect(softMaximum(3, 4, Number.POSITIVE_INFINITY)).toBe(4);
    expect(softMaximum(3, 4, 2)).toBeCloseTo(5, 12);
    expect(softMaximum(3, 4, 1)).toBeCloseTo(7, 12);
    expect(softMaximum(0, 0, 2)).toBe(0);
  });

  it('never falls below the larger term and does not overflow on tiny or large sharpness', () => {
    expect(softMaximum(1e-300, 2e-300, 50)).toBeGreaterThanOrEqual(2e-300);
    expect(softMaximum(1, 1, 1000)).toBeCloseTo(1, 2);
    expect(Number.isFinite(softMaximum(1e-9, 1e-3, 400))).toBe(true);
  });
});

describe('gemmSeconds and streamingSeconds', () => {
  const gemm = { flopsPerS: 1e15, bytesPerS: 1e12, sharpness: 2, floorS: 1e-6 };

  it('adds the fixed cost to the soft roofline, and costs nothing without work', () => {
    expect(gemmSeconds(3e9, 4e6, gemm)).toBeCloseTo(5e-6 + 1e-6, 15);
    expect(gemmSeconds(0, 0, gemm)).toBe(0);
  });

  it('is bandwidth plus a fixed cost for memory-bound kernels', () => {
    expect(streamingSeconds(1e6, { bytesPerS: 1e12, floorS: 2e-6 })).toBeCloseTo(3e-6, 15);
    expect(streamingSeconds(0, { bytesPerS: 1e12, floorS: 2e-6 })).toBe(0);
  });
});

describe('attentionSeconds', () => {
  const constants: AttentionConstants = {
    prefillFlopsPerS: 1e14,
    decodeBytesPerS: 1e12,
    secondsPerTileKey: 1e-8,
    decodeSequenceS: 1e-7,
    mixedDecodeBytesPerS: 5e11,
    concurrentTiles: 100,
    floorS: 5e-6,
  };
  const none: AttentionWork = {
    prefillFlops: 0,
    prefillBytes: 0,
    prefillTileKeys: 0,
    decodeBytes: 0,
    decodeSequences: 0,
    decodeTileKeys: 0,
    decodeTiles: 0,
    queryHeadsPerKvHead: 4,
    decodesInPrefillKernel: false,
  };

  it('is zero for an empty batch', () => {
    expect(attentionSeconds(none, constants)).toEqual({ prefillS: 0, decodeS: 0 });
  });

  it('takes the slowest of FLOPs, bytes and the tile walk for a prefill, plus the floor', () => {
    const flopBound = attentionSeconds(
      { ...none, prefillFlops: 1e9, prefillTileKeys: 10 },
      constants,
    );
    expect(flopBound.prefillS).toBeCloseTo(1e-5 + 5e-6, 15);
    const walkBound = attentionSeconds(
      { ...none, prefillFlops: 1e6, prefillTileKeys: 10_000 },
      constants,
    );
    expect(walkBound.prefillS).toBeCloseTo(1e-4 + 5e-6, 15);
  });

  it('prices decode-only batches by bytes and sequences, mixed ones by re-reads or tile waves', () => {
    const decodes = {
      ...none,
      decodeBytes: 1e7,
      decodeSequences: 50,
      decodeTileKeys: 1000,
      decodeTiles: 1600,
    };
    expect(attentionSeconds(decodes, constants).decodeS).toBeCloseTo(1e-5 + 5e-6 + 5e-6, 15);
    const mixed = attentionSeconds(
      { ...decodes, prefillFlops: 1e6, prefillTileKeys: 1 },
      constants,
    );
    // max(4 × 1e7 / 5e11 = 80 µs, 16 waves × 1000 keys × 10 ns = 160 µs); the floor goes to prefill.
    expect(mixed.decodeS).toBeCloseTo(1.6e-4, 15);
    expect(mixed.prefillS).toBeCloseTo(1e-8 + 5e-6, 15);
    const alone = attentionSeconds({ ...decodes, decodesInPrefillKernel: true }, constants);
    expect(alone.decodeS).toBeCloseTo(1.6e-4 + 5e-6, 15);
  });
});
