// The pending pulls of one subscription (next() calls and async-iteration
// steps), served in FIFO order. A pull that times out or is aborted gives up
// its place without an O(n) removal: it is skipped when its turn comes; and
// so that a loop of pulls timing out on a quiet topic does not pile them up,
// the queue is emptied once only cancelled ones are left and compacted once
// they are most of it (O(1) amortised per cancel).
import type { ExitEvent } from './exit-event.js';
import { Queue } from './queue.js';

/** A pending pull (next() or one step of async iteration). */
export interface PullWaiter {
  resolve(event: ExitEvent | undefined): void; // undefined: the subscription ended
  reject(reason: unknown): void;
  /** Iteration steps end with done instead of rejecting when the subscription closes. */
  readonly iteration: boolean;
  cancelled: boolean;
}

// Cancelled pulls the queue may hold beyond twice its live ones.
const COMPACT_SLACK = 16;

/** The pulls waiting on one subscription. */
export class PullWaiters {
  #queue: Queue<PullWaiter> | undefined;
  #active = 0;

  /** Pulls still waiting (cancelled and served ones not counted). */
  get active(): number {
    return this.#active;
  }

  add(waiter: PullWaiter): void {
    (this.#queue ??= new Queue<PullWaiter>()).push(waiter);
    this.#active++;
  }

  // Gives up a pull's place (timeout, abort); false when it was served or cancelled already.
  cancel(waiter: PullWaiter): boolean {
    if (waiter.cancelled) return false;
    waiter.cancelled = true;
    this.#active--;
    const queue = this.#queue;
    if (queue !== undefined && this.#active === 0) queue.clear();
    else if (queue !== undefined && queue.length > 2 * this.#active + COMPACT_SLACK) this.#queue = live(queue);
    return true;
  }

  // The oldest pull still waiting, taken out (and marked, so a late cancel is a no-op).
  next(): PullWaiter | undefined {
    const queue = this.#queue;
    if (queue === undefined) return undefined;
    let waiter: PullWaiter | undefined;
    while ((waiter = queue.shift()) !== undefined && waiter.cancelled);
    if (waiter !== undefined) {
      waiter.cancelled = true;
      this.#active--;
    }
    return waiter;
  }
}

// The live pulls of `queue`, in order (the cancelled ones left out).
function live(queue: Queue<PullWaiter>): Queue<PullWaiter> {
  const kept = new Queue<PullWaiter>();
  for (let waiter = queue.shift(); waiter !== undefined; waiter = queue.shift()) if (!waiter.cancelled) kept.push(waiter);
  return kept;
}
