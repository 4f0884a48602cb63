/**
 * @module One accelerator as the cost and memory models see it: peak dense math, memory capacity
 * and bandwidth, and the link to its peers. Values come from the hardware catalog (SI units here).
 */

export type InterconnectKind = 'nvlink' | 'pcie' | 'infinity-fabric';

export interface HardwareSpec {
  /** Catalog name, e.g. `H100`. */
  readonly name: string;
  readonly description: string;
  readonly memoryBytes: number;
  readonly memoryBandwidthBytesPerS: number;
  /** Dense tensor-core peaks in FLOP/s; `fp8` is null on GPUs without FP8 tensor cores. */
  readonly peakFlopsPerS: {
    readonly bf16: number;
    readonly fp16: number;
    readonly fp8: number | null;
  };
  readonly interconnect: {
    readonly kind: InterconnectKind;
    /** Per-GPU bandwidth in one direction (vendors quote both directions combined). */
    readonly bandwidthBytesPerSPerDirection: number;
    /** Latency of one hop of a collective. */
    readonly latencyS: number;
  };
}
