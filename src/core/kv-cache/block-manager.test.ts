import { describe, expect, it } from 'vitest';
import { KvBlockManager } from './block-manager.js';

describe('KvBlockManager', () => {
  it('allocates whole blocks as a holder grows and frees them all at once', () => {
    const kv = new KvBlockManager(10, 16);
    const holder = { allocatedBlocks: 0 };
    expect(kv.allocate(holder, 1)).toBe(true);
    expect(holder.allocatedBlocks).toBe(1);
    expect(kv.allocate(holder, 16)).toBe(true);
    expect(kv.usedBlocks).toBe(1);
    expect(kv.allocate(holder, 17)).toBe(true);
    expect(kv.usedBlocks).toBe(2);
    kv.free(holder);
    expect(holder.allocatedBlocks).toBe(0);
    expect(kv.usedBlocks).toBe(0);
    expect(kv.peakUsedBlocks).toBe(2);
  });

  it('refuses an allocation that does not fit and changes nothing', () => {
    const kv = new KvBlockManager(3, 4);
    const a = { allocatedBlocks: 0 };
    const b = { allocatedBlocks: 0 };
    expect(kv.allocate(a, 8)).toBe(true);
    expect(kv.allocate(b, 8)).toBe(false);
    expect(b.allocatedBlocks).toBe(0);
    expect(kv.freeBlocks).toBe(1);
    expect(kv.allocate(b, 4)).toBe(true);
    expect(kv.freeBlocks).toBe(0);
  });

  it('rejects impossible sizes', () => {
    expect(() => new KvBlockManager(0, 16)).toThrow(RangeError);
    expect(() => new KvBlockManager(10, 0)).toThrow(RangeError);
  });
});
