// The design containerd (runc/reaper, before #4009) and rust-extensions moved
// away from, written small for the comparison: every subscriber has a bounded
// queue (a Go channel of capacity 128) and publish is a blocking send that
// awaits room in each subscriber's queue in turn. Nothing is dropped, so a
// consumer that stalls stalls the publisher, and through it the reaper.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Listener, Sequenced } from './consumers.js';
import { DELIVERY_SLICE_MS } from './sizes.js';

/** The baseline's event: the same fields exitmon's ExitEvent carries. */
export interface BoundedEvent extends Sequenced {
  readonly pid: number;
  readonly code: number | null;
  readonly signal: string | null;
  readonly status: number;
  readonly outcome: 'reaped' | 'unknown';
  readonly timestamp: number;
}

/** A bounded FIFO with a blocking put, like a buffered Go channel. */
class Channel<T> {
  readonly #items: (T | undefined)[];
  #head = 0;
  #length = 0;
  #spaceWaiters: (() => void)[] = [];
  #itemWaiter: (() => void) | undefined;
  closed = false;

  constructor(readonly capacity: number) {
    this.#items = new Array<T | undefined>(capacity);
  }

  // Appends item, first awaiting room while the channel is full.
  async put(item: T): Promise<void> {
    while (this.#length >= this.capacity && !this.closed) await new Promise<void>((wake) => this.#spaceWaiters.push(wake));
    if (this.closed) return;
    this.#items[(this.#head + this.#length) % this.capacity] = item;
    this.#length++;
    const taker = this.#itemWaiter;
    this.#itemWaiter = undefined;
    taker?.();
  }

  // The oldest item, or undefined when empty; wakes one blocked sender.
  take(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.capacity;
    this.#length--;
    this.#spaceWaiters.shift()?.();
    return item;
  }

  // Resolves when an item arrives (or the channel closes).
  whenReady(): Promise<void> {
    if (this.#length > 0 || this.closed) return Promise.resolve();
    return new Promise((wake) => (this.#itemWaiter = wake));
  }

  // Wakes every waiter; later puts are dropped.
  close(): void {
    this.closed = true;
    for (const wake of this.#spaceWaiters.splice(0)) wake();
    this.#itemWaiter?.();
  }
}

// One subscriber's consumer loop: takes events in order and hands them to the
// listener, awaiting a returned promise. Synchronous listeners yield to the
// event loop once they have used a delivery slice (as exitmon's dispatcher
// does), else a slow one would hold the thread for its whole queue.
async function consume(channel: Channel<BoundedEvent>, listener: Listener): Promise<void> {
  let sliceStart = performance.now();
  for (;;) {
    let event: BoundedEvent | undefined;
    while ((event = channel.take()) !== undefined) {
      const pending = listener(event);
      if (pending !== undefined) {
        await pending;
        sliceStart = performance.now();
      } else if (performance.now() - sliceStart >= DELIVERY_SLICE_MS) {
        await yieldToLoop();
        sliceStart = performance.now();
      }
    }
    if (channel.closed) return;
    await channel.whenReady();
    sliceStart = performance.now();
  }
}

/** A monitor with bounded per-subscriber queues and a blocking publish. */
export class BoundedMonitor {
  readonly #channels: Channel<BoundedEvent>[] = [];
  #seq = 0;

  constructor(readonly capacity: number) {}

  // Adds a subscriber: with a listener it is consumed; without, nobody reads it.
  subscribe(listener?: Listener): void {
    const channel = new Channel<BoundedEvent>(this.capacity);
    this.#channels.push(channel);
    if (listener !== undefined) void consume(channel, listener);
  }

  // Numbers the event and awaits room in every subscriber's queue, in turn.
  async publish(init: Omit<BoundedEvent, 'seq' | 'timestamp'>, onNumbered?: (seq: number) => void): Promise<void> {
    const event: BoundedEvent = { ...init, seq: ++this.#seq, timestamp: Date.now() };
    onNumbered?.(event.seq);
    for (const channel of this.#channels) await channel.put(event);
  }

  /** Events published (numbered) so far. */
  get published(): number {
    return this.#seq;
  }

  // Unblocks every sender and stops the consumers.
  close(): void {
    for (const channel of this.#channels) channel.close();
  }
}
