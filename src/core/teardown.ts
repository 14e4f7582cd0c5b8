// Teardown that cannot be cut short: every step runs even when one throws
// (RxJS's Subscription runs every finalizer the same way), and the failures
// come out afterwards as one TeardownError. A step that is itself a teardown
// (the reaper closing its monitor) contributes its failures, not its
// TeardownError, so `cause` is always a real failure (a listener's error).
import { TeardownError } from './errors.js';

/** Runs every step in order; then, if any threw, throws a TeardownError naming `what` with every failure, nested teardowns flattened (the first as `cause`). */
export function runTeardown(what: string, steps: Iterable<() => void>): void {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      step();
    } catch (error) {
      if (error instanceof TeardownError) errors.push(...error.errors);
      else errors.push(error);
    }
  }
  if (errors.length > 0) throw new TeardownError(what, errors);
}
