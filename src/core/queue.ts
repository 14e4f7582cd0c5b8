// An unbounded FIFO ring buffer. push and shift are O(1) (amortized for push,
// which doubles the capacity when full); nothing is ever copied on shift,
// unlike Array#shift which moves every remaining element.

const INITIAL_CAPACITY = 16; // a power of two, so index wrapping is a mask
// Storage above this is given back once the queue is empty again: a burst's
// backlog must not pin its peak size for the life of a long-running
// subscription (growing again costs O(1) per push, amortized, as before).
const KEEP_CAPACITY = 1024;

/** Unbounded FIFO queue with O(1) push and shift. */
export class Queue<T> {
  #items: (T | undefined)[] = new Array<T | undefined>(INITIAL_CAPACITY);
  #mask = INITIAL_CAPACITY - 1;
  #head = 0; // index of the oldest item
  #length = 0;

  /** Number of queued items. */
  get length(): number {
    return this.#length;
  }

  /** Slots allocated now (at least `length`). */
  get capacity(): number {
    return this.#mask + 1;
  }

  /** Appends an item at the tail. */
  push(item: T): void {
    if (this.#length > this.#mask) this.#grow();
    this.#items[(this.#head + this.#length) & this.#mask] = item;
    this.#length++;
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const index = this.#head;
    const item = this.#items[index];
    this.#items[index] = undefined; // drop the reference so the item can be collected
    this.#head = (index + 1) & this.#mask;
    this.#length--;
    if (this.#length === 0 && this.#mask >= KEEP_CAPACITY) this.clear();
    return item;
  }

  /** The oldest item without removing it. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  /** Drops every item and releases the storage. */
  clear(): void {
    this.#items = new Array<T | undefined>(INITIAL_CAPACITY);
    this.#mask = INITIAL_CAPACITY - 1;
    this.#head = 0;
    this.#length = 0;
  }

  // Doubles the capacity, unrolling the ring so the oldest item lands at 0.
  #grow(): void {
    const old = this.#items;
    const capacity = old.length * 2;
    const items = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.#length; i++) items[i] = old[(this.#head + i) & this.#mask];
    this.#items = items;
    this.#mask = capacity - 1;
    this.#head = 0;
  }
}
