/**
 * @module Lookups in a measured attention table (`AttentionSample` rows: prefill chunk tokens, their
 * prior KV tokens, decode sequences, their mean prior KV length). The rows fall in three families
 * that are interpolated separately, because a batch with both parts runs a different kernel shape
 * than either part alone: pure prefill over (chunk, prior KV), pure decode over (sequences, KV),
 * and mixed batches over all four coordinates. Sparse tables degrade per part: a family that is
 * missing, or that never varies along a coordinate the query needs, answers "unknown" (NaN) and
 * the cost model falls back to its analytical estimate for that part only.
 */

import type { InterpolationScale } from './interpolation.js';
import { type GridSample, NestedGrid } from './nested-grid.js';
import type { AttentionSample } from './operator-profile.js';

/**
 * Coordinate order of the mixed family's tree, outermost first, as indices into
 * (prefillChunk, kvPrefill, nDecode, kvDecode). On a complete grid the order does not change the
 * result; it matters where grids are ragged. The vllm019 tables are the union of a doubling grid
 * and a ×1.5 grid whose decode-KV axes start at 16 and 512, so decode KV goes outermost to keep
 * each branch on one grid. Decode count goes innermost: a held-out row of a grid is then
 * predicted along that axis, the roughest one (time steps with SM waves), so the held-out figure
 * is the conservative one. Held-out median error of the mixed rows of profiles-vllm019
 * RTXPRO6000 Llama-3.1-8B tp1 with decode count, decode KV or prior KV innermost: 4.95%, 1.08%,
 * 0.58% (LLMServingSim @ 5daddb2 as shipped in src/catalog/profiles, commit 0b90978).
 */
export const DEFAULT_MIXED_AXIS_ORDER: readonly number[] = [3, 1, 0, 2];

/**
 * Blend rule per coordinate. Linear beats log-log on every vllm019 table (held-out median error
 * of all attention rows, linear vs log-log: RTXPRO6000 Llama-3.1-8B tp1 4.79% vs 7.68%, Qwen3-32B
 * tp1 3.88% vs 7.35%, RTX4090 Llama-3.1-8B tp1 1.85% vs 5.59%; pure-prefill rows 0.69% vs 3.03%
 * on the first), and log-log on the decode count alone is worse still (7.82% mixed on the first).
 * Data: LLMServingSim profiles-vllm019 @ 5daddb2 as shipped in src/catalog/profiles (a0ae577).
 */
export const DEFAULT_ATTENTION_SCALES: readonly InterpolationScale[] = [
  'linear',
  'linear',
  'linear',
  'linear',
];

export interface AttentionTableOptions {
  /** Blend rule of every coordinate, or one per coordinate (chunk, prior KV, decodes, decode KV). */
  readonly scale?: InterpolationScale | readonly InterpolationScale[];
  /** Tree order of the mixed family (indices into the four coordinates). */
  readonly mixedAxisOrder?: readonly number[];
}

/** One attention layer's time split into its prefill and decode parts (µs); NaN = unknown. */
export interface AttentionSplit {
  prefillUs: number;
  decodeUs: number;
}

/** See the module comment. */
export class AttentionTable {
  /** Over (prefillChunk, kvPrefill); undefined when the table has no pure-prefill rows. */
  readonly prefill: NestedGrid | undefined;
  /** Over (nDecode, kvDecode). */
  readonly decode: NestedGrid | undefined;
  /** Over (prefillChunk, kvPrefill, nDecode, kvDecode). */
  readonly mixed: NestedGrid | undefined;
  /** Smallest measured pure-prefill time (µs): the launch-bound floor; NaN without prefill rows. */
  readonly prefillFloorUs: number;
  private readonly coordinates = new Float64Array(4);
  private readonly pair = new Float64Array(2);

  constructor(samples: readonly AttentionSample[], options: AttentionTableOptions = {}) {
    const scale = options.scale ?? DEFAULT_ATTENTION_SCALES;
    const scaleOf = (axis: number): InterpolationScale =>
      typeof scale === 'string' ? scale : (scale[axis] ?? 'linear');
    const prefill: GridSample[] = [];
    const decode: GridSample[] = [];
    const mixed: GridSample[] = [];
    for (const [prefillChunk, kvPrefill, nDecode, kvDecode, timeUs] of samples) {
      if (prefillChunk > 0 && nDecode > 0) {
        mixed.push({ coordinates: [prefillChunk, kvPrefill, nDecode, kvDecode], timeUs });
      } else if (prefillChunk > 0) {
        prefill.push({ coordinates: [prefillChunk, kvPrefill], timeUs });
      } else if (nDecode > 0) {
        decode.push({ coordinates: [nDecode, kvDecode], timeUs });
      }
    }
    this.prefillFloorUs = prefill.reduce(
      (floor, sample) => Math.min(floor, sample.timeUs),
      prefill.length > 0 ? Number.POSITIVE_INFINITY : Number.NaN,
    );
    this.prefill =
      prefill.length > 0 ? new NestedGrid(prefill, { scale: [scaleOf(0), scaleOf(1)] }) : undefined;
    this.decode =
      decode.length > 0 ? new NestedGrid(decode, { scale: [scaleOf(2), scaleOf(3)] }) : undefined;
    this.mixed =
      mixed.length > 0
        ? new NestedGrid(mixed, {
            scale: [scaleOf(0), scaleOf(1), scaleOf(2), scaleOf(3)],
            axisOrder: options.mixedAxisOrder ?? DEFAULT_MIXED_AXIS_ORDER,
          })
        : undefined;
  }

  /**
   * Fills `out` with one layer's attention time for the batch, split into prefill and decode parts.
   * A mixed batch's measured time is apportioned between the parts in proportion to the pure
   * families' estimates; without mixed rows the parts are the pure estimates (kernels run apart).
   */
  split(
    prefillChunk: number,
    kvPrefill: number,
    nDecode: number,
    kvDecode: number,
    out: AttentionSplit,
  ): void {
    const hasPrefill = prefillChunk > 0;
    const hasDecode = nDecode > 0;
    const prefillUs = hasPrefill ? this.pure(this.prefill, prefillChunk, kvPrefill) : 0;
    const decodeUs = hasDecode ? this.pure(this.decode, nDecode, kvDecode) : 0;
    out.prefillUs = prefillUs;
    out.decodeUs = decodeUs;
    if (!(hasPrefill && hasDecode) || this.mixed === undefined) return;
    const coordinates = this.coordinates;
    coordinates[0] = prefillChunk;
    coordinates[1] = kvPrefill;
    coordinates[2] = nDecode;
    coordinates[3] = kvDecode;
    if (!covers(this.mixed, coordinates)) return;
    const totalUs = this.mixed.at(coordinates);
    const knownPrefill = !Number.isNaN(prefillUs);
    const knownDecode = !Number.isNaN(decodeUs);
    if (knownPrefill && knownDecode && prefillUs + decodeUs > 0) {
      const prefillShare = prefillUs / (prefillUs + decodeUs);
      out.prefillUs = totalUs * prefillShare;
      out.decodeUs = totalUs - out.prefillUs;
    } else if (knownDecode) {
      out.decodeUs = Math.min(decodeUs, totalUs);
      out.prefillUs = totalUs - out.decodeUs;
    } else {
      // Only the total is known for sure; book it on the prefill part so it is counted once.
      out.prefillUs = knownPrefill ? Math.min(prefillUs, totalUs) : totalUs;
      out.decodeUs = totalUs - out.prefillUs;
    }
  }

  /** One layer's attention time (µs) for the batch, or undefined when a part is unknown. */
  at(
    prefillChunk: number,
    kvPrefill: number,
    nDecode: number,
    kvDecode: number,
  ): number | undefined {
    const out: AttentionSplit = { prefillUs: 0, decodeUs: 0 };
    this.split(prefillChunk, kvPrefill, nDecode, kvDecode, out);
    const total = out.prefillUs + out.decodeUs;
    return Number.isNaN(total) ? undefined : total;
  }

  private pure(grid: NestedGrid | undefined, first: number, second: number): number {
    if (grid === undefined) return Number.NaN;
    const pair = this.pair;
    pair[0] = first;
    pair[1] = second;
    return covers(grid, pair) ? grid.at(pair) : Number.NaN;
  }
}

/**
 * Whether a grid can answer at `coordinates`: on every axis it never varied along, the query must
 * sit at the one measured value (a prefill table measured only without prior KV cannot price a
 * chunk that attends to 10,000 cached tokens, and clamping would underestimate it badly).
 */
function covers(grid: NestedGrid, coordinates: ArrayLike<number>): boolean {
  for (let axis = 0; axis < grid.dimensions; axis++) {
    if (!grid.varies(axis) && coordinates[axis] !== grid.minimums[axis]) return false;
  }
  return true;
}
