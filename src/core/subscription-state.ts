// The monitor-side state of one subscription: its buffer, its one consumer and
// how one buffered event is handed to that consumer. The user-facing handle
// (subscription.ts) is a separate object so that an abandoned handle can be
// noticed by a FinalizationRegistry while this state is still routed.
import type { Subscriber } from 'rxjs';
import { ExitMonitorError, SubscriptionClosedError } from './errors.js';
import type { ExitEvent } from './exit-event.js';
import { PullWaiters, type PullWaiter } from './pull-waiters.js';
import { Queue } from './queue.js';
import type { NormalizedTopic, Topic } from './topic.js';

/**
 * A listener. Whatever it returns is ignored, except a promise (a thenable):
 * the next event waits for it to settle.
 */
export type ExitListener = (event: ExitEvent) => unknown;

/** Which kind of consumer owns a subscription; there is at most one. */
export type ConsumerKind = 'listener' | 'observable' | 'iterator' | 'pull';

/** A second, different consumer was attached to a subscription. */
export class SubscriptionConsumedError extends ExitMonitorError {
  constructor(id: number, has: ConsumerKind, wanted: ConsumerKind) {
    super(
      `Subscription ${id} is already consumed by its ${has}; a subscription has one consumer ` +
        `at a time, so ${wanted === 'pull' ? 'next()' : `a second ${wanted}`} cannot read from it. ` +
        'Subscribe again to get an independent stream.',
      'ERR_SUBSCRIPTION_CONSUMED',
    );
  }
}

/** What a subscription needs from its monitor. */
export interface SubscriptionHub {
  /** Takes the state out of the routing tables. */
  detach(state: SubscriptionState): void;
  /** Queues the state for the next delivery slice. */
  markReady(state: SubscriptionState): void;
  /** Counts and logs a consumer failure; never throws. */
  reportConsumerError(state: SubscriptionState, error: unknown): void;
  /** Accounting: `n` buffered events dropped by a close. */
  dropped(n: number): void;
}

// A pending drain() on one subscription: `done` runs once `completed`
// reaches `target` or the subscription closes.
export interface DrainMark {
  readonly target: number;
  readonly done: () => void;
}

export class SubscriptionState {
  readonly queue = new Queue<ExitEvent>();
  /** Events ever buffered here. */
  pushed = 0;
  /** Events whose delivery finished (a listener's promise settled). Never exceeds `pushed`. */
  completed = 0;
  drains: Set<DrainMark> | undefined;
  consumer: ConsumerKind | undefined;
  listener: ExitListener | undefined;
  observer: Subscriber<ExitEvent> | undefined;
  readonly waiters = new PullWaiters();
  awaiting = false; // an async listener has not settled yet
  queued = false; // sits in the dispatcher's ready queue
  closed = false;
  /** Strong reference to the handle while a consumer needs it alive. */
  owner: object | undefined;

  constructor(
    readonly id: number,
    readonly normalized: NormalizedTopic,
    readonly topic: Topic,
    readonly hub: SubscriptionHub,
  ) {}

  // Buffers an event; the dispatcher delivers it later.
  push(event: ExitEvent): void {
    this.queue.push(event);
    this.pushed++;
    if (!this.queued && this.canDeliver()) this.hub.markReady(this);
  }

  // Whether a buffered event can be handed over right now.
  canDeliver(): boolean {
    if (this.closed || this.queue.length === 0) return false;
    if (this.listener !== undefined) return !this.awaiting;
    return this.observer !== undefined || this.waiters.active > 0;
  }

  // Hands the oldest buffered event to the consumer. Called by the dispatcher
  // only when canDeliver() is true; consumer failures are reported, not thrown.
  deliverOne(): void {
    const event = this.queue.shift() as ExitEvent;
    if (this.listener !== undefined) return this.#callListener(this.listener, event);
    if (this.observer !== undefined) {
      try {
        this.observer.next(event);
      } catch (error) {
        this.hub.reportConsumerError(this, error);
      }
    } else {
      const waiter = this.#nextWaiter() as PullWaiter;
      waiter.resolve(event);
    }
    this.#complete();
  }

  // Registers a drain of everything buffered so far; false when nothing is
  // outstanding (the caller need not wait for this subscription).
  addDrain(done: () => void): DrainMark | undefined {
    if (this.closed || this.completed === this.pushed) return undefined;
    const mark = { target: this.pushed, done };
    (this.drains ??= new Set()).add(mark);
    return mark;
  }

  removeDrain(mark: DrainMark): void {
    this.drains?.delete(mark);
  }

  // One delivery finished: settles the drains it completes.
  #complete(): void {
    this.completed++;
    const drains = this.drains;
    if (drains === undefined || drains.size === 0) return;
    for (const mark of drains) {
      if (mark.target > this.completed) continue;
      drains.delete(mark);
      mark.done();
    }
  }

  // Claims the subscription for one consumer kind, or throws if another has it.
  // next() calls are one consumer while any is pending; once none is, they
  // are done, and a for-await loop may take over ("one consumer at a time").
  // The other way round is refused: a loop between two pulls is still reading.
  claim(kind: ConsumerKind): void {
    const has = this.consumer;
    if (has === undefined || (has === 'pull' && (kind === 'pull' || (kind === 'iterator' && this.waiters.active === 0)))) {
      this.consumer = kind;
      return;
    }
    throw new SubscriptionConsumedError(this.id, has, kind);
  }

  // Registers a pending pull; the dispatcher resolves it in FIFO order.
  addWaiter(waiter: PullWaiter, owner: object): void {
    this.waiters.add(waiter);
    this.owner = owner;
    if (!this.queued && this.canDeliver()) this.hub.markReady(this);
  }

  // A timed-out or aborted pull gives up its place (see PullWaiters).
  cancelWaiter(waiter: PullWaiter): void {
    if (this.waiters.cancel(waiter) && this.waiters.active === 0 && this.observer === undefined) this.owner = undefined;
  }

  // Ends the subscription: drops the backlog, releases the consumer, completes
  // observers, ends iterations and rejects pending pulls. Idempotent.
  close(cause?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.hub.detach(this);
    this.hub.dropped(this.queue.length);
    this.queue.clear();
    this.listener = undefined;
    // A closed subscription owes nothing more: its drains are over.
    const drains = this.drains;
    this.drains = undefined;
    if (drains !== undefined) for (const mark of drains) mark.done();
    this.owner = undefined;
    const observer = this.observer;
    this.observer = undefined;
    let waiter: PullWaiter | undefined;
    while ((waiter = this.#nextWaiter()) !== undefined) {
      if (waiter.iteration) waiter.resolve(undefined);
      else waiter.reject(new SubscriptionClosedError(`Subscription ${this.id} was closed`, { cause }));
    }
    if (observer !== undefined) {
      try {
        observer.complete();
      } catch (error) {
        this.hub.reportConsumerError(this, error);
      }
    }
  }

  // The oldest waiting pull, taken out; the consumer is released with the last.
  #nextWaiter(): PullWaiter | undefined {
    const waiter = this.waiters.next();
    if (waiter !== undefined && this.waiters.active === 0 && this.observer === undefined) this.owner = undefined;
    return waiter;
  }

  #callListener(listener: ExitListener, event: ExitEvent): void {
    let result: unknown;
    try {
      result = listener(event);
    } catch (error) {
      this.hub.reportConsumerError(this, error);
      this.#complete();
      return;
    }
    let then: unknown;
    try {
      // Inside the try: a `then` getter that throws is the listener's fault too.
      then = result !== null && (typeof result === 'object' || typeof result === 'function') ? (result as PromiseLike<unknown>).then : undefined;
    } catch (error) {
      this.hub.reportConsumerError(this, error);
      this.#complete();
      return;
    }
    if (typeof then !== 'function') {
      this.#complete();
      return;
    }
    // An async listener holds its subscription's next event until it settles:
    // per-subscription order stays FIFO and the backlog (not the reaper) absorbs the delay.
    this.awaiting = true;
    let settled = false;
    const settle = (): void => {
      if (settled) return; // a broken thenable may call back twice
      settled = true;
      this.awaiting = false;
      this.#complete();
      if (!this.queued && this.canDeliver()) this.hub.markReady(this);
    };
    try {
      (then as PromiseLike<unknown>['then']).call(result, settle, (error: unknown) => {
        this.hub.reportConsumerError(this, error);
        settle();
      });
    } catch (error) {
      // A thenable whose then() throws: count it and move on.
      this.hub.reportConsumerError(this, error);
      settle();
    }
  }
}
