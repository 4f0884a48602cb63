import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue } from './event-queue.js';

describe('EventQueue', () => {
  it('pops in time order, ties in insertion order', () => {
    const queue = new EventQueue<string>();
    queue.push(2, 'c');
    queue.push(1, 'a');
    queue.push(2, 'd');
    queue.push(1, 'b');
    expect(queue.peekTime()).toBe(1);
    expect([queue.pop(), queue.pop(), queue.pop(), queue.pop(), queue.pop()]).toEqual([
      'a',
      'b',
      'c',
      'd',
      undefined,
    ]);
    expect(queue.peekTime()).toBe(Number.POSITIVE_INFINITY);
  });

  it('matches a stable sort by time for any sequence of pushes and pops', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (times) => {
        const queue = new EventQueue<number>();
        times.forEach((time, index) => {
          queue.push(time, index);
        });
        const expected = times.map((time, index) => ({ time, index }));
        expected.sort((a, b) => a.time - b.time || a.index - b.index);
        const popped: number[] = [];
        while (queue.size > 0) popped.push(queue.pop() as number);
        expect(popped).toEqual(expected.map((entry) => entry.index));
      }),
      { numRuns: 200, seed: 3 },
    );
  });
});
