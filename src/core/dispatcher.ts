// The dispatcher hands buffered events to consumers asynchronously, in
// time-bounded slices: after each slice it yields to the event loop (through
// setImmediate, which runs after I/O callbacks), so reaping and other I/O go
// on however slow a consumer is. Subscriptions take turns round-robin.
import { Queue } from './queue.js';
import type { SubscriptionState } from './subscription-state.js';

/** Default length of one delivery slice before yielding to I/O, in ms. */
export const DEFAULT_SLICE_MS = 4;
/** Events one subscription gets per turn before the next one is served. */
const TURN_EVENTS = 64;

type Schedule = (fn: () => void) => void;

// setImmediate runs after the poll phase, so I/O (pidfd readiness, SIGCHLD)
// is serviced between slices; setTimeout(0) is the fallback off Node.
const defaultSchedule: Schedule =
  typeof globalThis.setImmediate === 'function'
    ? (fn) => void globalThis.setImmediate(fn)
    : (fn) => void setTimeout(fn, 0);

const now: () => number =
  typeof globalThis.performance?.now === 'function' ? () => performance.now() : () => Date.now();

export class Dispatcher {
  readonly #ready = new Queue<SubscriptionState>();
  readonly #sliceMs: number;
  readonly #schedule: Schedule;
  #scheduled = false;
  #draining = false;

  constructor(sliceMs = DEFAULT_SLICE_MS, schedule: Schedule = defaultSchedule) {
    this.#sliceMs = sliceMs;
    this.#schedule = schedule;
  }

  /** Subscriptions waiting for their turn. */
  get pending(): number {
    return this.#ready.length;
  }

  // Queues a subscription that has something to deliver.
  markReady(state: SubscriptionState): void {
    if (state.queued) return;
    state.queued = true;
    this.#ready.push(state);
    if (!this.#scheduled && !this.#draining) {
      this.#scheduled = true;
      this.#schedule(this.#drain);
    }
  }

  // One slice: serve ready subscriptions until the time budget is spent.
  // Consumers may publish, subscribe or unsubscribe re-entrantly: a newly
  // ready subscription joins the tail of #ready; a closed one is skipped.
  readonly #drain = (): void => {
    this.#scheduled = false;
    this.#draining = true;
    const ready = this.#ready;
    const deadline = now() + this.#sliceMs;
    try {
      let state: SubscriptionState | undefined;
      while ((state = ready.shift()) !== undefined) {
        state.queued = false;
        let served = 0;
        let late = false;
        while (state.canDeliver()) {
          state.deliverOne();
          // The clock is read after every event so that one slow consumer
          // overruns the slice by at most one callback.
          if (now() >= deadline) {
            late = true;
            break;
          }
          if (++served === TURN_EVENTS) break;
        }
        if (!state.queued && state.canDeliver()) {
          state.queued = true;
          ready.push(state);
        }
        if (late) break;
      }
    } finally {
      this.#draining = false;
      if (ready.length > 0 && !this.#scheduled) {
        this.#scheduled = true;
        this.#schedule(this.#drain);
      }
    }
  };
}
