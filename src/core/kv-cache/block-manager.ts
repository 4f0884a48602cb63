/**
 * @module Paged KV-cache block accounting. Each request owns whole blocks of `blockSize` token slots;
 * a request grows its allocation as its context grows and returns every block when it ends or is
 * preempted. Counting is enough here: without prefix caching, which physical block a request holds
 * changes no timing.
 */

/** Anything that can hold KV blocks (the engine's requests). */
export interface KvBlockHolder {
  allocatedBlocks: number;
}

export class KvBlockManager {
  readonly totalBlocks: number;
  readonly blockSize: number;
  private used = 0;
  private peakUsed = 0;

  constructor(totalBlocks: number, blockSize: number) {
    if (!Number.isInteger(totalBlocks) || totalBlocks < 1) {
      throw new RangeError(`totalBlocks must be a positive integer, got ${totalBlocks}`);
    }
    if (!Number.isInteger(blockSize) || blockSize < 1) {
      throw new RangeError(`blockSize must be a positive integer, got ${blockSize}`);
    }
    this.totalBlocks = totalBlocks;
    this.blockSize = blockSize;
  }

  get usedBlocks(): number {
    return this.used;
  }

  get freeBlocks(): number {
    return this.totalBlocks - this.used;
  }

  get peakUsedBlocks(): number {
    return this.peakUsed;
  }

  /** Blocks needed to hold `tokens` token slots. */
  blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.blockSize);
  }

  /**
   * Grows `holder`'s allocation so that it covers `tokens` slots. Returns false, changing nothing,
   * when there are not enough free blocks.
   */
  allocate(holder: KvBlockHolder, tokens: number): boolean {
    const extra = Math.ceil(tokens / this.blockSize) - holder.allocatedBlocks;
    if (extra <= 0) return true;
    if (extra > this.totalBlocks - this.used) return false;
    holder.allocatedBlocks += extra;
    this.used += extra;
    if (this.used > this.peakUsed) this.peakUsed = this.used;
    return true;
  }

  /** Returns every block `holder` owns. */
  free(holder: KvBlockHolder): void {
    this.used -= holder.allocatedBlocks;
    holder.allocatedBlocks = 0;
  }
}
