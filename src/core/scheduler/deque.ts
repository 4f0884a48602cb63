/**
 * @module A growable ring-buffer deque: O(1) push/pop at both ends, used for the waiting queue
 * (preempted requests go back to its front).
 */

export class Deque<T> {
  private buffer: (T | undefined)[] = new Array(16);
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  peekFront(): T | undefined {
    return this.count > 0 ? this.buffer[this.head] : undefined;
  }

  pushBack(item: T): void {
    if (this.count === this.buffer.length) this.grow();
    this.buffer[(this.head + this.count) & (this.buffer.length - 1)] = item;
    this.count++;
  }

  pushFront(item: T): void {
    if (this.count === this.buffer.length) this.grow();
    this.head = (this.head - 1) & (this.buffer.length - 1);
    this.buffer[this.head] = item;
    this.count++;
  }

  popFront(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.buffer[this.head];
    this.buffer[this.head] = undefined;
    this.head = (this.head + 1) & (this.buffer.length - 1);
    this.count--;
    return item;
  }

  /** Removes the first item for which `match` holds; returns whether one was removed. O(n). */
  removeFirst(match: (item: T) => boolean): boolean {
    for (let offset = 0; offset < this.count; offset++) {
      const index = (this.head + offset) & (this.buffer.length - 1);
      if (!match(this.buffer[index] as T)) continue;
      for (let shift = offset; shift < this.count - 1; shift++) {
        const to = (this.head + shift) & (this.buffer.length - 1);
        const from = (this.head + shift + 1) & (this.buffer.length - 1);
        this.buffer[to] = this.buffer[from];
      }
      this.buffer[(this.head + this.count - 1) & (this.buffer.length - 1)] = undefined;
      this.count--;
      return true;
    }
    return false;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let offset = 0; offset < this.count; offset++) {
      yield this.buffer[(this.head + offset) & (this.buffer.length - 1)] as T;
    }
  }

  private grow(): void {
    const next: (T | undefined)[] = new Array(this.buffer.length * 2);
    for (let offset = 0; offset < this.count; offset++) {
      next[offset] = this.buffer[(this.head + offset) & (this.buffer.length - 1)];
    }
    this.buffer = next;
    this.head = 0;
  }
}
