/**
 * @module A binary min-heap of timed events. Ties in time are broken by insertion order (an explicit
 * sequence number), so the same inputs always replay in the same order.
 */

/** A queue entry: the payload plus the ordering keys. */
interface Entry<T> {
  readonly timeS: number;
  readonly sequence: number;
  readonly payload: T;
}

/** Min-heap keyed by (time, sequence). */
export class EventQueue<T> {
  private readonly heap: Entry<T>[] = [];
  private nextSequence = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Time of the earliest event, or `Infinity` when empty. */
  peekTime(): number {
    return this.heap.length > 0 ? (this.heap[0] as Entry<T>).timeS : Number.POSITIVE_INFINITY;
  }

  push(timeS: number, payload: T): void {
    const heap = this.heap;
    const entry: Entry<T> = { timeS, sequence: this.nextSequence++, payload };
    let index = heap.length;
    heap.push(entry);
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as Entry<T>;
      if (!precedes(entry, parent)) break;
      heap[index] = parent;
      index = parentIndex;
    }
    heap[index] = entry;
  }

  /** Removes and returns the earliest event's payload; `undefined` when empty. */
  pop(): T | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop() as Entry<T>;
    if (heap.length > 0) {
      let index = 0;
      const length = heap.length;
      for (;;) {
        const left = 2 * index + 1;
        if (left >= length) break;
        const right = left + 1;
        let child = left;
        if (right < length && precedes(heap[right] as Entry<T>, heap[left] as Entry<T>)) {
          child = right;
        }
        if (!precedes(heap[child] as Entry<T>, last)) break;
        heap[index] = heap[child] as Entry<T>;
        index = child;
      }
      heap[index] = last;
    }
    return top.payload;
  }
}

function precedes<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.timeS < b.timeS || (a.timeS === b.timeS && a.sequence < b.sequence);
}
