/**
 * @module Seeded random streams. Every random draw in the core comes from a stream made here, so
 * that one seed fixes a whole run and two simulations in one process never share state.
 */

/** A source of uniform numbers in [0, 1). */
export type RandomSource = () => number;

/** 32-bit FNV-1a over a string, used to derive independent stream seeds from names. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** SplitMix32 step: spreads a small or patterned seed over all 32 bits. */
function splitMix32(state: number): number {
  let value = (state + 0x9e3779b9) | 0;
  value = Math.imul(value ^ (value >>> 16), 0x85ebca6b);
  value = Math.imul(value ^ (value >>> 13), 0xc2b2ae35);
  return (value ^ (value >>> 16)) >>> 0;
}

/**
 * A named random stream for a seed: sfc32 seeded through SplitMix32, so that small seeds (0, 1, 2)
 * give well-mixed first draws and each name gives an independent sequence.
 */
export function createRandomStream(seed: number, name: string): RandomSource {
  const base = hashString(`${seed}:${name}`);
  let a = splitMix32(base);
  let b = splitMix32(a);
  let c = splitMix32(b);
  let d = splitMix32(c);
  // Discard the first outputs: sfc32 needs a few rounds to decorrelate from its seed words.
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let round = 0; round < 12; round++) next();
  return next;
}
