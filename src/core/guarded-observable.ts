// An RxJS Observable that is a subscription's one consumer, with two
// differences from a plain Observable:
// - subscribe() claims the subscription first and throws at the call when it
//   already has a consumer (RxJS would report an error thrown inside the
//   subscribe function through a setTimeout re-throw: an uncaughtException);
// - its direct observers are isolated: an error thrown by an observer's
//   callback is counted and logged like a throwing listener, not re-thrown
//   later by RxJS. Operators (`pipe`) subscribe with their own Subscriber,
//   which already routes errors downstream, so they pass through.
// From rxjs's own modules, not its index: under Node `rxjs` resolves to a
// CommonJS index that loads every operator (about 100 ms at start-up here);
// these two are the same module instances that index re-exports.
import type { Observer, Subscription, TeardownLogic } from 'rxjs';
import { Observable } from 'rxjs/internal/Observable';
import { Subscriber } from 'rxjs/internal/Subscriber';

type ObserverArg<T> = Partial<Observer<T>> | ((value: T) => void) | null | undefined;

export class GuardedObservable<T> extends Observable<T> {
  readonly #report: (error: unknown) => void;
  readonly #claim: () => void;

  constructor(subscribe: (subscriber: Subscriber<T>) => TeardownLogic, report: (error: unknown) => void, claim: () => void) {
    super(subscribe);
    this.#report = report;
    this.#claim = claim;
  }

  // The three-callback form (next, error, complete) is deprecated in RxJS 7 but still served.
  override subscribe(observerOrNext?: ObserverArg<T>, error?: ((error: unknown) => void) | null, complete?: (() => void) | null): Subscription {
    this.#claim(); // throws SubscriptionConsumedError at the call
    if (isSubscriber(observerOrNext)) return super.subscribe(observerOrNext);
    if ([observerOrNext, error, complete].every((v) => v === null || v === undefined)) return super.subscribe();
    const observer: Partial<Observer<T>> = typeof observerOrNext === 'object' && observerOrNext !== null
      ? observerOrNext
      : { next: observerOrNext ?? undefined, error: error ?? undefined, complete: complete ?? undefined };
    return super.subscribe({
      next: this.#guard(observer, 'next'),
      error: observer.error ? (error: unknown) => observer.error?.(error) : undefined,
      complete: this.#guard(observer, 'complete'),
    } as Partial<Observer<T>>);
  }

  // Wraps one observer callback so that what it throws is reported, not re-thrown.
  #guard<K extends 'next' | 'complete'>(observer: Partial<Observer<T>>, key: K): Observer<T>[K] | undefined {
    if (typeof observer[key] !== 'function') return undefined;
    const report = this.#report;
    return ((value?: T) => {
      try {
        (observer[key] as (v?: T) => void).call(observer, value);
      } catch (error) {
        report(error);
      }
    }) as Observer<T>[K];
  }
}

// An operator's Subscriber, recognised by its shape as RxJS itself does
// (isSubscriber): one from another copy of RxJS (an app's own, next to the
// one exitmon installs) is no instance of ours, and wrapping it would cut
// its unsubscribe off from the subscription.
function isSubscriber<T>(value: ObserverArg<T>): value is Subscriber<T> {
  if (value instanceof Subscriber) return true;
  const v = value as Partial<Subscriber<T>> | null | undefined;
  return typeof v === 'object' && v !== null && typeof v.next === 'function' && typeof v.error === 'function' && typeof v.complete === 'function' &&
    typeof v.unsubscribe === 'function' && typeof v.add === 'function' && typeof v.remove === 'function' && typeof v.closed === 'boolean';
}
