import { describe, expect, it } from 'vitest';
import { type AttentionSplit, AttentionTable } from './attention-table.js';
import type { AttentionSample } from './operator-profile.js';

/** Synthetic per-layer times (µs), linear in each coordinate so interpolation is exact. */
const prefillTime = (chunk: number, kv: number) => 5 + 0.1 * chunk + 0.02 * kv;
const decodeTime = (n: number, kv: number) => 4 + 0.5 * n + 0.001 * n * kv;
/** A mixed batch costs more than its parts run apart (one kernel, worse occupancy). */
const mixedTime = (chunk: number, kvp: number, n: number, kvd: number) =>
  1.5 * (prefillTime(chunk, kvp) + decodeTime(n, kvd));

const chunks = [16, 64, 256, 1024];
const kvs = [0, 512, 4096];
const decodes = [1, 4, 16];
const decodeKvs = [16, 256, 4096];

function table(families: {
  prefill?: boolean;
  decode?: boolean;
  mixed?: boolean;
}): AttentionSample[] {
  const rows: AttentionSample[] = [];
  if (families.prefill !== false) {
    for (const c of chunks) for (const kv of kvs) rows.push([c, kv, 0, 0, prefillTime(c, kv)]);
  }
  if (families.decode !== false) {
    for (const n of decodes)
      for (const kv of decodeKvs) rows.push([0, 0, n, kv, decodeTime(n, kv)]);
  }
  if (families.mixed !== false) {
    for (const c of chunks)
      for (const kvp of kvs)
        for (const n of decodes)
          for (const kvd of decodeKvs) rows.push([c, kvp, n, kvd, mixedTime(c, kvp, n, kvd)]);
  }
  return rows;
}

function split(attention: AttentionTable, c: number, kvp: number, n: number, kvd: number) {
  const out: AttentionSplit = { prefillUs: -1, decodeUs: -1 };
  attention.split(c, kvp, n, kvd, out);
  return out;
}

describe('AttentionTable', () => {
  const full = new AttentionTable(table({}));

  it('prices a pure prefill from the prefill rows and a pure decode from the decode rows', () => {
    expect(split(full, 100, 1000, 0, 0)).toEqual({
      prefillUs: prefillTime(100, 1000),
      decodeUs: 0,
    });
    const decode = split(full, 0, 0, 8, 1000);
    expect(decode.prefillUs).toBe(0);
    expect(decode.decodeUs).toBeCloseTo(decodeTime(8, 1000), 9);
  });

  it('prices a mixed batch from the mixed rows, apportioned by the pure estimates', () => {
    const parts = split(full, 100, 1000, 8, 1000);
    const total = mixedTime(100, 1000, 8, 1000);
    expect(parts.prefillUs + parts.decodeUs).toBeCloseTo(total, 9);
    const share = prefillTime(100, 1000) / (prefillTime(100, 1000) + decodeTime(8, 1000));
    expect(parts.prefillUs / total).toBeCloseTo(share, 9);
    expect(full.at(100, 1000, 8, 1000)).toBeCloseTo(total, 9);
  });

  it('adds the pure parts when the table has no mixed rows', () => {
    const apart = new AttentionTable(table({ mixed: false }));
    expect(apart.at(100, 1000, 8, 1000)).toBeCloseTo(
      prefillTime(100, 1000) + decodeTime(8, 1000),
      9,
    );
  });

  it('marks a part unknown (NaN) when its family is missing, so only that part falls back', () => {
    const prefillOnly = new AttentionTable(table({ decode: false, mixed: false }));
    const parts = split(prefillOnly, 100, 1000, 8, 1000);
    expect(parts.prefillUs).toBe(prefillTime(100, 1000));
    expect(parts.decodeUs).toBeNaN();
    expect(prefillOnly.at(0, 0, 8, 1000)).toBeUndefined();
    expect(prefillOnly.decode).toBeUndefined();
  });

  it('does not stretch a table across a coordinate it never measured', () => {
    // Prefill measured only without prior KV (as in older profiles): fine at kv 0, unknown above.
    const noKv = new AttentionTable(
      chunks.map((c): AttentionSample => [c, 0, 0, 0, prefillTime(c, 0)]),
    );
    expect(noKv.at(100, 0, 0, 0)).toBeCloseTo(prefillTime(100, 0), 9);
    expect(noKv.at(100, 5000, 0, 0)).toBeUndefined();
  });

  it('knows its cheapest prefill, the launch-bound floor', () => {
    expect(full.prefillFloorUs).toBe(prefillTime(16, 0));
    expect(new AttentionTable(table({ prefill: false })).prefillFloorUs).toBeNaN();
  });

  it('answers zero for an empty batch', () => {
    expect(full.at(0, 0, 0, 0)).toBe(0);
  });
});
