import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Deque } from './deque.js';

describe('Deque', () => {
  it('behaves like an array under random operations, growing past its first buffer', () => {
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('pushBack' as const), value: fc.integer() }),
      fc.record({ kind: fc.constant('pushFront' as const), value: fc.integer() }),
      fc.record({ kind: fc.constant('popFront' as const) }),
      fc.record({
        kind: fc.constant('removeFirst' as const),
        value: fc.integer({ min: -5, max: 5 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 120 }), (operations) => {
        const deque = new Deque<number>();
        const model: number[] = [];
        for (const op of operations) {
          switch (op.kind) {
            case 'pushBack':
              deque.pushBack(op.value);
              model.push(op.value);
              break;
            case 'pushFront':
              deque.pushFront(op.value);
              model.unshift(op.value);
              break;
            case 'popFront':
              expect(deque.popFront()).toBe(model.shift());
              break;
            case 'removeFirst': {
              const index = model.indexOf(op.value);
              expect(deque.removeFirst((item) => item === op.value)).toBe(index >= 0);
              if (index >= 0) model.splice(index, 1);
              break;
            }
          }
          expect(deque.size).toBe(model.length);
          expect(deque.peekFront()).toBe(model[0]);
        }
        expect([...deque]).toEqual(model);
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});
