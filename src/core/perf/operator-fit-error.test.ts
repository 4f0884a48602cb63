import { describe, expect, it } from 'vitest';
import { heldOutErrors, profileInterpolationPredictor } from './operator-fit-error.js';
import {
  type AttentionSample,
  isHeldOut,
  type MoeSample,
  type OperatorProfile,
  PROFILE_FORMAT,
  sampleKey,
} from './operator-profile.js';

/** Linear in every coordinate, so interpolation inside the grids is exact. */
const qkvTime = (tokens: number) => 20 + 0.1 * tokens;
const lmHeadTime = (sequences: number) => 500 + 2 * sequences;
const attentionTime = (chunk: number, kvp: number, n: number, kvd: number) =>
  5 + 0.1 * chunk + 0.01 * kvp + 2 * n + 0.001 * n * kvd + (chunk > 0 && n > 0 ? 7 : 0);
const moeTime = (tokens: number, experts: number) => 30 + 0.2 * tokens + 6 * experts;

const tokens = Array.from({ length: 64 }, (_, index) => 16 * (index + 1));
const sequences = Array.from({ length: 32 }, (_, index) => index + 1);

function syntheticProfile(): OperatorProfile {
  const attention: AttentionSample[] = [];
  for (const c of [0, 16, 32, 64, 128, 256])
    for (const kvp of c > 0 ? [0, 512, 1024, 2048, 4096] : [0])
      for (const n of [0, 1, 2, 4, 8, 16])
        for (const kvd of n > 0 ? [16, 256, 1024, 4096] : [0]) {
          if (c === 0 && n === 0) continue;
          attention.push([c, kvp, n, kvd, attentionTime(c, kvp, n, kvd)]);
        }
  const moe: MoeSample[] = [];
  for (const t of [1, 2, 4, 8, 16, 32, 64])
    for (const e of [1, 2, 4, 8]) moe.push([t, e, moeTime(t, e)]);
  return {
    format: PROFILE_FORMAT,
    hardware: 'TEST-GPU',
    model: 'test/model',
    dtype: 'bf16',
    tp: 1,
    framework: 'synthetic',
    source: { dataset: 'synthetic', path: 'test', licence: 'MIT', note: 'linear timings' },
    tokenOperators: [
      { name: 'qkv_proj', scope: 'layer', count: 1, points: tokens, timesUs: tokens.map(qkvTime) },
    ],
    sequenceOperators: [{ name: 'lm_head', points: sequences, timesUs: sequences.map(lmHeadTime) }],
    attention,
    moe,
  };
}

const profile = syntheticProfile();

/** The measured time of any sample, looked up from the synthetic functions. */
const exact = (table: string, coordinates: readonly number[]): number | undefined => {
  const [a = 0, b = 0, c = 0, d = 0] = coordinates;
  if (table === 'qkv_proj') return qkvTime(a);
  if (table === 'lm_head') return lmHeadTime(a);
  if (table === 'attention') return attentionTime(a, b, c, d);
  if (table === 'moe') return moeTime(a, b);
  return undefined;
};

function heldOutCount(table: string, keys: readonly (readonly number[])[]): number {
  return keys.filter((coordinates) => isHeldOut(sampleKey(profile, table, coordinates))).length;
}

describe('heldOutErrors', () => {
  it('hands every scored row to onRow, so profiles can be pooled', () => {
    const seen: string[] = [];
    const report = heldOutErrors(profile, exact, 'held-out', (table, relative) => {
      seen.push(table);
      expect(relative).toBe(0);
    });
    expect(seen).toHaveLength(report.overall.count);
    expect(seen.filter((table) => table === 'attention')).toHaveLength(
      report.tables.attention?.count ?? -1,
    );
  });

  it('scores exactly the held-out rows of every table', () => {
    const report = heldOutErrors(profile, exact);
    expect(report.rows).toBe('held-out');
    expect(report.tables.qkv_proj?.count).toBe(
      heldOutCount(
        'qkv_proj',
        tokens.map((x) => [x]),
      ),
    );
    expect(report.tables.attention?.count).toBe(
      heldOutCount(
        'attention',
        (profile.attention ?? []).map((row) => row.slice(0, 4)),
      ),
    );
    expect(report.tables.moe?.count).toBe(
      heldOutCount(
        'moe',
        (profile.moe ?? []).map((row) => row.slice(0, 2)),
      ),
    );
    const byKind = Object.values(report.attentionByKind).reduce(
      (sum, stats) => sum + stats.count,
      0,
    );
    expect(byKind).toBe(report.tables.attention?.count);
    expect(report.overall.count).toBeGreaterThan(0);
  });

  it('splits the rows into a train part and a held-out part that together make all of them', () => {
    const counts = (['train', 'held-out', 'all'] as const).map(
      (rows) => heldOutErrors(profile, exact, rows).overall.count,
    );
    expect((counts[0] as number) + (counts[1] as number)).toBe(counts[2]);
    // Roughly a fifth is held out.
    expect((counts[1] as number) / (counts[2] as number)).toBeGreaterThan(0.1);
    expect((counts[1] as number) / (counts[2] as number)).toBeLessThan(0.3);
  });

  it('reports zero error for a perfect predictor and the bias of a biased one', () => {
    const perfect = heldOutErrors(profile, exact, 'all').overall;
    expect(perfect.medianAbsPercent).toBe(0);
    expect(perfect.p90AbsPercent).toBe(0);
    const biased = heldOutErrors(profile, (table, coordinates) => {
      const value = exact(table, coordinates);
      return value === undefined ? undefined : value * 1.1;
    }).overall;
    expect(biased.medianAbsPercent).toBeCloseTo(10, 9);
    expect(biased.meanAbsPercent).toBeCloseTo(10, 9);
    expect(biased.signedMeanPercent).toBeCloseTo(10, 9);
  });

  it('counts rows the predictor cannot answer apart from the statistics', () => {
    const report = heldOutErrors(profile, (table, coordinates) =>
      table === 'attention' ? undefined : exact(table, coordinates),
    );
    expect(report.tables.attention?.count).toBe(0);
    expect(report.tables.attention?.unanswered).toBeGreaterThan(0);
    expect(report.tables.attention?.medianAbsPercent).toBeNaN();
    expect(report.overall.unanswered).toBe(report.tables.attention?.unanswered);
  });
});

describe('profileInterpolationPredictor', () => {
  it('predicts held-out rows of linear tables from the training rows alone', () => {
    const report = heldOutErrors(profile, profileInterpolationPredictor(profile, 'train'));
    // Interior rows are exact; only a held-out smallest point is clamped to its neighbour.
    expect(report.tables.qkv_proj?.medianAbsPercent).toBeLessThan(1e-9);
    expect(report.tables.attention?.medianAbsPercent).toBeLessThan(1e-9);
    expect(report.tables.moe?.medianAbsPercent).toBeLessThan(1e-9);
    expect(report.overall.unanswered).toBe(0);
  });

  it('does not see the held-out rows when built from the training split', () => {
    // A profile whose held-out rows are wildly off: the train-split predictor ignores them, the
    // all-rows predictor reproduces them.
    const poisoned: OperatorProfile = {
      ...profile,
      tokenOperators: [
        {
          name: 'qkv_proj',
          scope: 'layer',
          count: 1,
          points: tokens,
          timesUs: tokens.map((x) =>
            isHeldOut(sampleKey(profile, 'qkv_proj', [x])) ? 1e6 : qkvTime(x),
          ),
        },
      ],
    };
    const train = profileInterpolationPredictor(poisoned, 'train');
    const all = profileInterpolationPredictor(poisoned, 'all');
    const heldOutPoint = tokens.find((x) => isHeldOut(sampleKey(profile, 'qkv_proj', [x])));
    expect(heldOutPoint).toBeDefined();
    expect(train('qkv_proj', [heldOutPoint as number])).toBeLessThan(1000);
    expect(all('qkv_proj', [heldOutPoint as number])).toBe(1e6);
  });

  it('answers undefined for tables the profile does not have', () => {
    const { moe: _unused, ...withoutMoe } = profile;
    const predictor = profileInterpolationPredictor(withoutMoe, 'all');
    expect(predictor('moe', [4, 2])).toBeUndefined();
    expect(predictor('down_proj', [16])).toBeUndefined();
  });
});
