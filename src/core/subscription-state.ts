// The monitor-side state of one subscription: its buffer, its one consumer and
// how one buffered event is handed to that consumer. The user-facing handle
// (subscription.ts) is a separate object so that an abandoned handle can be
// noticed by a FinalizationRegistry while this state is still routed.
import type { Subscriber } from 'rxjs';
import { ExitMonitorError, SubscriptionClosedError } from './errors.js';
import type { ExitEvent } from './exit-event.js';
import { Queue } from './queue.js';
import type { NormalizedTopic, Topic } from './topic.js';

/** A listener; when it returns a promise, the next event waits for it to settle. */
export type ExitListener = (event: ExitEvent) => void | PromiseLike<unknown>;

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

// A pending pull (next() or one step of async iteration).
export interface PullWaiter {
  resolve(event: ExitEvent | undefined): void; // undefined: the subscription ended
  reject(reason: unknown): void;
  /** Iteration steps end with done instead of rejecting when the subscription closes. */
  readonly iteration: boolean;
  cancelled: boolean;
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

export class SubscriptionState {
  readonly queue = new Queue<ExitEvent>();
  consumer: ConsumerKind | undefined;
  listener: ExitListener | undefined;
  observer: Subscriber<ExitEvent> | undefined;
  waiters: Queue<PullWaiter> | undefined;
  activeWaiters = 0;
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
    if (!this.queued && this.canDeliver()) this.hub.markReady(this);
  }

  // Whether a buffered event can be handed over right now.
  canDeliver(): boolean {
    if (this.closed || this.queue.length === 0) return false;
    if (this.listener !== undefined) return !this.awaiting;
    return this.observer !== undefined || this.activeWaiters > 0;
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
      return;
    }
    const waiter = this.#nextWaiter() as PullWaiter;
    waiter.resolve(event);
  }

  // Claims the subscription for one consumer kind, or throws if another has it.
  claim(kind: ConsumerKind): void {
    const has = this.consumer;
    if (has === undefined || (has === 'pull' && kind === 'pull')) {
      this.consumer = kind;
      return;
    }
    throw new SubscriptionConsumedError(this.id, has, kind);
  }

  // Registers a pending pull; the dispatcher resolves it in FIFO order.
  addWaiter(waiter: PullWaiter, owner: object): void {
    (this.waiters ??= new Queue<PullWaiter>()).push(waiter);
    this.activeWaiters++;
    this.owner = owner;
    if (!this.queued && this.canDeliver()) this.hub.markReady(this);
  }

  // A timed-out or aborted pull gives up its place without an O(n) removal.
  cancelWaiter(waiter: PullWaiter): void {
    if (waiter.cancelled) return;
    waiter.cancelled = true;
    if (--this.activeWaiters === 0 && this.observer === undefined) this.owner = undefined;
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

  #nextWaiter(): PullWaiter | undefined {
    const waiters = this.waiters;
    if (waiters === undefined) return undefined;
    let waiter: PullWaiter | undefined;
    while ((waiter = waiters.shift()) !== undefined && waiter.cancelled);
    if (waiter !== undefined) this.cancelWaiter(waiter);
    return waiter;
  }

  #callListener(listener: ExitListener, event: ExitEvent): void {
    let result: unknown;
    try {
      result = listener(event);
    } catch (error) {
      this.hub.reportConsumerError(this, error);
      return;
    }
    if (result === null || typeof result !== 'object' || typeof (result as PromiseLike<unknown>).then !== 'function') {
      return;
    }
    // An async listener holds its subscription's next event until it settles:
    // per-subscription order stays FIFO and the backlog (not the reaper) absorbs the delay.
    this.awaiting = true;
    const settle = (): void => {
      this.awaiting = false;
      if (!this.queued && this.canDeliver()) this.hub.markReady(this);
    };
    try {
      (result as PromiseLike<unknown>).then(settle, (error: unknown) => {
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
