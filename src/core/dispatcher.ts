// The dispatcher hands buffered events to consumers asynchronously, in
// time-bounded slices, so that reaping and other I/O go on however slow a
// consumer is. Subscriptions take turns round-robin, each turn bounded in
// events and in time, so a slow consumer cannot starve a fast one.
//
// Where slices run, and why:
// - The first slice of a loop turn starts in a microtask, right after the
//   callback that published (a pidfd readiness, a SIGCHLD sweep): delivery
//   then costs no extra loop phase.
// - New work later in the same turn waits for setImmediate, so a chain of
//   microtasks (async listeners that settle at once) cannot hold I/O back.
// - A slice that ran out of time continues from a timer (the timers phase of
//   the next loop iteration). Before it, libuv polls I/O and runs the check
//   phase, where the reaper collects exits signalled during the slice; a
//   setImmediate continuation would run ahead of that work instead.
import { runMicrotask } from './microtask.js';
import { Queue } from './queue.js';
import type { SubscriptionState } from './subscription-state.js';

/** Default length of one delivery slice before yielding to I/O, in ms. */
export const DEFAULT_SLICE_MS = 4;
/** Most events one subscription gets per turn before the next one is served. */
const TURN_EVENTS = 4096;
/** Longest turn of one subscription, in ms (checked when the clock is read). */
const TURN_MS = 1;
/** Deliveries faster than this (ms each) let the dispatcher read the clock less often. */
const CHEAP_DELIVERY_MS = 0.01;
/** Most deliveries between two clock reads. */
const MAX_CLOCK_STRIDE = 32;

type Schedule = (fn: () => void) => void;

// Off Node (no setImmediate) both fall back to setTimeout(0).
const afterIo: Schedule =
  typeof globalThis.setImmediate === 'function' ? (fn) => void globalThis.setImmediate(fn) : (fn) => void setTimeout(fn, 0);
const nextIteration: Schedule = (fn) => void setTimeout(fn, 0);

const now: () => number =
  typeof globalThis.performance?.now === 'function' ? () => performance.now() : () => Date.now();

export class Dispatcher {
  readonly #ready = new Queue<SubscriptionState>();
  readonly #sliceMs: number;
  #scheduled = false;
  #draining = false;
  #microtaskUsed = false; // this loop turn already had its microtask slice
  #rearmDue = false; // that slice has not yet scheduled the next turn's rearm
  #delivered = 0;

  constructor(sliceMs = DEFAULT_SLICE_MS) {
    this.#sliceMs = sliceMs;
  }

  /** Events handed to consumers so far. */
  get delivered(): number {
    return this.#delivered;
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
      if (this.#microtaskUsed) {
        afterIo(this.#drain);
      } else {
        this.#microtaskUsed = true;
        this.#rearmDue = true;
        runMicrotask(this.#drain);
      }
    }
  }

  // Runs once per loop turn that used the microtask path: the next turn may again.
  readonly #rearm = (): void => {
    this.#microtaskUsed = false;
  };

  // One slice: serve ready subscriptions until the time budget is spent.
  // Consumers may publish, subscribe or unsubscribe re-entrantly: a newly
  // ready subscription joins the tail of #ready; a closed one is skipped.
  readonly #drain = (): void => {
    this.#scheduled = false;
    this.#draining = true;
    const ready = this.#ready;
    let last = now();
    const deadline = last + this.#sliceMs;
    // The clock is read every `stride` deliveries. The stride doubles (up to
    // MAX_CLOCK_STRIDE) while deliveries are cheap and falls back to 1 as soon
    // as one is slow; it restarts at 1 with every subscription's turn, since
    // the next consumer may be the slow one. So a slow consumer overruns the
    // slice by at most one callback, and cheap deliveries do not pay a clock
    // read each.
    let stride = 1;
    let countdown = 1;
    let late = false;
    try {
      let state: SubscriptionState | undefined;
      while (!late && (state = ready.shift()) !== undefined) {
        state.queued = false;
        stride = 1;
        countdown = 1;
        const turnEnd = last + TURN_MS;
        let served = 0;
        while (state.canDeliver()) {
          state.deliverOne();
          this.#delivered++;
          if (--countdown === 0) {
            const t = now();
            stride = t - last < stride * CHEAP_DELIVERY_MS ? Math.min(stride * 2, MAX_CLOCK_STRIDE) : 1;
            countdown = stride;
            last = t;
            if (t >= deadline) late = true;
            if (late || t >= turnEnd) break;
          }
          if (++served === TURN_EVENTS) break;
        }
        if (!state.queued && state.canDeliver()) {
          state.queued = true;
          ready.push(state);
        }
      }
    } finally {
      this.#draining = false;
      // The microtask slice schedules the rearm when it ends, not when it is
      // queued: setImmediate costs a few µs that would otherwise come before
      // the first delivery. It still runs in this loop turn's check phase.
      if (this.#rearmDue) {
        this.#rearmDue = false;
        afterIo(this.#rearm);
      }
      if (ready.length > 0 && !this.#scheduled) {
        this.#scheduled = true;
        (late ? nextIteration : afterIo)(this.#drain);
      }
    }
  };
}
