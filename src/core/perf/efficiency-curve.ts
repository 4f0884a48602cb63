/**
 * @module The time formulas of the analytical cost model, shared by the model and by the calibration
 * that fits their constants: a soft roofline for GEMMs, a fixed cost plus streaming time for
 * memory-bound kernels, and a tile model of FlashAttention for the attention layer. Each takes the
 * work (FLOPs, bytes, keys) and rates that already include the fitted efficiencies.
 */

/** Rates and fixed costs of GEMMs on one GPU. */
export interface GemmConstants {
  /** Usable FLOP/s when compute-bound (peak × compute efficiency). */
  readonly flopsPerS: number;
  /** Usable bytes/s when streaming weights (bandwidth × memory efficiency). */
  readonly bytesPerS: number;
  /**
   * Exponent n of the soft maximum (tᶜⁿ + tᵐⁿ)^(1/n) of compute and memory time: near the ridge
   * point a GEMM is neither purely compute- nor purely memory-bound and takes longer than either;
   * `Infinity` is the hard roofline max.
   */
  readonly sharpness: number;
  /** Fixed time of one GEMM kernel (launch, prologue, tail), added to the roofline time. */
  readonly floorS: number;
}

/** Seconds of one GEMM of `flops` and `bytes`; 0 when there is no work. */
export function gemmSeconds(flops: number, bytes: number, constants: GemmConstants): number {
  if (flops <= 0 && bytes <= 0) return 0;
  return (
    softMaximum(flops / constants.flopsPerS, bytes / constants.bytesPerS, constants.sharpness) +
    constants.floorS
  );
}

/** (aⁿ + bⁿ)^(1/n) for non-negative a, b, computed without overflow; the max when n is infinite. */
export function softMaximum(a: number, b: number, sharpness: number): number {
  const high = Math.max(a, b);
  if (high <= 0) return 0;
  if (sharpness === Number.POSITIVE_INFINITY) return high;
  const low = Math.min(a, b);
  return high * (1 + (low / high) ** sharpness) ** (1 / sharpness);
}

/** Rate and fixed cost of one kind of memory-bound kernel (norm, RoPE, activation, …). */
export interface StreamingConstants {
  /** Effective bytes/s (bandwidth × efficiency; above DRAM bandwidth when tensors sit in L2). */
  readonly bytesPerS: number;
  /** Fixed time of one kernel, paid even for one token. */
  readonly floorS: number;
}

/** Seconds of one memory-bound kernel moving `bytes`; 0 when it moves nothing. */
export function streamingSeconds(bytes: number, constants: StreamingConstants): number {
  if (bytes <= 0) return 0;
  return constants.floorS + bytes / constants.bytesPerS;
}

/** Work of one attention layer of a step on one GPU, in the terms of the attention formula. */
export interface AttentionWork {
  /** Causal prefill FLOPs (4 · heads · headDim per query–key pair). */
  readonly prefillFlops: number;
  /** KV and query/output bytes prefill attention moves. */
  readonly prefillBytes: number;
  /**
   * Keys the longest prefill query tile walks through (prior context plus chunk of one sequence),
   * scaled by headDim/128: one tile runs on one SM, so this bounds the time however wide the GPU.
   */
  readonly prefillTileKeys: number;
  /** KV bytes decode attention reads (plus its query/output bytes). */
  readonly decodeBytes: number;
  readonly decodeSequences: number;
  /** Mean context of a decode sequence, scaled by headDim/128 (keys one decode tile walks). */
  readonly decodeTileKeys: number;
  /** Query-head tiles of the decodes when they share a kernel with prefill (sequences × heads). */
  readonly decodeTiles: number;
  /** Query heads per KV head: how often each KV block is read when every query head is a tile. */
  readonly queryHeadsPerKvHead: number;
  /**
   * Whether decodes run in the prefill kernel even without a prefill in the batch: true for
   * measurements of FlashAttention's varlen kernel alone, false for vLLM, whose decode-only
   * batches take its split-KV decode path.
   */
  readonly decodesInPrefillKernel: boolean;
}

/** Fitted rates of the attention layer on one GPU. */
export interface AttentionConstants {
  /** Usable FLOP/s of prefill attention. */
  readonly prefillFlopsPerS: number;
  /** Usable bytes/s of a decode-only batch reading the KV cache. */
  readonly decodeBytesPerS: number;
  /** Time per key of one 128-query tile on one SM (head dim 128); 0 disables the tile bounds. */
  readonly secondsPerTileKey: number;
  /** Extra time per decode sequence of a decode-only batch (block tables, split-KV reduction). */
  readonly decodeSequenceS: number;
  /**
   * Bytes/s of decodes that share a kernel with prefill chunks: every query head reads its KV head
   * again as its own tile; `undefined` prices them like a decode-only batch.
   */
  readonly mixedDecodeBytesPerS: number | undefined;
  /** Tiles the GPU runs at once in a mixed batch (about one per SM). */
  readonly concurrentTiles: number;
  /** Fixed time of the attention layer (metadata, KV-cache write launch, kernel launch). */
  readonly floorS: number;
}

/** Prefill and decode seconds of one attention layer (the floor is in `prefillS` when any). */
export interface AttentionSeconds {
  readonly prefillS: number;
  readonly decodeS: number;
}

/**
 * Seconds of one attention layer. A prefill chunk costs the larger of its FLOPs, its bytes and the
 * walk of its longest tile through the keys. A decode-only batch is memory-bound plus a cost per
 * sequence. Decodes batched with a prefill run in the prefill kernel, one tile per query head: the
 * larger of re-reading each KV head per query head and the waves of tiles walking their keys
 * (decodes measured in that kernel alone are priced the same way).
 */
export function attentionSeconds(
  work: AttentionWork,
  constants: AttentionConstants,
): AttentionSeconds {
  const hasPrefill = work.prefillFlops > 0 || work.prefillBytes > 0;
  const hasDecode = work.decodeSequences > 0;
  if (!hasPrefill && !hasDecode) return { prefillS: 0, decodeS: 0 };
  const perKey = constants.secondsPerTileKey;
  let prefillS = 0;
  if (hasPrefill) {
    prefillS = Math.max(
      work.prefillFlops / constants.prefillFlopsPerS,
      work.prefillBytes / constants.decodeBytesPerS,
      work.prefillTileKeys * perKey,
    );
  }
  let decodeS = 0;
  if (hasDecode) {
    const tiled = hasPrefill || work.decodesInPrefillKernel;
    if (tiled && constants.mixedDecodeBytesPerS !== undefined) {
      // Fractional waves: decode lengths in a real batch differ, which smooths the quantisation.
      const waves = Math.max(1, work.decodeTiles / constants.concurrentTiles);
      decodeS = Math.max(
        (work.decodeBytes * work.queryHeadsPerKvHead) / constants.mixedDecodeBytesPerS,
        waves * work.decodeTileKeys * perKey,
      );
    } else {
      decodeS =
        work.decodeBytes / constants.decodeBytesPerS +
        work.decodeSequences * constants.decodeSequenceS;
    }
  }
  if (hasPrefill) prefillS += constants.floorS;
  else decodeS += constants.floorS;
  return { prefillS, decodeS };
}
