// An RxJS Observable whose direct observers are isolated: RxJS reports an
// error thrown by an observer's callback through a setTimeout re-throw, which
// becomes an uncaughtException. Here such an error is counted and logged like
// a throwing listener instead. Operators (`pipe`) subscribe with their own
// Subscriber, which already routes errors downstream, so they pass through.
import { Observable, Subscriber, type Observer, type Subscription, type TeardownLogic } from 'rxjs';

type ObserverArg<T> = Partial<Observer<T>> | ((value: T) => void) | null | undefined;

export class GuardedObservable<T> extends Observable<T> {
  readonly #report: (error: unknown) => void;

  constructor(subscribe: (subscriber: Subscriber<T>) => TeardownLogic, report: (error: unknown) => void) {
    super(subscribe);
    this.#report = report;
  }

  override subscribe(observerOrNext?: ObserverArg<T>): Subscription {
    if (observerOrNext instanceof Subscriber || observerOrNext === null || observerOrNext === undefined) {
      return super.subscribe(observerOrNext ?? undefined);
    }
    const observer: Partial<Observer<T>> =
      typeof observerOrNext === 'function' ? { next: observerOrNext } : observerOrNext;
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
