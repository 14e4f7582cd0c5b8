// ExitSubscription: the user's handle on one subscription. All state lives in
// SubscriptionState; this object only adds the consumer APIs (events, async
// iteration, next) and the disposable protocol.
import type { Observable, Subscriber } from 'rxjs';
import { SubscriptionClosedError } from './errors.js';
import type { ExitEvent } from './exit-event.js';
import { GuardedObservable } from './guarded-observable.js';
import type { PullWaiter } from './pull-waiters.js';
import type { SubscriptionState } from './subscription-state.js';
import type { Topic } from './topic.js';
import { checkWaitOptions, pendingWait, type WaitOptions } from './wait.js';

/** One subscription to a topic of an ExitMonitor. */
export interface ExitSubscription extends Disposable, AsyncIterable<ExitEvent> {
  /** An async iterator over the events, itself iterable; `break` (its `return()`) unsubscribes. */
  [Symbol.asyncIterator](): AsyncIterableIterator<ExitEvent>;
  /** Monitor-wide unique id, in subscribe order. */
  readonly id: number;
  readonly topic: Topic;
  /** True once unsubscribed or the monitor closed. */
  readonly closed: boolean;
  /** Events buffered and not yet delivered. */
  readonly backlog: number;
  /**
   * An RxJS Observable over the same buffer. It is this subscription's consumer:
   * subscribing while the subscription has another consumer throws a
   * `SubscriptionConsumedError` at the call (through operators, RxJS sends it
   * down the error channel), and unsubscribing the RxJS subscription
   * unsubscribes this one. Completes when this subscription closes.
   */
  readonly events: Observable<ExitEvent>;
  /**
   * Pulls the next event. Rejects with `SubscriptionClosedError` if the
   * subscription is or becomes closed, `WaitTimeoutError` after `timeout`,
   * or the abort reason of `signal`. Several pending calls resolve in order.
   */
  next(options?: WaitOptions): Promise<ExitEvent>;
  /** Stops delivery at once: nothing is delivered after it returns. Idempotent. */
  unsubscribe(): void;
  /** Same as `unsubscribe()`. */
  [Symbol.dispose](): void;
}

export class Subscription implements ExitSubscription {
  readonly #state: SubscriptionState;
  #events: Observable<ExitEvent> | undefined;

  constructor(state: SubscriptionState) {
    this.#state = state;
  }

  get id(): number {
    return this.#state.id;
  }

  get topic(): Topic {
    return this.#state.topic;
  }

  get closed(): boolean {
    return this.#state.closed;
  }

  get backlog(): number {
    return this.#state.queue.length;
  }

  get events(): Observable<ExitEvent> {
    const state = this.#state;
    return (this.#events ??= new GuardedObservable(
      (subscriber) => this.#attachObserver(subscriber),
      (error) => state.hub.reportConsumerError(state, error),
      () => {
        if (!state.closed) state.claim('observable');
      },
    ));
  }

  next(options?: WaitOptions): Promise<ExitEvent> {
    let checked: WaitOptions;
    try {
      checked = checkWaitOptions(options);
      // Closed wins over consumed: an unsubscribed listener subscription is closed.
      if (this.#state.closed) throw new SubscriptionClosedError(`Subscription ${this.#state.id} is closed`);
      this.#state.claim('pull');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#pull(false, checked) as Promise<ExitEvent>;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExitEvent> {
    // Closed wins over consumed here too: a loop over a closed subscription just ends.
    if (!this.#state.closed) this.#state.claim('iterator');
    const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
    const iterator: AsyncIterableIterator<ExitEvent> = {
      next: async () => {
        const event = await this.#pull(true, {});
        return event === undefined ? done : { done: false, value: event };
      },
      // `break` out of a for-await loop ends the subscription.
      return: async (value?: unknown) => {
        this.unsubscribe();
        return { done: true, value };
      },
      // Iterable itself, as async generators and events.on() are: `for await (const e of it)`.
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /**
   * Stops delivery at once. An own, bound function: it may be handed on as a
   * callback (`signal.addEventListener('abort', sub.unsubscribe)`, an exit
   * handler).
   */
  readonly unsubscribe = (): void => {
    this.#state.close();
  };

  [Symbol.dispose](): void {
    this.#state.close();
  }

  // Queues a pull on the state; resolves with undefined when an iteration ends.
  #pull(iteration: boolean, options: WaitOptions): Promise<ExitEvent | undefined> {
    const state = this.#state;
    if (state.closed) {
      return iteration
        ? Promise.resolve(undefined)
        : Promise.reject(new SubscriptionClosedError(`Subscription ${state.id} is closed`));
    }
    return pendingWait<ExitEvent | undefined, PullWaiter>(
      options,
      `the next event of subscription ${state.id}`,
      { iteration, cancelled: false },
      (waiter) => state.addWaiter(waiter, this),
      (waiter) => state.cancelWaiter(waiter),
    );
  }

  // The body of `events`: attaches one RxJS subscriber as the consumer.
  #attachObserver(subscriber: Subscriber<ExitEvent>): () => void {
    const state = this.#state;
    if (state.closed) {
      subscriber.complete();
      return () => {};
    }
    state.observer = subscriber; // claimed in GuardedObservable.subscribe
    state.owner = this; // an observed subscription must not be reclaimed as leaked
    if (!state.queued && state.canDeliver()) state.hub.markReady(state);
    return () => {
      // The RxJS side unsubscribed (or completed): the subscription ends with it.
      if (state.observer === subscriber) {
        state.observer = undefined;
        state.close();
      }
    };
  }
}
