// monitor.drain(): one wait over every subscription that has undelivered
// events at the call, each marked at its current push count.
import { SubscriptionState, type DrainMark } from './subscription-state.js';
import { pendingWait, type WaitOptions } from './wait.js';

/**
 * Resolves once each of `states` has completed what had been pushed to it
 * when this was called (or closed). Timeout and abort as every wait; a wait
 * that gives up leaves no mark behind. `options` must be checked already.
 */
export function drainSubscriptions(states: Iterable<SubscriptionState>, options: WaitOptions): Promise<void> {
  // As every wait: an already aborted signal rejects, even with nothing to wait for.
  if (options.signal?.aborted) return Promise.reject(options.signal.reason);
  const behind = [...states].filter((s) => s.completed < s.pushed);
  if (behind.length === 0) return Promise.resolve();
  const marks = new Map<SubscriptionState, DrainMark>();
  return pendingWait<void, { resolve(): void; reject(reason: unknown): void }>(
    options,
    'the delivery of every published event',
    {},
    (waiter) => {
      let left = behind.length;
      const done = (): void => {
        if (--left === 0) waiter.resolve();
      };
      for (const state of behind) {
        const mark = state.addDrain(done);
        if (mark === undefined) done();
        else marks.set(state, mark);
      }
    },
    () => {
      for (const [state, mark] of marks) state.removeDrain(mark);
    },
  );
}
